import LiveLinux
import MemoryModel
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Processes whose `/proc/PID` exists but whose memory cannot be read get their own messages.
@Suite struct ProcessWithoutMemoryTests {
  @Test func aKernelThreadIsNamed() throws {
    #if os(Linux)
    // PID 2 is kthreadd on Linux, unless this test runs in a PID namespace of its own.
    let status = (try? ErrorTests.readStatus(2)) ?? ""
    guard status.contains("Kthread:\t1") else {
      print("skipped: PID 2 is not a kernel thread here")
      return
    }
    #expect(throws: LiveLinuxError.kernelThread(pid: 2)) { try ProcessInspector(pid: 2).snapshot() }
    let message = LiveLinuxError.kernelThread(pid: 2).description
    #expect(message.contains("kernel thread") && message.contains("no user address space"))
    #else
    print("skipped: not Linux")
    #endif
  }

  @Test func aZombieIsNamed() throws {
    #if os(Linux)
    var child: pid_t = 0
    var arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
    defer { for argument in arguments { free(argument) } }
    guard posix_spawn(&child, "/bin/true", nil, nil, &arguments, environ) == 0 else {
      print("skipped: cannot spawn /bin/true")
      return
    }
    defer { var status: Int32 = 0; waitpid(child, &status, 0) }
    // The child exits at once; until it is reaped it is a zombie.
    var waited = 0
    while !((try? ErrorTests.readStatus(child)) ?? "").contains("Z (zombie)") && waited < 2000 {
      usleep(1000)
      waited += 1
    }
    #expect(throws: LiveLinuxError.zombie(pid: child)) { try ProcessInspector(pid: child).snapshot() }
    #expect(LiveLinuxError.zombie(pid: child).description.contains("zombie"))
    #else
    print("skipped: not Linux")
    #endif
  }

  @Test func rootIsNotToldToRunAsRoot() {
    let message = LiveLinuxError.permissionDeniedAsRoot(path: "/proc/1/pagemap").description
    #expect(message.contains("although hmmkit runs as root") && !message.contains("sudo"))
  }

  @Test func theJSONErrorDocumentNamesTheSchemaAndTheError() {
    let document = ProcessSnapshot.jsonErrorReport("no such process: 9", exitCode: 1)
    #expect(document.contains("\"schema\": \"hmmkit.inspect/1\""))
    #expect(document.contains("\"error\": \"no such process: 9\""))
    #expect(document.contains("\"exitCode\": 1"))
  }
}

extension ErrorTests {
  /// `/proc/PID/status`, or "" when it cannot be read.
  static func readStatus(_ pid: Int32) throws -> String {
    #if canImport(Glibc)
    let fd = open("/proc/\(pid)/status", O_RDONLY)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    return String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
    #else
    return ""
    #endif
  }
}
