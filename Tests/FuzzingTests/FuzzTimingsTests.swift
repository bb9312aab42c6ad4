import Fuzzing
import Scenarios
import Testing

/// `FuzzExecutor`'s timings: a row per command keyword with one run per command, and the
/// executor's phases.
@Suite struct FuzzTimingsTests {
  @Test func everyCommandAndPhaseIsCounted() {
    let configuration = FuzzConfiguration(seed: 3, policies: ["base", "scan"])
    let fuzzCase = ScenarioGenerator.generate(configuration, index: 0)
    let timings = FuzzTimings()
    let outcome = FuzzExecutor(timings: timings).run(fuzzCase.steps)
    #expect(outcome.finding == nil)
    let rows = Dictionary(uniqueKeysWithValues: timings.sorted.map { ($0.name, $0) })
    var expected: [String: Int] = [:]
    var compares = 0
    for step in fuzzCase.steps {
      switch step {
      case .command(let command): expected[command.keyword, default: 0] += 1
      case .compare: compares += 1
      }
    }
    for (keyword, count) in expected { #expect(rows[keyword]?.count == count, "\(keyword)") }
    #expect(rows["<compare>"]?.count == (compares == 0 ? nil : compares))
    #expect(rows["<oracle>"]?.count == fuzzCase.steps.count)
    #expect(rows["<invariants, full>"]?.count == 1)
    #expect(rows["<invariants>"]?.count == fuzzCase.steps.count - 1)
    #expect(rows["<session>"]?.count == 1 && rows["<shutdown>"]?.count == 1)
    #expect(timings.sorted.allSatisfy { $0.nanoseconds >= 0 })
    #expect(timings.text.hasPrefix("what"))
    #expect(timings.text.split(separator: "\n").count == rows.count + 2)
  }
}
