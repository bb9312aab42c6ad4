import HMM
import LiveLinux
import MemoryModel

#if canImport(Glibc)
import Glibc
#endif

/// Builds a recorded process page by page: `pagemap` entries, `kpageflags` of folios, and
/// `PAGEMAP_SCAN` regions, for exact-expectation tests.
struct FixtureBuilder {
  var maps: [String] = []
  var smaps: [String] = []
  var pagemap: [UInt64: PagemapEntry] = [:]
  var pageFlags: [UInt64: KernelPageFlags] = [:]
  var regions: [PageScanRegion] = []

  static let base: UInt64 = 0x7f00_0000_0000
  static let huge: UInt64 = 2 << 20

  /// Adds a VMA line to `maps` and its block to `smaps`.
  mutating func vma(_ start: UInt64, _ end: UInt64, _ perms: String, path: String = "", pageSize: UInt64 = 4,
                    flags: String = "rd wr mr mw me ac", anonHuge: UInt64 = 0) {
    let line = String(start, radix: 16) + "-" + String(end, radix: 16) + " \(perms) 00000000 00:00 0" + (path.isEmpty ? "" : "   \(path)")
    maps.append(line)
    smaps.append(line)
    smaps.append("Size:           \((end - start) >> 10) kB")
    smaps.append("KernelPageSize:        \(pageSize) kB")
    smaps.append("AnonHugePages:  \(anonHuge >> 10) kB")
    smaps.append("ShmemPmdMapped:        0 kB")
    smaps.append("FilePmdMapped:        0 kB")
    smaps.append("VmFlags: \(flags) ")
  }

  /// Maps `pages` present pages at `address` to consecutive PFNs from `pfn`.
  mutating func present(_ address: UInt64, pages: Int, pfn: UInt64, exclusive: Bool = true, file: Bool = false) {
    for k in 0..<pages {
      pagemap[(address >> 12) + UInt64(k)] = PagemapEntry(present: true, file: file, exclusive: exclusive, pfn: pfn + UInt64(k))
    }
  }

  /// Records a folio of `order` at `head` in `kpageflags`.
  mutating func folio(_ head: UInt64, order: Int, flags: KernelPageFlags) {
    if order == 0 {
      pageFlags[head] = flags
      return
    }
    pageFlags[head] = flags.union(.compoundHead)
    for k in 1..<(1 << order) { pageFlags[head + UInt64(k)] = flags.union(.compoundTail) }
  }

  /// Adds a `PAGEMAP_SCAN` region.
  mutating func scan(_ start: UInt64, _ end: UInt64, _ categories: PageScanCategories) {
    regions.append(PageScanRegion(start: VirtualAddress(start), end: VirtualAddress(end), categories: categories))
  }

  /// The source; `scan: false` plays a kernel without `PAGEMAP_SCAN`.
  func source(scan: Bool = true, smaps withSmaps: Bool = true, pageFlags withFlags: Bool = true,
              hidePFNs: Bool = false) -> FixtureProcessSource {
    var entries = pagemap
    if hidePFNs {
      for (page, entry) in entries { entries[page] = PagemapEntry(rawValue: entry.rawValue & ~PagemapEntry.pfnMask) }
    }
    return FixtureProcessSource(maps: maps.joined(separator: "\n") + "\n",
                                smaps: withSmaps ? smaps.joined(separator: "\n") + "\n" : nil,
                                pagemap: entries, pageFlags: withFlags ? pageFlags : nil,
                                scanRegions: scan ? regions : nil)
  }
}
