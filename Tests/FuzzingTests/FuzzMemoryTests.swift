import Testing

@testable import Fuzzing
@testable import MemoryModel
@testable import Scenarios

/// A fuzz worker runs thousands of cases in one process: a case's machine must be freed when
/// the case ends (a leaked machine keeps its frame descriptors and device memory backed).
@Suite struct FuzzMemoryTests {
  /// Also when the case ends with `ScenarioSession.discard()` (what the fuzzer does: no exit,
  /// no zapping) instead of `shutdown()`.
  @Test(arguments: 0..<12, [false, true])
  func aCasesMachineIsFreedWhenTheCaseEnds(_ index: Int, discard: Bool) throws {
    let configuration = FuzzConfiguration(seed: 1, policies: ["base", "map-order", "scan"])
    let fuzzCase = ScenarioGenerator.generate(configuration, index: index)
    weak var memory: PhysicalMemory?
    weak var system: MemorySystem?
    do {
      let session = ScenarioSession(options: ScenarioRunner.Options(checkInvariants: false))
      for step in fuzzCase.steps { for command in step.commands { _ = session.execute(command) } }
      system = session.interpreter.system
      memory = session.interpreter.system.memory
      if discard { session.discard() } else { session.shutdown() }
    }
    #expect(system == nil, "case \(index)'s MemorySystem outlives its session:\n\(fuzzCase.text)")
    #expect(memory == nil, "case \(index)'s PhysicalMemory outlives its session")
  }

  /// Each kind of object that refers to an address space (a mirroring device, a dmirror file, a
  /// recording notifier, the safety oracle) once kept the machine alive after its run.
  @Test(arguments: [
    "system memory=32M\n",
    "process p1\n",
    "process p1\np1: r = mmap 4K rw\np1: write r 4K\n",
    "process p1\ndevice d1 pages=4K,2M policy=base\n",
    "process p1\ndevice d1 pages=4K,2M policy=base\nd1: mirror p1\n",
    "process p1\np1: r = mmap 4K rw\ndevice d1 pages=4K,2M policy=base\nd1: mirror p1\nd1: read r 4K\n",
    "process p1\np1: f = open hmm_dmirror0\n",
    "process p1\np1: p2 = fork\n",
    "process p1\np1: r = mmap 4K rw\np1: f = open hmm_dmirror0\nf: write r 4K pattern=index\np1: exit\n",
    "process p1\np1: r = mmap 4M rw\nnotifier n insert p1 r 2M\np1: munmap r 4K\n",
  ])
  func aRunsMachineIsFreedWhenTheRunEnds(_ text: String) throws {
    weak var system: MemorySystem?
    do {
      let session = ScenarioSession(options: ScenarioRunner.Options(checkInvariants: false))
      for statement in try ScenarioParser.parse(text, file: "x.hmm").statements { _ = session.execute(statement.command) }
      system = session.interpreter.system
      session.shutdown()
    }
    #expect(system == nil, "the machine outlives the run of:\n\(text)")
  }
}
