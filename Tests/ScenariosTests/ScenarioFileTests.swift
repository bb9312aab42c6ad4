import Foundation
import Testing

@testable import Scenarios

/// Runs every scenario file under `Scenarios/` (one test each): it must parse, and every
/// expectation in it must hold with the model's invariants checked after every step.
@Suite struct ScenarioFileTests {
  @Test(arguments: PackagePaths.scenarioFiles)
  func scenarioHolds(_ relativePath: String) throws {
    let path = PackagePaths.root + "/" + relativePath
    let bytes = try ScenarioFiles.read(path)
    let scenario = try ScenarioParser.parse(bytes: bytes, file: relativePath)
    let result = ScenarioRunner().run(scenario)
    for step in result.failures {
      Issue.record(
        """
        \(relativePath):\(step.statement.location.line): \(step.statement.text)
          expected: \(step.expected ?? "-")
          actual:   \(step.actual ?? "-")
          error:    \(step.error?.description ?? "-")
          violations: \(step.violations.joined(separator: "; "))
        """)
    }
    #expect(result.failed == 0)
    #expect(result.passed > 0, "a scenario file should check something")
    #expect(!result.steps.contains { $0.status == .skipped })
  }

  @Test func everyMemoryModelBehaviourHasAScenario() {
    let names = Set(PackagePaths.scenarioFiles.map { ($0 as NSString).lastPathComponent })
    for required in [
      "thp-write-fault.hmm", "thp-mprotect-split.hmm", "fork-cow.hmm", "munmap-half-thp.hmm",
      "collapse.hmm", "thp-fallback-small-vma.hmm", "thp-fallback-fragmentation.hmm",
      "zero-page.hmm", "invalidations.hmm", "exit-no-leak.hmm", "tutorial.hmm",
    ] {
      #expect(names.contains(required), "missing \(required)")
    }
  }
}
