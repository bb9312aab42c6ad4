import Fuzzing
@testable import MemoryModel
import Scenarios
import Testing

/// Which cases end with the full invariant check (`FuzzExecutor.fullCheckInterval`, `hmmkit fuzz
/// --full-check-every`): every Nth by index in a run; the others with the incremental check after
/// their last step, like every other step. Shrinking and replays always end with the full check.
@Suite struct FuzzFullCheckTests {
  /// Runs cases `0..<count` of seed 5 with `interval` and returns the timings' rows by name.
  private func rows(cases count: Int, interval: Int) -> [String: FuzzTimings.Row] {
    let timings = FuzzTimings()
    var fuzzer = Fuzzer(configuration: FuzzConfiguration(seed: 5, policies: ["base"]), limit: .cases(count))
    fuzzer.executor = FuzzExecutor(fullCheckInterval: interval, timings: timings)
    fuzzer.shrink = false
    let (progress, _) = fuzzer.run()
    #expect(progress.findings == 0)
    return Dictionary(uniqueKeysWithValues: timings.sorted.map { ($0.name, $0) })
  }

  @Test func everySixteenthCaseByIndexEndsWithTheFullCheck() {
    #expect(FuzzExecutor.defaultFullCheckInterval == 16)
    let rows = rows(cases: 40, interval: 16)
    // Cases 0, 16 and 32.
    #expect(rows["<invariants, full>"]?.count == 3)
    // Every other step of every case is checked incrementally.
    #expect(rows["<invariants>"]?.count == rows["<oracle>"].map { $0.count - 3 })
  }

  @Test func intervalOneEndsEveryCaseWithTheFullCheck() {
    let rows = rows(cases: 12, interval: 1)
    #expect(rows["<invariants, full>"]?.count == 12)
    #expect(rows["<invariants>"]?.count == rows["<oracle>"].map { $0.count - 12 })
  }

  @Test func whichCasesIsAFunctionOfTheIndexAlone() {
    let executor = FuzzExecutor(fullCheckInterval: 4)
    #expect((0..<9).filter { executor.endsWithFullCheck(caseIndex: $0) } == [0, 4, 8])
    #expect(FuzzExecutor(fullCheckInterval: 0).fullCheckInterval == 1)
  }

  /// A corruption after the next-to-last step is a finding whichever check ends the case: the
  /// incremental check finds it (and hands over to the full one for the message).
  @Test(arguments: [false, true]) func aCorruptionBeforeTheLastStepIsFoundEitherWay(_ fullCheckAtEnd: Bool) throws {
    let text = """
      system memory=64M
      process P
      P: a = mmap 2M rw
      P: write a 64K
      P: read a 4K
      """
    let steps = try ScenarioParser.parse(bytes: Array(text.utf8), file: "t.hmm").statements.map { FuzzStep.command($0.command) }
    let outcome = FuzzExecutor().run(steps, fullCheckAtEnd: fullCheckAtEnd, afterStep: { index, session in
      guard index == steps.count - 2 else { return }
      // Clear the buddy flag of a free block: the free lists no longer add up.
      let memory = session.system.memory
      var pfn = memory.ramFrameCount / 2
      while !memory.frames[pfn].flags.contains(.buddy) { pfn += 1 }
      memory.frames[pfn].flags.remove(.buddy)
    })
    #expect(outcome.finding?.kind == .invariant)
    #expect(outcome.finding?.step == steps.count - 1)
    #expect(outcome.finding?.signature == "invariant frames", "\(String(describing: outcome.finding))")
  }
}
