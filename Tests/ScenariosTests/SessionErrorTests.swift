import MemoryModel
import Testing

@testable import Scenarios

/// A ``ScenarioSession`` (which records no text) refuses the same commands with the same error
/// names as ``ScenarioRunner`` and fails the same pattern reads: CPU access faults (SIGSEGV,
/// SIGBUS), failed collapses and reads that find other bytes.
@Suite struct SessionErrorTests {
  static let text = """
    system memory=64M
    file F size=40K
    process A
    A: r = mmap 64K rw
    A: write r 8K pattern=0x11
    A: read r 4K expect=0x22
    A: read r 4K expect=0x11
    A: write r+64K 4K
    expect error SIGSEGV
    A: f = mmap 64K r file=F
    A: read f 64K
    expect error SIGBUS
    A: write f 4K
    expect error SIGSEGV
    A: h = mmap 4M rw
    A: collapse h 4M
    expect error EINVAL
    A: read h 4K
    """

  @Test func aSessionRefusesWhatTheRunnerRefuses() throws {
    let scenario = try ScenarioParser.parse(Self.text, file: "errors.hmm")
    let runner = ScenarioRunner(options: ScenarioRunner.Options(checkInvariants: false)).run(scenario)
    let session = ScenarioSession(options: ScenarioRunner.Options(checkInvariants: false))
    var fromSession: [String] = []
    var fromRunner: [String] = []
    for (statement, step) in zip(scenario.statements, runner.steps) {
      if case .expect = statement.command { continue }
      switch session.execute(statement.command) {
      case .completed: fromSession.append("ok")
      case .failed(let name): fromSession.append(name)
      }
      if let error = step.error {
        fromRunner.append(error.name)
      } else {
        fromRunner.append(step.status == .failed ? "expectation" : "ok")
      }
    }
    session.discard()
    #expect(fromSession == fromRunner)
    #expect(fromRunner.filter { $0 != "ok" } == ["expectation", "SIGSEGV", "SIGBUS", "SIGSEGV", "EINVAL"])
  }

  /// Commands that alternate between processes and regions resolve each name afresh (the
  /// interpreter's last-lookup caches of process and region names), and a region name given to
  /// a moved range resolves to its new address.
  @Test func alternatingNamesResolveToTheirOwnProcessAndRegion() throws {
    let text = """
      process A
      process B
      A: r = mmap 64K rw
      A: r2 = mmap 64K rw
      B: s = mmap 64K rw
      A: write r2 4K
      B: write r2 4K
      expect error SIGSEGV
      A: write r2 4K
      B: write s 4K
      A: m = mremap r2 64K 128K maymove
      A: write m+64K 4K
      B: write m 4K
      expect error SIGSEGV
      """
    let scenario = try ScenarioParser.parse(text, file: "names.hmm")
    let session = ScenarioSession(options: ScenarioRunner.Options(checkInvariants: false))
    var outcomes: [String] = []
    for statement in scenario.statements {
      if case .expect = statement.command { continue }
      switch session.execute(statement.command) {
      case .completed: outcomes.append("ok")
      case .failed(let name): outcomes.append(name)
      }
    }
    #expect(outcomes == ["ok", "ok", "ok", "ok", "ok", "ok", "SIGSEGV", "ok", "ok", "ok", "ok", "SIGSEGV"])
    let a = try #require(session.process(named: "A"))
    let m = try #require(session.regionAddress(named: "m"))
    #expect(a.vma(containing: m + UInt64(0x10000)) != nil)
    session.discard()
  }
}
