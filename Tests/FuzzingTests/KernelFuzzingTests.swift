import Fuzzing
import LiveLinux
import Scenarios
import Testing

/// A bounded `hmmkit crosscheck --fuzz`: generated CPU-side cases against the running kernel.
/// Skips (with the reason) where crosschecks cannot run: not Linux, not root, THP `never`.
@Suite(.serialized) struct KernelFuzzingTests {
  static let unavailable: String? = {
    let reason = KernelOracle.unavailabilityReason()
    if let reason { print("kernel fuzzing skipped: \(reason)") }
    return reason
  }()

  @Test(.enabled(if: KernelFuzzingTests.unavailable == nil, "crosschecks cannot run here"))
  func boundedKernelFuzz() async throws {
    try await HelperForkLock.withLock {
      let oracle = try KernelOracle()
      var fuzzer = KernelFuzzer(configuration: FuzzConfiguration(seed: 1, steps: 8), limit: .cases(3))
      fuzzer.shrinkSeconds = 3
      let (progress, reports) = fuzzer.run(oracle)
      #expect(progress.cases == 3)
      #expect(progress.steps >= 3 * 8)
      for report in reports {
        #expect(report.finding.kind == .kernel)
        #expect((try? ScenarioParser.parse(report.text, file: "kernel.hmm")) != nil, "\(report.text)")
        #expect(report.text.hasPrefix("# hmmkit crosscheck --fuzz --seed 1"))
      }
    }
  }

  @Test func kernelCasesAreCPUSideOnly() {
    // The kernel profile (crosscheck --fuzz's default) adds files, file mappings and 2M hugetlb,
    // which the crosscheck reproduces; never devices, hugetlbfs files or 1G pages.
    let configuration = FuzzConfiguration(seed: 2, policies: [], profile: .kernel, kernelSubset: true)
    var files = 0
    var hugetlb = 0
    for index in 0..<50 {
      for command in ScenarioGenerator.generate(configuration, index: index).commands {
        switch command {
        case .device, .snapshot, .expect: Issue.record("not CPU-side: \(ScenarioPrinter.line(command))")
        case .file(let definition):
          #expect(definition.hugetlb == nil, "no hugetlbfs files in a kernel case")
          files += 1
        case .mmap(let mmap):
          if let size = mmap.hugetlb {
            #expect(size == .size2M, "no 1G pages in a kernel case")
            hugetlb += 1
          }
        default: break
        }
      }
    }
    #expect(files > 0 && hugetlb > 0, "files \(files), hugetlb mappings \(hugetlb)")
  }
}
