import HMM
import LiveLinux
import MemoryModel
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Live mode on the test process itself: a real THP, seen through PAGEMAP_SCAN, pagemap and
/// kpageflags. Skipped (with the reason printed) when not root, not Linux, or without THP.
extension LiveProcessTests {
@Suite(.serialized) struct LiveTests {
  /// 4 MiB of aligned, THP-advised, written anonymous memory — or a skip when the kernel gave
  /// no THP (memory too fragmented even for MADV_COLLAPSE).
  static func thpRegion() throws -> AnonymousMapping {
    try LiveEnvironment.requireLiveTHP()
    let mapping = try AnonymousMapping(size: 4 << 20)
    try mapping.advise(AnonymousMapping.adviceHugePage)
    mapping.write()
    let range = try InspectionRange(start: mapping.start, end: mapping.end)
    var snapshot = try ProcessInspector(options: InspectionOptions(range: range)).snapshot()
    if snapshot.summary.mappableWith2MBytes != 4 << 20 {
      try? mapping.advise(AnonymousMapping.adviceCollapse)
      snapshot = try ProcessInspector(options: InspectionOptions(range: range)).snapshot()
    }
    if snapshot.summary.mappableWith2MBytes != 4 << 20 {
      let reason = "live test skipped: the kernel did not back the region with THPs (memory fragmented?)"
      print(reason)
      try Test.cancel(Comment(rawValue: reason))
    }
    return mapping
  }

  @Test func aWrittenTHPIsOnePMDMappedRunOfOrder9() throws {
    let mapping = try Self.thpRegion()
    let range = try InspectionRange(start: mapping.start, end: mapping.end)
    let snapshot = try ProcessInspector(options: InspectionOptions(range: range)).snapshot()
    #expect(snapshot.sources.pagemapScan && snapshot.sources.pfns == true && snapshot.sources.pageFlags)
    let runs = snapshot.runs
    #expect(runs.count == 2)
    for (index, run) in runs.enumerated() {
      #expect(run.start == mapping.start + UInt64(index) << 21 && run.size == 2 << 20)
      #expect(run.isPresent && run.isPMDMapped == true && run.mapOrder == 9 && run.isZeroPage == false)
      #expect(run.hmm.flags == [.valid, .write] && run.hmm.mapOrder == 9)
      #expect(run.hmm.pfn == run.pfn && run.pfn.map { $0.rawValue & 511 == 0 } == true, "a PMD maps a 2M-aligned frame")
      #expect(run.folio?.order == 9 && run.folio?.head == run.pfn && run.folio?.flags.contains(.thp) == true)
      #expect(run.isExclusive && !run.isFileOrShared)
    }
    #expect(snapshot.summary.largeFolioSmallMappingBytes == 0)
    withExtendedLifetime(mapping) {}
  }

  @Test func mprotectOf4KSplitsThePMDButNotTheFolio() throws {
    let mapping = try Self.thpRegion()
    try mapping.protect(offset: 1 << 20, length: 4096)
    let range = try InspectionRange(start: mapping.start, end: mapping.end)
    let snapshot = try ProcessInspector(options: InspectionOptions(range: range)).snapshot()
    #expect(snapshot.vmas.count == 3, "the mprotect split the VMA in three")
    let firstTHP = snapshot.runs.filter { $0.start < mapping.start + UInt64(2 << 20) }
    #expect(!firstTHP.isEmpty)
    for run in firstTHP {
      #expect(run.mapOrder == 0 && run.hmm.mapOrder == 0, "PTE-mapped THP ⇒ order 0")
      #expect(run.folio?.order == 9 && run.isLargeFolioSmallMapping == true, "the folio is still order 9")
    }
    let readOnly = snapshot.vmas[1].runs
    #expect(readOnly.count == 1 && readOnly[0].size == 4096 && readOnly[0].hmm.flags == [.valid])
    let secondTHP = snapshot.vmas[2].runs.last
    #expect(secondTHP?.mapOrder == 9 && secondTHP?.hmm.flags == [.valid, .write], "the other THP is untouched")
    #expect(snapshot.summary.largeFolioSmallMappingBytes == 2 << 20 && snapshot.summary.mappableWith2MBytes == 2 << 20)
    withExtendedLifetime(mapping) {}
  }

  @Test func theFallbackAgreesWithPagemapScan() throws {
    let mapping = try Self.thpRegion()
    try mapping.protect(offset: 1 << 20, length: 4096)
    let range = try InspectionRange(start: mapping.start, end: mapping.end)
    let scanned = try ProcessInspector(options: InspectionOptions(range: range)).snapshot()
    let fallback = try ProcessInspector(options: InspectionOptions(range: range, usePagemapScan: false)).snapshot()
    #expect(fallback.vmas.map(\.runs) == scanned.vmas.map(\.runs))
    withExtendedLifetime(mapping) {}
  }

  @Test func theDemoShowsPMDPTEAndHugeZeroTHPs() throws {
    try LiveEnvironment.requireLiveTHP()
    let (mapping, steps) = try AnonymousMapping.thpDemo()
    #expect(steps.count == 5)
    let range = try InspectionRange(start: mapping.start, end: mapping.end)
    let snapshot = try ProcessInspector(options: InspectionOptions(range: range)).snapshot()
    let orders = snapshot.runs.map { $0.mapOrder ?? -1 }
    guard snapshot.summary.mappableWith2MBytes ?? 0 >= 4 << 20 else {
      print("demo check skipped: the kernel did not back the demo with THPs")
      return
    }
    #expect(orders.first == 9 && snapshot.runs.contains { $0.mapOrder == 0 && $0.folio?.order == 9 })
    let zeroPageEnabled = (try? String(decoding: ErrorTests.readAll("/sys/kernel/mm/transparent_hugepage/use_zero_page"),
                                       as: UTF8.self).hasPrefix("1")) ?? false
    if zeroPageEnabled {
      let last = snapshot.runs.last
      #expect(last?.isZeroPage == true && last?.mapOrder == 9 && last?.hmm.flags == [.valid])
    }
    withExtendedLifetime(mapping) {}
  }

  @Test func selfInspectionCoversTheWholeProcess() throws {
    #if os(Linux)
    let snapshot = try ProcessInspector().snapshot()
    #expect(snapshot.processID == getpid() && !snapshot.vmas.isEmpty)
    #expect(snapshot.vmas.contains { $0.vma.kind == .stack })
    #expect(snapshot.summary.presentBytes > 0)
    #expect(snapshot.summary.presentBytes + snapshot.summary.notPresentBytes == snapshot.summary.totalBytes)
    #else
    print("skipped: not Linux")
    #endif
  }

  @Test func afterForkAndExitThePMDIsReadOnlyUntilAWriteReusesIt() throws {
    #if os(Linux)
    let mapping = try Self.thpRegion()
    let range = try InspectionRange(start: mapping.start, end: mapping.start + UInt64(2 << 20))
    let child = fork()
    if child == 0 { _exit(0) }
    var status: Int32 = 0
    _ = waitpid(child, &status, 0)
    let shared = try #require(try ProcessInspector(options: InspectionOptions(range: range)).snapshot().runs.first)
    #expect(shared.mapOrder == 9 && shared.isExclusive, "mapped once again, still by the PMD")
    #expect(shared.isAnonExclusive == false && shared.hmm.flags == [.valid], "PG_anon_exclusive was cleared by fork: read-only")
    mapping.write(offset: 0, length: 4096, value: 7)
    let reused = try #require(try ProcessInspector(options: InspectionOptions(range: range)).snapshot().runs.first)
    #expect(reused.mapOrder == 9 && reused.size == 2 << 20, "the write fault reuses the whole THP: no split")
    #expect(reused.isAnonExclusive == true && reused.hmm.flags == [.valid, .write] && reused.pfn == shared.pfn)
    withExtendedLifetime(mapping) {}
    #endif
  }
}
}
