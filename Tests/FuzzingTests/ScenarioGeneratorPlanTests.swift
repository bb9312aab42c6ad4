import Testing

@testable import Fuzzing

/// A run's ``ScenarioGeneratorPlan`` generates the cases its configuration generates.
@Suite struct ScenarioGeneratorPlanTests {
  static let configurations: [FuzzConfiguration] = [
    FuzzConfiguration(seed: 1),
    FuzzConfiguration(seed: 2, policies: []),
    FuzzConfiguration(seed: 3, policies: FuzzConfiguration.allPolicies, profile: .adversarial),
    FuzzConfiguration(seed: 4, steps: 80, policies: [], profile: .kernel, kernelSubset: true),
  ]

  @Test(arguments: 0..<4)
  func planGeneratesTheConfigurationsCases(_ which: Int) {
    let configuration = Self.configurations[which]
    let plan = ScenarioGeneratorPlan(configuration)
    #expect(plan.configuration == configuration)
    #expect(plan.totalWeight == plan.kinds.reduce(0) { $0 + $1.weight })
    #expect(plan.totalWeight > 0)
    for index in 0..<60 {
      #expect(ScenarioGenerator.generate(plan, index: index).text == ScenarioGenerator.generate(configuration, index: index).text)
    }
  }

  @Test func kernelSubsetPlanKeepsOnlyKernelKindsAndNoDevices() {
    let plan = ScenarioGeneratorPlan(FuzzConfiguration(seed: 5, policies: [], profile: .adversarial, kernelSubset: true))
    #expect(plan.kinds.allSatisfy { ScenarioGenerator.kernelKinds.contains($0.kind) })
    #expect(plan.kinds.contains { $0.kind == .mmapHugetlb && $0.weight >= 2 })
    let noDevices = ScenarioGeneratorPlan(FuzzConfiguration(seed: 5, policies: []))
    #expect(!noDevices.kinds.contains { $0.kind == .device || $0.kind == .deviceAccess })
  }
}
