import MemoryModel

extension HMM {
  /// The `pte-batch` experiment (``HMMOrderHint/pteBatch``; not Linux): after the walk, every
  /// run of VALID order-0 entries that map consecutive pages of one large RAM folio with the
  /// same flags is covered greedily by aligned blocks — the address and the PFN aligned to
  /// 2^k pages, 2^k at most the folio's size — and every entry of a block gets order k.
  /// Entries of PMD and PUD leaves keep their orders; the zero page and device pages stay 0.
  /// What the CPU maps is unchanged: a block reports only what its PTEs already say, page by
  /// page, so a device mapping it whole gets no more access than the CPU has at that moment.
  /// - Complexity: O(entries).
  static func reportPTEBatchOrders(_ range: inout HMMRange, memory: PhysicalMemory) {
    let start = range.start
    range.pfns.withUnsafeMutableBufferPointer { entries in
      let count = entries.count
      var i = 0
      while i < count {
        let entry = entries[i]
        let pfn = entry.pfn
        guard entry.isValid, entry.mapOrder == 0, memory.contains(pfn), memory.kind(of: pfn).isBatchable else {
          i += 1
          continue
        }
        let head = memory.folioHead(of: pfn)
        let folioOrder = memory.order(ofFolio: head)
        let folioEnd = head.rawValue + UInt64(1) << UInt64(folioOrder)
        guard folioOrder > 0 else {
          i += 1
          continue
        }
        // The run: consecutive PFNs of this folio with the same flags.
        var n = 1
        while i + n < count {
          let next = entries[i + n]
          guard next.isValid, next.mapOrder == 0, next.flags == entry.flags, next.pfn.rawValue == pfn.rawValue &+ UInt64(n),
            next.pfn.rawValue < folioEnd
          else { break }
          n += 1
        }
        var p = 0
        while p < n {
          let page = (start.rawValue >> 12) + UInt64(i + p)
          let frame = pfn.rawValue + UInt64(p)
          var k = folioOrder
          while k > 0 && ((page | frame) & (UInt64(1) << UInt64(k) - 1) != 0 || p + (1 << k) > n) { k -= 1 }
          let pages = 1 << k
          if k > 0 {
            let bits = UInt64(k) << HMMPFN.orderShift
            for q in (i + p)..<(i + p + pages) { entries[q] = HMMPFN(rawValue: entries[q].rawValue | bits) }
          }
          p += pages
        }
        i += n
      }
    }
  }
}

extension FolioKind {
  /// RAM folios a PTE batch can report (not the zero page, not device memory).
  fileprivate var isBatchable: Bool { self == .anonymous || self == .file || self == .shmem }
}
