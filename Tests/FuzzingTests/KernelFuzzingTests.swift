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

  @Test func kernelCasesAreCPUSideWithFilesShmemAndHugetlb() {
    let configuration = FuzzConfiguration(seed: 2, policies: [], kernelSubset: true)
    var kinds: Set<String> = []
    for index in 0..<200 {
      var pool = false
      for command in ScenarioGenerator.generate(configuration, index: index).commands {
        switch command {
        case .device, .snapshot, .expect: Issue.record("not CPU-side: \(ScenarioPrinter.line(command))")
        case .system(let settings):
          for setting in settings { if case .hugetlbPages(.size2M, _) = setting { pool = true } }
        case .file(let file):
          #expect(file.shmem && file.hugetlb == nil, "a kernel case's files are memfds: \(ScenarioPrinter.line(command))")
        case .mmap(let mmap):
          if let size = mmap.hugetlb {
            #expect(size == .size2M && pool, "hugetlb only 2M, from the case's pool: \(ScenarioPrinter.line(command))")
            kinds.insert("hugetlb")
          } else if case .file = mmap.backing {
            kinds.insert(mmap.shared ? "shared file" : "private file")
          } else {
            kinds.insert(mmap.shared ? "shared anon" : "anon")
          }
        default: break
        }
      }
    }
    #expect(kinds == ["hugetlb", "shared file", "private file", "shared anon", "anon"])
  }
}
