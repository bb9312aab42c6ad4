import MemoryModel

/// Per-order statistics of the large folios a process maps, in the categories of the kernel's
/// `tools/mm/thpmaps`: for anonymous and file memory separately, the bytes of folios of each
/// order that are PMD-mapped (`thp-pmd-aligned`), mapped whole by PTEs at their natural
/// alignment (`thp-pte-aligned`: the head at a virtual address aligned to the folio's size,
/// every page at its place) or elsewhere (`thp-pte-unaligned`), or mapped only in part
/// (`thp-pte-partial`, counted by the mapped bytes); and the bytes in naturally aligned blocks
/// of 2^k pages that PTEs map to consecutive, equally aligned frames of one folio
/// (`cont-pte-aligned`, thpmaps `--cont`: what a contiguous-PTE hint could report).
///
/// Only the inspected range counts: a folio whose other pages lie outside it counts as partial.
/// Order-0 folios are left out, as thpmaps does.
public struct FolioOrderStatistics: Hashable, Sendable {
  /// The figures of one kind of memory (anonymous or file).
  public struct Figures: Hashable, Sendable {
    /// Bytes of PMD-mapped folios, by order.
    public var pmdAligned: [Int: UInt64] = [:]
    /// Bytes of folios mapped whole by PTEs at their natural alignment, by order.
    public var pteAligned: [Int: UInt64] = [:]
    /// Bytes of folios mapped whole by PTEs, not naturally aligned, by order.
    public var pteUnaligned: [Int: UInt64] = [:]
    /// Mapped bytes of folios mapped only in part, by order.
    public var ptePartial: [Int: UInt64] = [:]
    /// Folios of each order (any category).
    public var folios: [Int: Int] = [:]
    /// Bytes in naturally aligned contiguous PTE blocks of 2^k pages, by k (2–9).
    public var contPTEAligned: [Int: UInt64] = [:]

    /// Whether nothing was counted.
    public var isEmpty: Bool { folios.isEmpty }
  }

  /// Anonymous folios.
  public var anonymous = Figures()
  /// File and shmem folios.
  public var file = Figures()

  /// What is known of one folio while the runs are read.
  private struct Seen {
    var order: Int
    var anonymous: Bool
    var mappedPages = 0
    var pmd = false
    var aligned = true
    var headAddress: UInt64?
  }

  /// Counts the runs of a snapshot (present runs with a known folio and PFN).
  public init(runs: [PageRun]) {
    var seen: [PFN: Seen] = [:]
    for run in runs {
      guard run.isPresent, run.isZeroPage == false, let folio = run.folio, folio.isLarge, let pfn = run.pfn else { continue }
      let pages = Int(run.size >> 12)
      let anonymous = folio.flags.contains(.anonymous)
      var entry = seen[folio.head] ?? Seen(order: folio.order, anonymous: anonymous)
      entry.mappedPages += pages
      if let order = run.mapOrder, order >= 9, order == folio.order { entry.pmd = true }
      let headAddress = run.start.rawValue &- (pfn.rawValue &- folio.head.rawValue) << 12
      if !run.pfnsContiguous || headAddress & ((4096 << UInt64(folio.order)) - 1) != 0
        || (entry.headAddress != nil && entry.headAddress != headAddress)
      {
        entry.aligned = false
      }
      entry.headAddress = headAddress
      seen[folio.head] = entry
      if run.pfnsContiguous && run.mapOrder == 0 {
        if anonymous {
          Self.countContiguousBlocks(run, pfn, folio, &self.anonymous)
        } else {
          Self.countContiguousBlocks(run, pfn, folio, &self.file)
        }
      }
    }
    for entry in seen.values {
      let bytes = UInt64(4096) << UInt64(entry.order)
      let mapped = UInt64(entry.mappedPages) << 12
      if entry.anonymous {
        Self.add(entry, bytes: bytes, mapped: mapped, to: &anonymous)
      } else {
        Self.add(entry, bytes: bytes, mapped: mapped, to: &file)
      }
    }
  }

  private static func add(_ entry: Seen, bytes: UInt64, mapped: UInt64, to figures: inout Figures) {
    figures.folios[entry.order, default: 0] += 1
    if mapped < bytes {
      figures.ptePartial[entry.order, default: 0] += mapped
    } else if entry.pmd {
      figures.pmdAligned[entry.order, default: 0] += bytes
    } else if entry.aligned {
      figures.pteAligned[entry.order, default: 0] += bytes
    } else {
      figures.pteUnaligned[entry.order, default: 0] += bytes
    }
  }

  /// Adds the naturally aligned blocks inside a PTE-mapped run of one folio with consecutive
  /// PFNs, for every k up to the folio's order.
  private static func countContiguousBlocks(_ run: PageRun, _ pfn: PFN, _ folio: LiveFolio, _ figures: inout Figures) {
    let firstPage = run.start.rawValue >> 12
    let pages = run.size >> 12
    // VA and PFN must agree modulo the block for any block to be aligned in both.
    for k in 2...min(9, folio.order) {
      let block = UInt64(1) << UInt64(k)
      guard (firstPage ^ pfn.rawValue) & (block - 1) == 0 else { continue }
      let first = (firstPage + block - 1) & ~(block - 1)
      let end = (firstPage + pages) & ~(block - 1)
      if end > first { figures.contPTEAligned[k, default: 0] += (end - first) << 12 }
    }
  }

  /// thpmaps-style lines (`anon-thp-pte-aligned-64kB  256K`, `anon-folios-64kB  4`), the non-zero ones only.
  public var lines: [String] {
    var lines: [String] = []
    func line(_ name: String, _ value: String) -> String { name + String(repeating: " ", count: max(2, 34 - name.count)) + value }
    for (prefix, figures) in [("anon", anonymous), ("file", file)] {
      func size(_ order: Int) -> String { "\(4 << order)kB" }
      for order in figures.folios.keys.sorted() {
        for (name, values) in [("pmd-aligned", figures.pmdAligned), ("pte-aligned", figures.pteAligned),
                               ("pte-unaligned", figures.pteUnaligned), ("pte-partial", figures.ptePartial)] {
          if let bytes = values[order], bytes > 0 { lines.append(line("\(prefix)-thp-\(name)-\(size(order))", formatSize(bytes))) }
        }
        lines.append(line("\(prefix)-folios-\(size(order))", "\(figures.folios[order] ?? 0)"))
      }
      for k in figures.contPTEAligned.keys.sorted() {
        if let bytes = figures.contPTEAligned[k], bytes > 0 { lines.append(line("\(prefix)-cont-pte-aligned-\(size(k))", formatSize(bytes))) }
      }
    }
    return lines
  }
}

extension ProcessSnapshot {
  /// The thpmaps-style per-order statistics of the inspected runs.
  public var folioOrderStatistics: FolioOrderStatistics { FolioOrderStatistics(runs: runs) }
}
