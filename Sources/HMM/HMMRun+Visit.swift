import MemoryModel

extension HMM {
  /// Calls `body` with each run ``runsByMapOrder(_:start:)`` returns, in the same order, without
  /// building the array (a device that faults again and again allocates nothing here).
  /// - Parameters:
  ///   - pfns: the output entries of `hmm_range_fault()`.
  ///   - start: the virtual address of the first entry.
  ///   - body: hears each run.
  @inline(__always)
  public static func forEachRunByMapOrder(_ pfns: [HMMPFN], start: VirtualAddress, _ body: (HMMRun) -> Void) {
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
          body(HMMRun(start: address, size: UInt64(n) << 12, flags: flags, order: entry.mapOrder, pfn: entry.pfn))
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
        body(HMMRun(start: address, size: UInt64(n) << 12, flags: flags, order: 0, pfn: valid ? entry.pfn : PFN(0)))
        i += n
      }
    }
  }

  /// Calls `body` with each run ``runsByScanning(_:start:)`` returns, in the same order, without
  /// building the array. An order-0 run is handed over only when the next run cannot extend it.
  /// - Parameters:
  ///   - pfns: the output entries of `hmm_range_fault()`.
  ///   - start: the virtual address of the first entry.
  ///   - body: hears each run.
  public static func forEachRunByScanning(_ pfns: [HMMPFN], start: VirtualAddress, _ body: (HMMRun) -> Void) {
    // The last run found; order-0 pieces may still join it.
    // (The emits below are written out: a local function capturing `pending` would put it in a
    // box with a dynamic exclusivity check on each access.)
    var pending: HMMRun?
    pfns.withUnsafeBufferPointer { entries in
      var i = 0
      let count = entries.count
      while i < count {
        let address = start + UInt64(i) << 12
        var matched = false
        for pick in 0..<2 {
          let order = pick == 0 ? 18 : 9  // 1 GiB first, then 2 MiB
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
            if let last = pending { body(last) }
            pending = HMMRun(start: address, size: UInt64(pages) << 12, flags: first.flags, order: order, pfn: first.pfn)
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
        if let last = pending, last.order == 0, last.end == address, last.flags == flags,
          !valid || last.pfn.rawValue &+ UInt64(last.pageCount) == entry.pfn.rawValue
        {
          pending!.size += UInt64(n) << 12
        } else {
          if let last = pending { body(last) }
          pending = HMMRun(start: address, size: UInt64(n) << 12, flags: flags, order: 0, pfn: valid ? entry.pfn : PFN(0))
        }
        i += n
      }
    }
    if let last = pending { body(last) }
  }
}
