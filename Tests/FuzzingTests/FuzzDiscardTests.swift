import Testing

@testable import Fuzzing
@testable import MemoryModel
@testable import Scenarios

/// The fuzzer ends a case with `ScenarioSession.discard()` (no exit, no zapping): the machine
/// must still be freed (for generated cases: FuzzMemoryTests), and its frame table must go back
/// to the pool.
@Suite struct FuzzDiscardTests {
  @Test(arguments: [
    "process p1\np1: r = mmap 4K rw\ndevice d1 pages=4K,2M policy=base\nd1: mirror p1\nd1: read r 4K\n",
    "process p1\np1: r = mmap 4K rw\np1: f = open hmm_dmirror0\nf: migrate r 4K\n",
    "process p1\np1: p2 = fork\np1: r = mmap 4M rw\nnotifier n insert p1 r 2M\n",
  ])
  func aDiscardedRunsMachineIsFreed(_ text: String) throws {
    weak var system: MemorySystem?
    do {
      let session = ScenarioSession(options: ScenarioRunner.Options(checkInvariants: false))
      for statement in try ScenarioParser.parse(text, file: "x.hmm").statements { _ = session.execute(statement.command) }
      system = session.interpreter.system
      session.discard()
    }
    #expect(system == nil, "the machine outlives the run of:\n\(text)")
  }

  @Test func casesGiveTheSameOutcomesOneAfterAnother() {
    // The same case twice in a row (the second on a reused frame table) and after other cases.
    let configuration = FuzzConfiguration(seed: 5, policies: ["base", "map-order", "scan"])
    let executor = FuzzExecutor()
    let cases = (0..<6).map { ScenarioGenerator.generate(configuration, index: $0) }
    let first = cases.map { executor.run($0.steps) }
    let again = cases.reversed().map { executor.run($0.steps) }.reversed()
    #expect(first.map(\.steps) == again.map(\.steps))
    #expect(first.map(\.failed) == again.map(\.failed))
    #expect(first.map { $0.finding?.detail } == again.map { $0.finding?.detail })
  }
}
