import HMM
import LiveLinux
import MemoryModel
import Testing

@Suite struct FixtureSnapshotTests {
  @Test func pagemapScanGivesExactRunsAndEncodings() throws {
    let source = DemoLayout.builder().source()
    let snapshot = try ProcessInspector(source: source).snapshot()
    #expect(snapshot.vmas.map(\.runs) == DemoLayout.expected)
    #expect(snapshot.sources == SnapshotSources(pagemapScan: true, pfns: true, pageFlags: true, smaps: true))
    #expect(snapshot.warnings.isEmpty)
    let s = snapshot.summary
    #expect(s.totalBytes == 8 << 20 && s.presentBytes == 6 << 20 && s.notPresentBytes == 2 << 20 && s.swappedBytes == 0)
    #expect(s.mappableWith2MBytes == 4 << 20, "the PMD-mapped THP and the huge zero page")
    #expect(s.largeFolioSmallMappingBytes == 2 << 20, "the whole PTE-mapped THP, across its three VMAs")
    #expect(s.largeFolioBytes == 6 << 20 && s.zeroPageBytes == 2 << 20 && s.errorBytes == 0)
    #expect(s.writableBytes == (4 << 20) - 4096)
    // In bulk: one scan per VMA, a pread of pagemap per present region, kpageflags by blocks.
    #expect(source.readCount.scan == 3)
    #expect(source.readCount.pagemap == 5, "one per present region piece: 2M, 1M, 4K, 1020K, 2M")
    #expect(source.readCount.pageFlags <= 8)
  }

  @Test func theHMMEntryOfEachPageFollowsFromItsRun() throws {
    let snapshot = try ProcessInspector(source: DemoLayout.builder().source()).snapshot()
    let runs = snapshot.runs
    // The PMD-mapped THP is one order-9 entry repeated with consecutive PFNs: the kernel's output
    // for its 512 pages, rebuilt, walks back into one run with HMM's own run builder.
    let thp = runs[0]
    let entries = (0..<512).map { HMMPFN(rawValue: thp.hmm.rawValue + UInt64($0)) }
    let rebuilt = HMM.runsByMapOrder(entries, start: thp.start)
    #expect(rebuilt.count == 1 && rebuilt[0].order == 9 && rebuilt[0].size == 2 << 20 && rebuilt[0].flags == [.valid, .write])
    #expect(runs[1].isLargeFolioSmallMapping == true && runs[1].isPMDMapped == false)
    #expect(runs[0].isLargeFolioSmallMapping == false && runs[0].isPMDMapped == true)
  }

  @Test func aRangeClipsVMAsAndRuns() throws {
    let b = FixtureBuilder.base
    let range = try InspectionRange(start: VirtualAddress(b + (1 << 20)), end: VirtualAddress(b + (3 << 20) + 4096))
    let snapshot = try ProcessInspector(source: DemoLayout.builder().source(), options: InspectionOptions(range: range)).snapshot()
    #expect(snapshot.vmas.count == 2)
    #expect(snapshot.vmas[0].start == VirtualAddress(b + (1 << 20)) && snapshot.vmas[0].vma.start == VirtualAddress(b))
    let first = snapshot.vmas[0].runs[0]
    #expect(first.start == VirtualAddress(b + (1 << 20)) && first.size == 1 << 20 && first.mapOrder == 9)
    #expect(first.hmm == HMMPFN(rawValue: 0xC120_0000_0010_0100), "the PFN of the first page in the range, order 9")
    #expect(snapshot.summary.totalBytes == (2 << 20) + 4096)
  }

  @Test func hiddenPFNsKeepScanFiguresAndDropFolioFigures() throws {
    let snapshot = try ProcessInspector(source: DemoLayout.builder().source(hidePFNs: true)).snapshot()
    #expect(snapshot.sources.pfns == false && snapshot.sources.pageFlags == false)
    #expect(snapshot.warnings.contains { $0.contains("PFNs are hidden") && $0.contains("CAP_SYS_ADMIN") })
    let runs = snapshot.runs
    #expect(runs.allSatisfy { $0.pfn == nil && $0.folio == nil })
    #expect(runs[0].hmm == HMMPFN(rawValue: 0xC120_0000_0000_0000) && runs[0].mapOrder == 9)
    #expect(runs.last?.isZeroPage == true && runs.last?.hmm == HMMPFN(rawValue: 0x8120_0000_0000_0000))
    #expect(snapshot.summary.mappableWith2MBytes == 4 << 20 && snapshot.summary.zeroPageBytes == 2 << 20)
    #expect(snapshot.summary.largeFolioSmallMappingBytes == nil && snapshot.summary.largeFolioBytes == nil)
  }

  @Test func unreadableKpageflagsDropsOnlyFolioFigures() throws {
    let snapshot = try ProcessInspector(source: DemoLayout.builder().source(pageFlags: false)).snapshot()
    #expect(snapshot.sources.pageFlags == false && snapshot.sources.pfns == true)
    #expect(snapshot.warnings.contains { $0.contains("/proc/kpageflags") })
    #expect(snapshot.runs.allSatisfy { $0.folio == nil })
    #expect(snapshot.runs[0].hmm == HMMPFN(rawValue: 0xC120_0000_0010_0000))
    #expect(snapshot.summary.largeFolioSmallMappingBytes == nil && snapshot.summary.mappableWith2MBytes == 4 << 20)
  }

  @Test func unreadableSmapsIsAWarning() throws {
    let snapshot = try ProcessInspector(source: DemoLayout.builder().source(smaps: false)).snapshot()
    #expect(snapshot.sources.smaps == false)
    #expect(snapshot.warnings.contains { $0.contains("smaps") })
    #expect(snapshot.vmas.map(\.runs) == DemoLayout.expected, "PAGEMAP_SCAN does not need smaps")
  }

  @Test func hugetlbUsesTheHugePageOrderEvenWhereNotPresent() throws {
    var f = FixtureBuilder()
    let h: UInt64 = 0x7f10_0000_0000
    f.vma(h, h + (4 << 20), "rw-s", path: "/anon_hugepage (deleted)", pageSize: 2048, flags: "rd wr sh mr mw me ms de ht")
    f.present(h, pages: 512, pfn: 0x40_0000, exclusive: true, file: true)
    f.folio(0x40_0000, order: 9, flags: [.huge])
    f.scan(h, h + (2 << 20), [.present, .huge, .file])
    f.scan(h + (2 << 20), h + (4 << 20), [.file])
    let snapshot = try ProcessInspector(source: f.source()).snapshot()
    #expect(snapshot.vmas[0].vma.kind == .hugetlb)
    let runs = snapshot.runs
    #expect(runs.count == 2)
    #expect(runs[0].hmm == HMMPFN(rawValue: 0xC120_0000_0040_0000) && runs[0].mapOrder == 9 && runs[0].folio?.order == 9)
    #expect(runs[1].hmm == HMMPFN(rawValue: 0x0120_0000_0000_0000), "hmm_vma_walk_hugetlb_entry ORs the order in without VALID")
    #expect(snapshot.summary.mappableWith2MBytes == 2 << 20 && snapshot.summary.largeFolioSmallMappingBytes == 0)
  }

  @Test func unreadableAndIOVMAsAreErrorThroughout() throws {
    var f = FixtureBuilder()
    let b = FixtureBuilder.base
    f.vma(b, b + 0x2000, "---p", flags: "mr mw me ac")
    f.vma(b + 0x2000, b + 0x4000, "rw-s", path: "/dev/mem", flags: "rd wr sh mr mw me io pf dd")
    f.present(b, pages: 1, pfn: 0x1234)
    f.folio(0x1234, order: 0, flags: [.anonymous, .mmap])
    f.scan(b, b + 0x1000, [.present])
    f.scan(b + 0x1000, b + 0x2000, [])
    let snapshot = try ProcessInspector(source: f.source()).snapshot()
    #expect(snapshot.vmas[0].hmmErrorReason == "no VM_READ" && snapshot.vmas[1].hmmErrorReason == "VM_IO")
    #expect(snapshot.runs.allSatisfy { $0.hmm == .error })
    #expect(snapshot.runs[0].isPresent, "the page is present (mprotect PROT_NONE keeps it) but HMM reports ERROR")
    #expect(snapshot.summary.errorBytes == 0x4000 && snapshot.summary.mappableWith2MBytes == 0)
  }

  /// A page a fork shared, after the child exited: mapped once again (`PM_MMAP_EXCLUSIVE`) but
  /// not `PG_anon_exclusive`, so the PTE stays read-only until a write fault reuses it.
  static func forkedPage(anonExclusive: Bool, release: String = "6.18.0") -> FixtureProcessSource {
    var f = FixtureBuilder()
    let b = FixtureBuilder.base
    f.vma(b, b + 0x2000, "rw-p")
    f.present(b, pages: 2, pfn: 0x5000)
    f.folio(0x5000, order: 0, flags: anonExclusive ? [.anonymous, .mmap, .anonExclusive] : [.anonymous, .mmap])
    f.folio(0x5001, order: 0, flags: [.anonymous, .mmap, .anonExclusive])
    f.scan(b, b + 0x2000, [.present])
    var source = f.source()
    source.kernelRelease = release
    return source
  }

  @Test func aPageAForkSharedIsReadOnlyUntilWrittenEvenWhenMappedOnce() throws {
    let runs = try ProcessInspector(source: Self.forkedPage(anonExclusive: false)).snapshot().runs
    #expect(runs.count == 2)
    #expect(runs[0].isExclusive && runs[0].isAnonExclusive == false && runs[0].hmm == HMMPFN(rawValue: 0x8000_0000_0000_5000))
    #expect(runs[1].isAnonExclusive == true && runs[1].hmm == HMMPFN(rawValue: 0xC000_0000_0000_5001))
    #expect(runs[0].description.contains("excl cow"))
  }

  @Test func beforeLinux519TheBitIsNotReadAndMapcountDecides() throws {
    let runs = try ProcessInspector(source: Self.forkedPage(anonExclusive: false, release: "5.15.0-91-generic")).snapshot().runs
    #expect(runs.count == 1 && runs[0].isAnonExclusive == nil && runs[0].hmm.isWritable)
  }
}
