import MemoryModel
import Testing

@testable import Fuzzing
@testable import Scenarios

/// Bounded fuzzing with fixed seeds: determinism, validity by construction, the oracles and the
/// shrinker.
@Suite struct FuzzingTests {
  @Test func sameSeedGivesTheSameCasesByteForByte() {
    let configuration = FuzzConfiguration(seed: 42, policies: FuzzConfiguration.allPolicies)
    for index in 0..<20 {
      #expect(ScenarioGenerator.generate(configuration, index: index).text == ScenarioGenerator.generate(configuration, index: index).text)
    }
    let other = FuzzConfiguration(seed: 43, policies: FuzzConfiguration.allPolicies)
    #expect(ScenarioGenerator.generate(configuration, index: 0).text != ScenarioGenerator.generate(other, index: 0).text)
  }

  @Test(arguments: ["standard", "adversarial"])
  func generatedCasesParse(_ profile: String) throws {
    let configuration = FuzzConfiguration(seed: 7, policies: FuzzConfiguration.allPolicies, profile: FuzzProfile.named(profile)!)
    for index in 0..<100 {
      let text = ScenarioGenerator.generate(configuration, index: index).text
      _ = try ScenarioParser.parse(text, file: "case-\(index).hmm")
    }
  }

  @Test func everyCommandKindIsGenerated() {
    let configuration = FuzzConfiguration(seed: 3, policies: FuzzConfiguration.allPolicies, profile: .adversarial)
    var keywords: Set<String> = []
    var mmapKinds: Set<String> = []
    var mremapFlags: Set<String> = []
    for index in 0..<200 {
      for command in ScenarioGenerator.generate(configuration, index: index).commands {
        keywords.insert(command.keyword)
        if case .mmap(let mmap) = command {
          if mmap.hugetlb != nil { mmapKinds.insert("hugetlb") }
          if case .file = mmap.backing { mmapKinds.insert("file") } else if mmap.shared { mmapKinds.insert("shared") } else { mmapKinds.insert("anon") }
          if mmap.alignment != nil { mmapKinds.insert("align") }
          if mmap.address != nil { mmapKinds.insert("at") }
        }
        if case .mremap(let mremap) = command {
          if mremap.mayMove { mremapFlags.insert("maymove") }
          if mremap.fixedAddress != nil { mremapFlags.insert("fixed") }
          if mremap.dontUnmap { mremapFlags.insert("dontunmap") }
        }
      }
    }
    for keyword in ["mmap", "munmap", "mprotect", "madvise", "mremap", "fork", "exit", "read", "write", "collapse", "split",
                    "file", "device", "mirror", "device-read", "device-write", "open", "dmirror-migrate", "dmirror-exclusive",
                    "dmirror-read", "dmirror-write", "hmm"] {
      #expect(keywords.contains(keyword), "no \(keyword) generated")
    }
    #expect(mmapKinds == ["hugetlb", "file", "shared", "anon", "align", "at"])
    #expect(mremapFlags == ["maymove", "fixed", "dontunmap"])
  }

  @Test func safePoliciesGiveNoFindings() {
    var fuzzer = Fuzzer(configuration: FuzzConfiguration(seed: 1, policies: ["base", "map-order", "scan"]), limit: .cases(15))
    fuzzer.shrink = false
    let (progress, reports) = fuzzer.run()
    #expect(progress.cases == 15)
    #expect(progress.steps > 15 * 40)
    #expect(reports.isEmpty, "\(reports.map(\.text))")
  }

  @Test func folioOrderIsCaughtAndShrunk() throws {
    var fuzzer = Fuzzer(configuration: FuzzConfiguration(seed: 1, policies: ["folio-order"]), limit: .cases(20))
    fuzzer.onFinding = nil
    let (_, reports) = fuzzer.run()
    let oracle = try #require(reports.first { $0.finding.kind == .oracle })
    #expect(oracle.statements <= 10, "\(oracle.text)")
    #expect(oracle.reproduces)
    #expect(oracle.text.hasPrefix("# hmmkit fuzz --seed 1"))
    #expect(FuzzReproducer.fails(oracle.text))
  }

  @Test func differentialComparesDeviceData() {
    let same = FuzzReproducer.pattern(matching: [7, 0, 0, 0, 8, 0, 0, 0], offset: 0)
    #expect(same == .shiftedIndex(7))
    #expect(FuzzReproducer.pattern(matching: [0xAB, 0xAB], offset: 3) == .byte(0xAB))
    #expect(FuzzReproducer.pattern(matching: [1, 2, 3, 9], offset: 1) == nil)
  }

  @Test func shrinkerKeepsTheFindingAndDropsTheRest() {
    // A failing predicate that needs steps 2 and 5 only.
    let steps = (0..<8).map { FuzzStep.command(.process(Identifier("p\($0)", at: ScenarioGenerator.location))) }
    var shrinker = FuzzShrinker { candidate in candidate.contains(steps[2]) && candidate.contains(steps[5]) }
    let shrunk = shrinker.shrink(steps)
    #expect(shrunk == [steps[0], steps[2], steps[5]])
  }

  @Test func splitMixIsTheReferenceSequence() {
    var random = SplitMix64(seed: 1234567)
    // The reference SplitMix64 outputs for seed 1234567.
    #expect(random.next() == 6_457_827_717_110_365_317)
    #expect(random.next() == 3_203_168_211_198_807_973)
    for bound in [1, 2, 7, 1000] { #expect(random.below(bound) < bound) }
  }
}
