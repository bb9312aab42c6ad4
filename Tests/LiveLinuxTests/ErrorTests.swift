import LiveLinux
import MemoryModel
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ErrorTests {
  /// A PID above `pid_max` cannot exist.
  static func impossiblePID() -> Int32 {
    let text = (try? String(decoding: readAll("/proc/sys/kernel/pid_max"), as: UTF8.self)) ?? "4194304"
    let max = Int32(text.filter(\.isNumber)) ?? 4_194_304
    return max + 1
  }

  static func readAll(_ path: String) throws -> [UInt8] {
    #if canImport(Glibc)
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 64) }
    return Array(buffer.prefix(max(0, count)))
    #else
    return []
    #endif
  }

  @Test func aNonexistentProcessIsAClearError() throws {
    #if os(Linux)
    let pid = Self.impossiblePID()
    #expect(throws: LiveLinuxError.noSuchProcess(pid: pid)) { try ProcessInspector(pid: pid).snapshot() }
    let message = LiveLinuxError.noSuchProcess(pid: pid).description
    #expect(message.contains("no such process") && message.contains("ps -p"))
    #else
    print("skipped: not Linux")
    #endif
  }

  @Test func nonPositivePIDsAreRejected() {
    #if os(Linux)
    #expect(throws: LiveLinuxError.badProcessID("0")) { try LiveProcessSource(pid: 0) }
    #expect(throws: LiveLinuxError.badProcessID("-5")) { try LiveProcessSource(pid: -5) }
    #endif
  }

  @Test func permissionMessagesSayWhatToDo() {
    let message = LiveLinuxError.permissionDenied(path: "/proc/1/pagemap").description
    #expect(message.contains("/proc/1/pagemap") && message.contains("root") && message.contains("CAP_SYS_ADMIN"))
  }

  @Test func malformedMapsFromASourceFailTheSnapshot() {
    let source = FixtureProcessSource(maps: "garbage\n")
    #expect(throws: LiveLinuxError.malformedMaps(line: 1, text: "garbage")) { try ProcessInspector(source: source).snapshot() }
  }

  @Test func aProcessWithoutMappingsIsAWarningNotACrash() throws {
    let snapshot = try ProcessInspector(source: FixtureProcessSource(maps: "", smaps: "")).snapshot()
    #expect(snapshot.vmas.isEmpty && snapshot.summary.totalBytes == 0)
    #expect(snapshot.warnings.contains { $0.contains("no memory mappings") })
  }

  @Test func aRangeOutsideEveryVMAIsAWarning() throws {
    let range = try InspectionRange(parsing: "1000-2000")
    let snapshot = try ProcessInspector(source: DemoLayout.builder().source(), options: InspectionOptions(range: range)).snapshot()
    #expect(snapshot.vmas.isEmpty)
    #expect(snapshot.warnings.contains { $0.contains("no VMA") })
  }
}
