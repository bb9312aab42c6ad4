import Foundation
import Testing

/// Compiles `Examples/c-driver` with the system C compiler against `<hmmkit/hmm.h>` and the
/// `libHMMKitC.so` this build made (next to the test bundle), and runs its tests one by one.
/// Serialized: each test blocks its thread while a child process runs, and the machine has
/// two cores for the whole suite.
@Suite(.serialized) struct CDriverExampleTests {
  /// The example's tests (`test_svm NAME`).
  static let names = [
    "thp-mprotect", "bad-calls", "driver", "oracle", "scenario", "migrate", "exclusive", "fuzz", "fuzz-broken", "fuzz-broken-migrate", "explore",
    "explore-broken",
  ]

  @Test(arguments: names)
  func example(_ name: String) throws {
    let binary = try CDriverBuild.shared.get()
    let (status, output) = try CDriverBuild.run(binary, [name])
    #expect(status == 0, "test_svm \(name) exited with \(status):\n\(output)")
    #expect(output.contains("ok 1 - \(name)\n") && !output.contains("not ok"), "\(output)")
  }

  @Test func unknownTestIsRefused() throws {
    let binary = try CDriverBuild.shared.get()
    let (status, output) = try CDriverBuild.run(binary, ["no-such-test"])
    #expect(status == 2)
    #expect(output.contains("Bail out! no test called no-such-test"))
  }

  /// scripts/install-c-api.sh puts the header and `libhmmkit.so` under a prefix; the example
  /// then builds with a plain `cc ... -I PREFIX/include -L PREFIX/lib -lhmmkit` and its THP and
  /// mprotect test passes.
  @Test func installedLibraryBuildsTheExample() throws {
    let paths = try CDriverBuild.paths()
    let prefix = paths.scratch + "/prefix"
    let (installStatus, installOutput) = try CDriverBuild.run(
      "/usr/bin/env", ["bash", paths.package + "/scripts/install-c-api.sh", "--prefix", prefix, "--from", paths.library])
    #expect(installStatus == 0, "\(installOutput)")
    #expect(FileManager.default.fileExists(atPath: prefix + "/include/hmmkit/hmm.h"))
    let example = paths.package + "/Examples/c-driver"
    let binary = paths.scratch + "/test_svm_installed"
    let (status, output) = try CDriverBuild.run(
      "/usr/bin/env",
      ["cc", "-I", prefix + "/include", example + "/svm.c", example + "/test_svm.c", "-L", prefix + "/lib", "-lhmmkit",
       "-Wl,-rpath," + prefix + "/lib", "-o", binary])
    #expect(status == 0, "\(output)")
    let (runStatus, runOutput) = try CDriverBuild.run(binary, ["thp-mprotect"])
    #expect(runStatus == 0, "\(runOutput)")
    #expect(runOutput.contains("order 9") && runOutput.contains("MMU_NOTIFY_PROTECTION_VMA"), "\(runOutput)")
  }

  /// The example's Makefile builds it against this build's library.
  @Test func makefileBuildsTheExample() throws {
    let paths = try CDriverBuild.paths()
    let binary = paths.scratch + "/test_svm_make"
    let (status, output) = try CDriverBuild.run(
      "/usr/bin/env", ["make", "-s", "-C", paths.package + "/Examples/c-driver", "BUILD=" + paths.library, "OUT=" + binary, binary])
    #expect(status == 0, "\(output)")
    let (runStatus, runOutput) = try CDriverBuild.run(binary, ["driver"])
    #expect(runStatus == 0 && runOutput.contains("ok 1 - driver"), "\(runOutput)")
  }

  @Test func installScriptRefusesAMissingPrefix() throws {
    let paths = try CDriverBuild.paths()
    let (status, output) = try CDriverBuild.run("/usr/bin/env", ["bash", paths.package + "/scripts/install-c-api.sh"])
    #expect(status == 2)
    #expect(output.contains("error: --prefix DIR is required"))
  }

  /// The inline helpers agree with the kernel's encodings (checked from C with constants).
  @Test func headerCompilesAsPedanticC11() throws {
    let paths = try CDriverBuild.paths()
    let source = paths.scratch + "/header-check.c"
    try """
      #include <hmmkit/hmm.h>
      _Static_assert(HMM_PFN_VALID == 0x8000000000000000UL, "VALID");
      _Static_assert(HMM_PFN_WRITE == 0x4000000000000000UL, "WRITE");
      _Static_assert(HMM_PFN_ERROR == 0x2000000000000000UL, "ERROR");
      _Static_assert(HMM_PFN_ORDER_SHIFT == 53, "order shift");
      _Static_assert(MMU_NOTIFY_PROTECTION_VMA == 2 && MMU_NOTIFY_MIGRATE == 6 && MMU_NOTIFY_EXCLUSIVE == 7, "events");
      _Static_assert(MIGRATE_PFN_VALID == 1 && MIGRATE_PFN_MIGRATE == 2 && MIGRATE_PFN_WRITE == 8, "migrate pfn");
      _Static_assert(MIGRATE_VMA_SELECT_SYSTEM == 1 && MIGRATE_VMA_SELECT_DEVICE_PRIVATE == 2, "select");
      int main(void) { return hmm_pfn_to_map_order(HMM_PFN_VALID | (9UL << HMM_PFN_ORDER_SHIFT)) == 9 ? 0 : 1; }
      """.write(toFile: source, atomically: true, encoding: .utf8)
    let (status, output) = try CDriverBuild.run(
      "/usr/bin/env", ["cc", "-std=c11", "-Wall", "-Wextra", "-pedantic", "-Werror", "-Wno-overflow", "-c",
                       "-I", paths.include, source, "-o", paths.scratch + "/header-check.o"])
    #expect(status == 0, "\(output)")
  }
}

/// Builds the example once per test process.
enum CDriverBuild {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Where things are.
  struct Paths {
    var package: String
    var include: String
    var library: String
    var scratch: String
  }

  /// The package root, the header directory, the directory with the library, a scratch directory.
  static func paths() throws -> Paths {
    let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
    // The bundle's executable may sit inside PackageTests.xctest/.
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("libHMMKitC.so").path) {
      let parent = directory.deletingLastPathComponent()
      guard parent.path != directory.path, directory.path.contains(".build") else {
        throw Failure(description: "libHMMKitC.so is not next to the test bundle (\(executable)); run `swift build` first, which builds it")
      }
      directory = parent
    }
    let scratch = NSTemporaryDirectory() + "hmmkit-capi-\(getpid())"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    return Paths(package: package, include: package + "/Sources/CHMMKit/include", library: directory.path, scratch: scratch)
  }

  /// The compiled test program, or why it could not be built.
  static let shared: Result<String, Failure> = {
    do {
      let paths = try paths()
      let example = paths.package + "/Examples/c-driver"
      let binary = paths.scratch + "/test_svm"
      let (status, output) = try run(
        "/usr/bin/env",
        ["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O1", "-g", "-I", paths.include,
         example + "/svm.c", example + "/test_svm.c", "-L", paths.library, "-lHMMKitC",
         "-Wl,-rpath," + paths.library, "-o", binary])
      guard status == 0 else { return .failure(Failure(description: "cc failed (\(status)):\n\(output)")) }
      return .success(binary)
    } catch let error as Failure {
      return .failure(error)
    } catch {
      return .failure(Failure(description: "\(error)"))
    }
  }()

  /// Runs a program; its exit status and its standard output and error together.
  static func run(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
