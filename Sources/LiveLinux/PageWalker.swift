import HMM
import MemoryModel

/// Walks the VMAs of one process for ``ProcessInspector``: one `PAGEMAP_SCAN` per VMA, `pread`s
/// of whole ranges of `pagemap`, blocks of `kpageflags`; builds the runs. Internal.
struct PageWalker<Source: ProcessMemorySource> {
  let source: Source
  let options: InspectionOptions
  var scanAvailable: Bool
  var resolver: FolioResolver
  var sawPFN = false
  var sawHiddenPFN = false
  var warnings: [String] = []
  /// Whether `kpageflags` bit 34 is `PG_anon_exclusive` on this kernel (5.19+).
  let anonExclusiveBitKnown: Bool

  private static var blockBytes: UInt64 { 2 << 20 }

  init(source: Source, options: InspectionOptions) {
    self.source = source
    self.options = options
    self.scanAvailable = options.usePagemapScan
    self.resolver = FolioResolver(enabled: true)
    self.anonExclusiveBitKnown = Self.isAtLeast(source.kernelRelease, major: 5, minor: 19)
  }

  /// Whether a `uname -r` release such as `6.18.44-fc` is at least `major.minor`.
  static func isAtLeast(_ release: String?, major: Int, minor: Int) -> Bool {
    guard let release else { return false }
    let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    guard numbers.count == 2 else { return false }
    return numbers[0] > major || (numbers[0] == major && numbers[1] >= minor)
  }

  /// Whether folio lookups are worth trying (PFNs visible and `kpageflags` readable).
  private var foliosAvailable: Bool { resolver.isAvailable && !sawHiddenPFN }

  /// The runs of `vma` between `lower` and `upper`.
  mutating func inspect(_ vma: LiveVMA, from lower: VirtualAddress, to upper: VirtualAddress) throws(LiveLinuxError) -> VMASnapshot {
    var builder = RunBuilder()
    var candidatePages = 0
    if vma.end > VirtualAddress.userSpaceEnd + 4096 {
      // The vsyscall gate area is not a VMA: pagemap has no entries for it and hmm_range_fault()
      // reports it as ERROR (no vma). One run, not read.
      var state = PageState()
      state.isZeroPage = false
      builder.append(state, at: lower.rawValue)
      var pending = builder
      pending.extendLast(toPages: Int((upper - lower) >> 12))
      return finish(vma, lower, upper, pending, candidatePages: 0)
    }
    if scanAvailable {
      do {
        let regions = try source.scan(start: lower.rawValue, end: upper.rawValue)
        var cursor = lower.rawValue
        for region in regions.sorted(by: { $0.start < $1.start }) {
          let start = max(region.start.rawValue, cursor)
          let end = min(region.end.rawValue, upper.rawValue)
          guard start < end else { continue }
          if start > cursor { try walk(vma, cursor, start, categories: nil, emit: lower.rawValue..<upper.rawValue, into: &builder, candidates: &candidatePages) }
          try walk(vma, start, end, categories: region.categories, emit: lower.rawValue..<upper.rawValue, into: &builder, candidates: &candidatePages)
          cursor = end
        }
        if cursor < upper.rawValue {
          try walk(vma, cursor, upper.rawValue, categories: nil, emit: lower.rawValue..<upper.rawValue, into: &builder, candidates: &candidatePages)
        }
        return finish(vma, lower, upper, builder, candidatePages: candidatePages)
      } catch .pagemapScanUnsupported(let code) {
        scanAvailable = false
        warnings.append(LiveLinuxError.pagemapScanUnsupported(errno: code).description
          + " Falling back to pagemap + kpageflags: PMD mappings are inferred from folio alignment and smaps "
          + "PMD-mapped totals (map order and 'mappable with 2M' are unknown where that cannot decide), and the "
          + "zero page is known only from kpageflags (needs PFNs).")
        builder = RunBuilder()
        candidatePages = 0
      }
    }
    // Fallback: read the whole VMA, so that PMD candidates can be counted against smaps.
    try walk(vma, vma.start.rawValue, vma.end.rawValue, categories: nil, emit: lower.rawValue..<upper.rawValue,
             into: &builder, candidates: &candidatePages)
    return finish(vma, lower, upper, builder, candidatePages: candidatePages)
  }

  /// Classifies the pages of `[start, end)` (all with the same scan categories, or none) in
  /// chunks of at most `pagesPerRead` pages whose inner boundaries are 2 MiB-aligned.
  private mutating func walk(_ vma: LiveVMA, _ start: UInt64, _ end: UInt64, categories: PageScanCategories?,
                             emit: Range<UInt64>, into builder: inout RunBuilder, candidates: inout Int) throws(LiveLinuxError) {
    let needPagemap = categories.map { !$0.isDisjoint(with: [.present, .swapped]) } ?? true
    if !needPagemap {
      // A region PAGEMAP_SCAN reports without present or swapped pages: alike, added at once
      // (a 1 TiB mapping with a few pages touched costs its regions, not its pages).
      let lower = max(start, emit.lowerBound)
      let upper = min(end, emit.upperBound)
      if lower < upper {
        builder.append(classify(PagemapEntry(rawValue: 0), categories: categories, vma: vma, verdict: 0), at: lower,
                       count: Int((upper - lower) >> 12))
      }
      return
    }
    let fallback = categories == nil && !scanAvailable
    let chunkBytes = UInt64(options.pagesPerRead) << 12
    var buffer = [UInt64](repeating: 0, count: options.pagesPerRead)
    var chunkStart = start
    while chunkStart < end {
      let chunkEnd = min(end, (chunkStart & ~(Self.blockBytes - 1)) + chunkBytes)
      let count = Int((chunkEnd - chunkStart) >> 12)
      if needPagemap {
        try buffer.withUnsafeMutableBufferPointer { (pointer) throws(LiveLinuxError) in
          try source.readPagemap(firstPage: chunkStart >> 12, into: UnsafeMutableBufferPointer(rebasing: pointer[0..<count]))
        }
        if foliosAvailable {
          var pfns: [UInt64] = []
          for index in 0..<count {
            let entry = PagemapEntry(rawValue: buffer[index])
            if entry.isPresent && entry.pfn != 0 { pfns.append(entry.pfn) }
          }
          if !pfns.isEmpty { resolver.prefetch(pfns, from: source) }
        }
      }
      // The fallback's per-2M-block verdicts: 0 = not a PMD mapping, 1 = candidate, 2 = the huge zero page.
      var verdicts: [UInt64: UInt8] = [:]
      if fallback && needPagemap && vma.hugetlbOrder == nil {
        let privateAnonymous = !vma.isShared && [.anonymous, .heap, .stack].contains(vma.kind)
        var block = (chunkStart + Self.blockBytes - 1) & ~(Self.blockBytes - 1)
        while block + Self.blockBytes <= chunkEnd && block >= vma.start.rawValue && block + Self.blockBytes <= vma.end.rawValue {
          let verdict = blockVerdict(buffer, first: Int((block - chunkStart) >> 12), vmaIsPrivateAnonymous: privateAnonymous)
          if verdict != 0 { verdicts[block] = verdict }
          if verdict == 1 { candidates += 512 }
          block += Self.blockBytes
        }
      }
      for index in 0..<count {
        let address = chunkStart + UInt64(index) << 12
        guard emit.contains(address) else { continue }
        let entry = PagemapEntry(rawValue: needPagemap ? buffer[index] : 0)
        let verdict = fallback ? verdicts[address & ~(Self.blockBytes - 1)] ?? 0 : 0
        builder.append(classify(entry, categories: categories, vma: vma, verdict: verdict), at: address)
      }
      chunkStart = chunkEnd
    }
  }

  /// Whether the 512 entries at `first` could be one PMD mapping: all present, and — when PFNs
  /// are visible — consecutive from a 2 MiB-aligned PFN that heads an order-9 folio. Every
  /// PMD-mapped block passes; a PTE-mapped intact THP passes too (the ambiguity the fallback
  /// resolves with smaps). Returns 2 for the huge zero page (always PMD-mapped: a split huge
  /// zero PMD maps the small zero page; smaps does not count it), 1 for a candidate, 0 otherwise.
  private mutating func blockVerdict(_ entries: [UInt64], first: Int, vmaIsPrivateAnonymous: Bool) -> UInt8 {
    let head = PagemapEntry(rawValue: entries[first])
    guard head.isPresent else { return 0 }
    let pfn = head.pfn
    if pfn != 0 && pfn & 511 != 0 { return 0 }
    for k in 1..<512 {
      let entry = PagemapEntry(rawValue: entries[first + k])
      guard entry.isPresent else { return 0 }
      if pfn != 0 && entry.pfn != pfn + UInt64(k) { return 0 }
    }
    guard pfn != 0, foliosAvailable else {
      // Without folio information the huge zero page still shows: in a private anonymous VMA
      // only the huge zero page is reported with PM_FILE (it is not an anon folio).
      return vmaIsPrivateAnonymous && head.isFileOrShared && !head.isExclusive ? 2 : 1
    }
    guard let folio = resolver.folio(of: pfn, from: source) else { return 1 }
    guard folio.head.rawValue == pfn, folio.order == 9 else { return 0 }
    return folio.flags.contains(.zeroPage) ? 2 : 1
  }

  /// One page's state from its `pagemap` entry and `PAGEMAP_SCAN` categories.
  private mutating func classify(_ entry: PagemapEntry, categories: PageScanCategories?, vma: LiveVMA, verdict: UInt8) -> PageState {
    var state = PageState()
    state.isPresent = entry.isPresent
    state.isSwapped = entry.isSwapped
    guard state.isPresent else { return state }
    state.isFileOrShared = entry.isFileOrShared
    state.isExclusive = entry.isExclusive
    state.pfn = entry.pfn
    if state.pfn == 0 { sawHiddenPFN = true } else { sawPFN = true }
    if state.pfn != 0 && foliosAvailable { state.folio = resolver.folio(of: state.pfn, from: source) }
    if let categories {
      state.isZeroPage = categories.contains(.pfnZero)
    } else if let folio = state.folio {
      state.isZeroPage = folio.flags.contains(.zeroPage)
    } else {
      state.isZeroPage = nil
    }
    if let order = vma.hugetlbOrder {
      state.mapOrder = order
    } else if let categories {
      state.mapOrder = categories.contains(.huge) ? 9 : 0
    } else {
      switch verdict {
      case 2:
        state.mapOrder = 9
        state.isZeroPage = true
      case 1: state.isPMDCandidate = true
      default: state.mapOrder = 0
      }
    }
    // PG_anon_exclusive is per page, and kpageflags shows the head's: exact for a small folio
    // and for a PMD mapping (whose exclusivity the kernel keeps on the head page).
    if anonExclusiveBitKnown, !state.isFileOrShared, let folio = state.folio, folio.flags.contains(.anonymous),
      folio.order == 0 || ((state.mapOrder == 9 || state.isPMDCandidate) && vma.hugetlbOrder == nil)
    {
      state.isAnonExclusive = folio.flags.contains(.anonExclusive)
    }
    return state
  }

  /// Turns the builder's runs into ``PageRun``s: decides the fallback's PMD candidates against
  /// `smaps` (none PMD-mapped, or exactly as many candidates as PMD-mapped bytes), and encodes
  /// each run as `hmm_range_fault()` would.
  private mutating func finish(_ vma: LiveVMA, _ lower: VirtualAddress, _ upper: VirtualAddress, _ builder: RunBuilder,
                               candidatePages: Int) -> VMASnapshot {
    var candidateOrder: Int?
    if let pmdBytes = vma.details?.pmdMappedBytes {
      if pmdBytes == 0 {
        candidateOrder = 0
      } else if pmdBytes == UInt64(candidatePages) << 12 {
        candidateOrder = 9
      }
    }
    let runs = builder.runs.map { pending -> PageRun in
      var state = pending.first
      if state.isPMDCandidate {
        state.mapOrder = candidateOrder
        if candidateOrder != 9 { state.isAnonExclusive = nil }
      }
      let hmm = vma.hmmEntry(isPresent: state.isPresent, pfn: state.pfn, mapOrder: state.mapOrder,
                             isZeroPage: state.isZeroPage, isExclusive: state.isExclusive,
                             isFileOrShared: state.isFileOrShared, isAnonExclusive: state.isAnonExclusive)
      return PageRun(start: VirtualAddress(pending.start), size: UInt64(pending.pages) << 12, isPresent: state.isPresent,
                     isSwapped: state.isSwapped, pfn: state.isPresent && state.pfn != 0 ? PFN(state.pfn) : nil,
                     pfnsContiguous: pending.contiguous, mapOrder: state.isPresent ? state.mapOrder : nil,
                     isZeroPage: state.isPresent ? state.isZeroPage : false, folio: state.folio,
                     isExclusive: state.isExclusive, isAnonExclusive: state.isPresent ? state.isAnonExclusive : nil,
                     isFileOrShared: state.isFileOrShared, hmm: hmm)
    }
    return VMASnapshot(vma: vma, start: lower, end: upper, runs: runs)
  }
}
