import HMM
import MemoryModel

/// Accesses over a run of pages, one TLB lookup per translation instead of one per page.
extension Device {
  /// Accesses the `pages` 4 KiB pages from `first` in order, leaving counters, TLB, page table
  /// and memory exactly as `pages` calls of ``access(_:write:)`` (each followed by `body`'s work
  /// on that page) would, and hands `body` the pages a run at a time: `body(address, pfn, n)`
  /// gets `n` pages from the one `address` falls on, mapped to the consecutive frames from `pfn`.
  ///
  /// The pages after a TLB hit that lie in the same entry would hit that entry too (no other
  /// lookup comes between them, and the larger arrays see the same virtual page number), so they
  /// are counted together. A page whose lookup misses, or hits a read-only entry on a write,
  /// takes the whole path of ``access(_:write:)`` alone: walk, fault, replay.
  /// - Parameters:
  ///   - first: the first address: the first page's access uses it as given (it need not be
  ///     aligned; a fault and its error name it), the following pages' accesses their first byte.
  ///   - pages: how many pages, counting the one `first` falls on.
  ///   - write: whether the accesses are writes.
  ///   - needsMirror: throw `-EFAULT` at a page, before accessing it, when the device mirrors
  ///     nothing (what a page-by-page ``readPage(_:)`` or ``writePage(_:_:)`` does).
  ///   - body: works on `n` pages and returns how many it used, from 1 to `n`; fewer than `n`
  ///     stops the walk there (the pages it used count as accessed, the rest were never accessed).
  /// - Throws: the `HMMError` of the first access that could not be resolved; the pages before it
  ///   were handed to `body`.
  public func accessPages(from first: VirtualAddress, pages: Int, write: Bool, needsMirror: Bool = false,
                          _ body: (_ address: VirtualAddress, _ pfn: PFN, _ count: Int) -> Int) throws(HMMError) {
    var cursor = first
    var left = pages
    // Where every TLB array larger than 4 KiB is known to miss (DeviceTLB.probeSmallest): the
    // aligned region of the last full probe that missed them, while no larger entry was filled.
    let granule = tlb.largerGranule
    var missRegion = UInt64.max
    var missFills: UInt64 = 0
    // The walk ahead of a run of one-page faults (none yet).
    var run = RunWalk()
    // Whether missed pages with 4 KiB mappings can take the short path below (a 4 KiB array to
    // fill), and whether it must know that the larger arrays miss.
    let smallest4K = tlb.smallestIs4K
    let hasLarger = tlb.arrays.count > 1
    while left > 0 {
      if needsMirror && mirroredSpace == nil { throw .fault(cursor) }
      let probed: DeviceTLB.Hit?
      if granule != 0 && cursor.rawValue & ~(granule &- 1) == missRegion && tlb.largeFills == missFills {
        probed = tlb.probeSmallest(cursor)
      } else {
        probed = tlb.probe(cursor)
        if granule != 0 && tlb.largerArraysMissed(probed) {
          missRegion = cursor.rawValue & ~(granule &- 1)
          missFills = tlb.largeFills
        } else {
          missRegion = .max
        }
      }
      if let hit = probed {
        if !write || hit.writable {
          let n = min(hit.pages, left)
          let used = body(cursor, hit.pfn, n)
          tlb.countHits(hit, times: used)
          counters.accesses += used
          counters.tlbHits += used
          guard used == n else { return }
          left -= n
          cursor = cursor.alignedDown(to: 4096) + UInt64(n) << 12
          continue
        }
        tlb.countHits(hit, times: 1)  // a lookup that hit an entry the write cannot use
      } else {
        tlb.countMiss()
      }
      counters.accesses += 1
      // translateMissed(cursor, write:), with the walk inline: a translation found, a fault
      // from the walk ahead (Device+RunFault.swift), or the whole fault and replay.
      counters.tlbMisses += 1
      let pfn: PFN
      if let mapping = pageTable.lookup(cursor) {
        counters.walkSteps += Self.walkLevels(mapping.size)
        if !write || mapping.isWritable {
          tlb.fill(mapping)
          pfn = mapping.pfn(for: cursor)
        } else {
          pfn = try faultAndReplay(cursor, write: write)
        }
      } else {
        counters.walkSteps += 4
        if let index = prewalked(run, cursor) {
          pfn = try commitPrewalked(cursor, runPFNs[index], write: write)
        } else {
          faultCommittedDirectly = false
          pfn = try faultAndReplay(cursor, write: write)
          // A page present for the device without a CPU fault: its neighbours likely are too.
          if faultCommittedDirectly && left > 1 { run = prewalkRun(after: cursor, pages: left &- 1, write: write) }
        }
      }
      guard body(cursor, pfn, 1) == 1 else { return }
      left -= 1
      cursor = cursor.alignedDown(to: 4096) + 4096
      // The pages after it that miss the TLB and find a 4 KiB mapping in the block just looked
      // up (the rest of a fault's window, a range mapped before): the same path, page by page,
      // with the lookup read from the block's slot and the probe and fill made in one pass.
      guard smallest4K else { continue }
      while left > 0 {
        if needsMirror && mirroredSpace == nil { break }
        // Every larger array known to miss here (as the probe above would take it).
        guard !hasLarger || (cursor.rawValue & ~(granule &- 1) == missRegion && tlb.largeFills == missFills) else { break }
        guard let slot = pageTable.cachedSlot(cursor), slot.order == 0, !write || slot.writable,
              tlb.missAndFillSmallest(cursor, pfn: slot.pfn, writable: slot.writable)
        else { break }
        counters.accesses += 1
        counters.tlbMisses += 1
        counters.walkSteps += 4
        guard body(cursor, PFN(slot.pfn), 1) == 1 else { return }
        left -= 1
        cursor = cursor + 4096
      }
    }
  }

  /// The number of 4 KiB pages `[address, address + count)` touches.
  static func pagesTouched(_ address: VirtualAddress, _ count: UInt64) -> Int {
    Int(((address.rawValue &+ count &+ 4095) >> 12) &- (address.rawValue >> 12))
  }
}
