import HMM
import LiveLinux
import MemoryModel
import Testing

/// A kernel without `PAGEMAP_SCAN` (before 6.7): PMD mappings are inferred from folio alignment
/// and checked against smaps' PMD-mapped totals.
@Suite struct FallbackTests {
  @Test func theDemoLayoutIsDecidedExactly() throws {
    let source = DemoLayout.builder().source(scan: false)
    let snapshot = try ProcessInspector(source: source).snapshot()
    #expect(snapshot.vmas.map(\.runs) == DemoLayout.expected,
            "THP 1 crosses VMAs (no candidate); THP 0 is the only candidate and smaps counts 2M; the huge zero page shows in kpageflags")
    #expect(snapshot.sources.pagemapScan == false)
    #expect(snapshot.warnings.contains { $0.contains("PAGEMAP_SCAN") && $0.contains("6.7") })
    #expect(source.readCount.scan == 1, "the ioctl is tried once, then never again")
  }

  @Test func forcingTheFallbackOnAScanningKernelGivesTheSameRuns() throws {
    let snapshot = try ProcessInspector(source: DemoLayout.builder().source(), options: InspectionOptions(usePagemapScan: false)).snapshot()
    #expect(snapshot.vmas.map(\.runs) == DemoLayout.expected)
  }

  /// Two intact THPs in one VMA, one PMD-mapped and one PTE-mapped: both look alike in pagemap.
  static func twoTHPs(anonHuge: UInt64) -> FixtureBuilder {
    var f = FixtureBuilder()
    let b = FixtureBuilder.base
    f.vma(b, b + (4 << 20), "rw-p", flags: "rd wr mr mw me ac hg", anonHuge: anonHuge)
    f.present(b, pages: 1024, pfn: 0x10_0000)
    f.folio(0x10_0000, order: 9, flags: DemoLayout.thpFlags)
    f.folio(0x10_0200, order: 9, flags: DemoLayout.thpFlags)
    return f
  }

  @Test func ambiguousCandidatesAreUnknownNotGuessed() throws {
    let snapshot = try ProcessInspector(source: Self.twoTHPs(anonHuge: 2 << 20).source(scan: false)).snapshot()
    let runs = snapshot.runs
    #expect(runs.count == 2 && runs.allSatisfy { $0.mapOrder == nil && $0.isPMDMapped == nil })
    #expect(runs.allSatisfy { $0.hmm.mapOrder == 0 && $0.hmm.isValid })
    #expect(snapshot.summary.mappableWith2MBytes == nil && snapshot.summary.largeFolioSmallMappingBytes == nil)
    #expect(runs[0].description.contains("pmd?"))
  }

  @Test func smapsDecidesWhenItCountsNoneOrAll() throws {
    let none = try ProcessInspector(source: Self.twoTHPs(anonHuge: 0).source(scan: false)).snapshot()
    #expect(none.runs.map(\.mapOrder) == [0, 0])
    #expect(none.summary.largeFolioSmallMappingBytes == 4 << 20)
    let all = try ProcessInspector(source: Self.twoTHPs(anonHuge: 4 << 20).source(scan: false)).snapshot()
    #expect(all.runs.map(\.mapOrder) == [9, 9])
    #expect(all.runs.map(\.hmm) == [HMMPFN(rawValue: 0xC120_0000_0010_0000), HMMPFN(rawValue: 0xC120_0000_0010_0200)])
    #expect(all.summary.mappableWith2MBytes == 4 << 20)
  }

  @Test func withoutPFNsTheHugeZeroPageStillShowsInAnAnonymousVMA() throws {
    let snapshot = try ProcessInspector(source: DemoLayout.builder().source(scan: false, hidePFNs: true)).snapshot()
    let runs = snapshot.runs
    #expect(runs.last?.isZeroPage == true && runs.last?.mapOrder == 9 && runs.last?.hmm == HMMPFN(rawValue: 0x8120_0000_0000_0000))
    #expect(runs[0].mapOrder == 9, "the one candidate of the first VMA matches its smaps AnonHugePages")
  }
}
