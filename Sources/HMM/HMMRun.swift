import MemoryModel

/// A run of an `hmm_range_fault()` output that a device can map with one kind of mapping: a
/// start address, a size, the flags and the order of the pages in it, and the first PFN.
public struct HMMRun: Hashable, Sendable, CustomStringConvertible {
  /// The first address.
  public var start: VirtualAddress
  /// Bytes covered.
  public var size: UInt64
  /// VALID/WRITE/ERROR (and sticky) flags shared by every page.
  public var flags: HMMPFN
  /// The map order shared by every page (0 for 4 KiB pages).
  public var order: Int
  /// The first page's PFN (meaningful when VALID).
  public var pfn: PFN

  /// One past the last address.
  public var end: VirtualAddress { start + size }
  /// The number of 4 KiB pages.
  public var pageCount: Int { Int(size >> 12) }

  /// `start-end size valid write order=9 pfn=0x…`.
  public var description: String {
    var text = "\(start)-\(end) \(formatSize(size))"
    if flags.isError { return text + " error" }
    if !flags.isValid { return text + " none" }
    text += flags.isWritable ? " valid write" : " valid read"
    text += " order=\(order) pfn=\(pfn)"
    return text
  }
}

extension HMM {
  /// Runs of an output array, using the map order to step over whole large mappings — what a
  /// driver that trusts `hmm_pfn_to_map_order()` does (nouveau, drm_gpusvm). A VALID entry of
  /// order k starts a run covering the rest of its order-aligned block (clipped to the range)
  /// without looking at the entries inside; consecutive order-0 entries with the same flags and
  /// consecutive PFNs join one order-0 run. Invalid entries join runs of equal flags.
  /// - Complexity: O(number of runs + order-0 entries).
  public static func runsByMapOrder(_ pfns: [HMMPFN], start: VirtualAddress) -> [HMMRun] {
    var runs: [HMMRun] = []
    pfns.withUnsafeBufferPointer { entries in
      var i = 0
      let count = entries.count
      while i < count {
        let entry = entries[i]
        let flags = entry.flags
        let address = start + UInt64(i) << 12
        if entry.isValid && entry.mapOrder > 0 {
          let pages = 1 << entry.mapOrder
          let blockEnd = (Int(address.pageNumber) & ~(pages - 1)) + pages
          let n = min(blockEnd - Int(address.pageNumber), count - i)
          runs.append(HMMRun(start: address, size: UInt64(n) << 12, flags: flags, order: entry.mapOrder, pfn: entry.pfn))
          i += n
          continue
        }
        var n = 1
        let valid = entry.isValid
        while i + n < count {
          let next = entries[i + n]
          guard next.flags == flags, next.mapOrder == 0 || !next.isValid else { break }
          if valid && next.pfn.rawValue != entry.pfn.rawValue &+ UInt64(n) { break }
          n += 1
        }
        runs.append(HMMRun(start: address, size: UInt64(n) << 12, flags: flags, order: 0, pfn: valid ? entry.pfn : PFN(0)))
        i += n
      }
    }
    return runs
  }

  /// Runs of an output array found without the map order, by inspecting every entry, as RDMA
  /// ODP did before the order existed: a 2 MiB-aligned block of 512 VALID entries with equal
  /// flags and consecutive PFNs starting at a 2 MiB-aligned PFN becomes one order-9 run (and
  /// likewise 1 GiB blocks, order 18); everything else is merged as in ``runsByMapOrder(_:start:)``
  /// with order 0.
  /// - Complexity: O(entries): every entry is read.
  public static func runsByScanning(_ pfns: [HMMPFN], start: VirtualAddress) -> [HMMRun] {
    var runs: [HMMRun] = []
    pfns.withUnsafeBufferPointer { entries in
      var i = 0
      let count = entries.count
      while i < count {
        let address = start + UInt64(i) << 12
        var matched = false
        for order in [18, 9] {
          let pages = 1 << order
          guard address.isAligned(to: UInt64(pages) << 12), i + pages <= count else { continue }
          let first = entries[i]
          guard first.isValid, first.pfn.rawValue & UInt64(pages - 1) == 0 else { continue }
          var contiguous = true
          for k in 1..<pages {
            let entry = entries[i + k]
            if entry.flags != first.flags || entry.pfn.rawValue != first.pfn.rawValue &+ UInt64(k) {
              contiguous = false
              break
            }
          }
          if contiguous {
            runs.append(HMMRun(start: address, size: UInt64(pages) << 12, flags: first.flags, order: order, pfn: first.pfn))
            i += pages
            matched = true
            break
          }
        }
        if matched { continue }
        let entry = entries[i]
        let flags = entry.flags
        let valid = entry.isValid
        var n = 1
        // Stop at the next 2 MiB boundary so that a following large block is still found.
        while i + n < count && !(start + UInt64(i + n) << 12).isAligned(to: 2 << 20) {
          let next = entries[i + n]
          guard next.flags == flags else { break }
          if valid && next.pfn.rawValue != entry.pfn.rawValue &+ UInt64(n) { break }
          n += 1
        }
        if let last = runs.last, last.order == 0, last.end == address, last.flags == flags,
          !valid || last.pfn.rawValue &+ UInt64(last.pageCount) == entry.pfn.rawValue
        {
          runs[runs.count - 1].size += UInt64(n) << 12
        } else {
          runs.append(HMMRun(start: address, size: UInt64(n) << 12, flags: flags, order: 0, pfn: valid ? entry.pfn : PFN(0)))
        }
        i += n
      }
    }
    return runs
  }
}
