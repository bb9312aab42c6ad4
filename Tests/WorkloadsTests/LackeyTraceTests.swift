import Foundation
import Testing
@testable import Workloads

@Suite struct LackeyTraceTests {
  @Test func parsesLoadsStoresAndModifies() throws {
    let text = """
      ==123== Lackey, an example Valgrind tool
      I  04017a10,3
       S 1ffefffda8,8
       L 04221e58,8
       M 0421f028,4
      """
    let trace = try LackeyTrace(parsing: text)
    #expect(trace.instructions == 1)
    #expect(trace.accesses == [.init(address: 0x1ffefffda8, size: 8, write: true), .init(address: 0x04221e58, size: 8, write: false),
                               .init(address: 0x0421f028, size: 4, write: true)])
    #expect(trace.spans.count == 2)
  }

  @Test func aBadLineIsAnErrorWithItsPosition() {
    #expect(throws: LackeyTrace.ParseError.self) { try LackeyTrace(parsing: " L 1000,8\n X 1000,8\n", file: "t.log") }
    do {
      _ = try LackeyTrace(parsing: " L 1000,8\n L zz,8\n", file: "t.log")
    } catch {
      #expect(error.description.hasPrefix("t.log:2:4: error:"))
    }
  }

  /// A real program's trace from valgrind, replayed on a mirrored process.
  @Test func replaysARealProgramsTrace() throws {
    let valgrind = ["/usr/bin/valgrind", "/usr/local/bin/valgrind"].first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let valgrind else {
      print("skipped: valgrind is not installed (apt-get install -y valgrind)")
      return
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmmkit-lackey-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let log = directory.appendingPathComponent("trace.log").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: valgrind)
    process.arguments = ["--tool=lackey", "--trace-mem=yes", "--log-file=\(log)", "/bin/true"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let trace = try LackeyTrace(parsing: try String(contentsOfFile: log, encoding: .utf8), file: log)
    #expect(trace.accesses.count > 1000)
    #expect(trace.accesses.contains { $0.write })
    let workload = WorkloadSpec(name: "true", pattern: .trace, regions: [RegionSpec(thp: false)], accesses: 20000, trace: log)
    let result = try WorkloadRunner(workload: workload, policy: .plain("map-order"), memoryBytes: 512 << 20).run()
    #expect(result.accesses == min(20000, trace.accesses.count))
    #expect(result.faults > 0)
    #expect(result.failedFaults.isEmpty)
    #expect(result.oracleViolations == 0)
  }
}
