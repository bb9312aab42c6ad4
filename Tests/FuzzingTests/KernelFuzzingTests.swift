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
    // The async lock (polling without blocking a thread): the synchronous one would block one
    // of the cooperative pool's threads while another kernel test holds the lock.
    try await HelperForkLock.withLock { () async throws in
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
    // The kernel profile (crosscheck --fuzz's default) adds files, file mappings, 2M hugetlb
    // mappings and hugetlbfs files, which the crosscheck reproduces; never devices or 1G pages.
    let configuration = FuzzConfiguration(seed: 2, policies: [], profile: .kernel, kernelSubset: true)
    var files = 0
    var hugeFiles = 0
    var hugetlb = 0
    var hugetlbFiles = 0
    var fileMappings = (privately: 0, shared: 0)
    var sharedAnonymous = 0
    for index in 0..<50 {
      for command in ScenarioGenerator.generate(configuration, index: index).commands {
        switch command {
        case .device, .snapshot, .expect: Issue.record("not CPU-side: \(ScenarioPrinter.line(command))")
        case .file(let definition):
          if let size = definition.hugetlb {
            #expect(size == .size2M, "no 1G hugetlbfs files in a kernel case")
            hugetlbFiles += 1
          } else {
            #expect(definition.shmem, "a kernel case's files are memfds (shmem)")
            files += 1
            if definition.huge { hugeFiles += 1 }
          }
        case .mmap(let mmap):
          if let size = mmap.hugetlb {
            #expect(size == .size2M, "no 1G pages in a kernel case")
            hugetlb += 1
          }
          switch mmap.backing {
          case .file: if mmap.shared { fileMappings.shared += 1 } else { fileMappings.privately += 1 }
          case .anonymous: if mmap.shared && mmap.hugetlb == nil { sharedAnonymous += 1 }
          }
        default: break
        }
      }
    }
    // File (memfd) mappings private and shared, files with large folios, shared anonymous
    // (shmem) memory, hugetlb mappings and hugetlbfs files all occur in the first 50 cases.
    #expect(files > 0 && hugeFiles > 0 && hugetlb > 0 && hugetlbFiles > 0,
            "files \(files) (huge \(hugeFiles)), hugetlb mappings \(hugetlb), hugetlbfs files \(hugetlbFiles)")
    #expect(fileMappings.privately > 0 && fileMappings.shared > 0 && sharedAnonymous > 0,
            "file mappings \(fileMappings), shared anonymous \(sharedAnonymous)")
  }
}
