import MemoryModel

/// `mm/hmm.c`: `hmm_range_fault()` and its page-table walk callbacks.
public enum HMM {
  static let needFault: UInt8 = 1
  static let needWriteFault: UInt8 = 2

  /// `hmm_range_fault()`: fills `range.pfns` with the CPU's view of `[range.start, range.end)`
  /// — PFN, VALID/WRITE/ERROR and the map order of the CPU mapping — faulting pages in where
  /// the request flags (`(entry & pfnFlagsMask) | defaultFlags`) ask for it.
  ///
  /// Orders: 9 for a PMD leaf, 18 for a PUD leaf, the hugetlb page order in hugetlb VMAs, and 0
  /// for every PTE — also for PTEs that map part of a large folio. The zero page is VALID
  /// without WRITE. Holes, `VM_IO`/`VM_PFNMAP` VMAs and VMAs without read permission give
  /// ERROR entries, or `-EFAULT` when a fault is requested there.
  /// - Throws: `.busy` when the notifier's sequence moved (also after HMM's own faults caused an
  ///   invalidation, e.g. the zero page replaced on a write request); `.fault`, `.permission`
  ///   as above. Entries before the failing page hold outputs; the rest still hold inputs.
  /// - Parameters:
  ///   - range: the range, its notifier and sequence, and the request entries, which become
  ///     the output entries.
  ///   - segment: hears ``DriverLoopPoint/segment`` each time a segment's faults were
  ///     handled and the walk restarts (an interleaving point under `mmap_read_lock`).
  public static func rangeFault(_ range: inout HMMRange, segment: ((DriverLoopPoint) -> Void)? = nil) throws(HMMError) {
    try rangeFault(&range, segment: segment, firstWalk: nil)
  }

  /// ``rangeFault(_:segment:)``, its first walk replaced by `firstWalk` when given (the walk of
  /// the whole range from its start, made with nothing changed since: the same outcome, the same
  /// entries written and counted).
  @inline(__always)
  static func rangeFault(_ range: inout HMMRange, segment: ((DriverLoopPoint) -> Void)?, firstWalk: HMMWindowWalk?) throws(HMMError) {
    range.statistics = HMMRange.Statistics()
    let space = range.notifier.space
    var last = range.start
    var restartsAtSameAddress = 0
    var given = firstWalk
    while true {
      if range.notifier.checkRetry(range.notifierSequence) { throw .busy }
      let outcome: WalkOutcome
      if let walked = given {
        outcome = walked.outcome ?? .done
        range.statistics.entriesFilled += walked.filled
        given = nil
      } else {
        outcome = walk(&range, space, from: last)
      }
      switch outcome {
      case .done:
        if range.orderHint == .pteBatch { reportPTEBatchOrders(&range, memory: space.system.memory) }
        return
      case .failed(let error):
        throw error
      case .fault(let start, let end, let write):
        let vma = space.vma(containing: start)
        if write && !(vma?.protection.contains(.write) ?? false) { throw .permission(start) }
        // handle_mm_fault() for each page in turn (hmm_vma_fault()), the first failure ending
        // the call with -EFAULT.
        if let failure = space.handleFaults(start, end, write: write, faulted: &range.statistics.pagesFaulted) {
          throw .fault(failure.address)
        }
        restartsAtSameAddress = start == last ? restartsAtSameAddress + 1 : 0
        last = start
      case .wait(let address):
        // A migration entry: Linux waits for the migration to end and walks again. Nothing runs
        // concurrently in the model, so an entry that stays is reported as busy.
        restartsAtSameAddress = address == last ? restartsAtSameAddress + 1 : 0
        last = address
      }
      range.statistics.walkRestarts += 1
      if restartsAtSameAddress > 8 { throw .busy }
      segment?(.segment)
    }
  }

  enum WalkOutcome {
    case done
    case failed(HMMError)
    case fault(VirtualAddress, VirtualAddress, write: Bool)
    case wait(VirtualAddress)
  }

  /// One `walk_page_range()` from `from` to the range's end.
  static func walk(_ range: inout HMMRange, _ space: AddressSpace, from: VirtualAddress) -> WalkOutcome {
    let memory = space.system.memory
    let end = range.end
    let mayFault = (range.defaultFlags.rawValue | range.pfnFlagsMask.rawValue) & HMMPFN.requestFault.rawValue != 0
    let rangeStart = range.start
    let defaultFlags = range.defaultFlags.rawValue
    let mask = range.pfnFlagsMask.rawValue
    let owner = range.devicePrivateOwner
    var filled = 0
    defer { range.statistics.entriesFilled += filled }
    return range.pfns.withUnsafeMutableBufferPointer { pfns -> WalkOutcome in
      var walker = HMMWalker(
        pfns: pfns, rangeStart: rangeStart, defaultFlags: defaultFlags, mask: mask, mayFault: mayFault,
        owner: owner, system: space.system, zeroPage: memory.zeroPage)
      defer { filled = walker.filled }
      var cursor = from
      let vmas = space.vmas
      // find_vma: the first VMA that ends above the cursor (VMAs are sorted and disjoint).
      var index = 0
      var high = vmas.count
      while index < high {
        let mid = (index + high) / 2
        if vmas[mid].end <= cursor { index = mid + 1 } else { high = mid }
      }
      while cursor < end {
        guard index < vmas.count, vmas[index].start < end else {
          // No VMA from here to the end (hmm_vma_walk_hole with no vma).
          if let outcome = walker.holeWithoutVMA(cursor, end) { return outcome }
          break
        }
        let vma = vmas[index]
        if vma.start > cursor {
          if let outcome = walker.holeWithoutVMA(cursor, vma.start) { return outcome }
          cursor = vma.start
        }
        let stop = min(vma.end, end)
        // hmm_vma_walk_test.
        if !vma.flags.isDisjoint(with: [.io, .pfnmap]) || !vma.protection.contains(.read) {
          if walker.needsFault(cursor, stop, cpuFlags: 0) != 0 { return .failed(.fault(cursor)) }
          walker.fill(cursor, stop, HMMPFN.error.rawValue)
        } else {
          walker.vmaEnd = stop
          walker.hugetlbSize = vma.hugetlbPageSize
          if stop.rawValue &- cursor.rawValue == 4096 {
            walkOnePage(space.pageTable, cursor, &walker)
          } else {
            space.pageTable.walk(cursor, stop, &walker)
          }
          if let outcome = walker.outcome { return outcome }
        }
        cursor = stop
        index += 1
      }
      return .done
    }
  }
}

extension HMM {
  /// `pageTable.walk(address, address + 4K, &walker)` for one page, from one unrolled lookup:
  /// the one callback the walk would make — the PTE, the leaf above it, or the hole at the level
  /// the lookup stopped at. (A fault window of one page walks once per device fault.) Falls back
  /// to the walk for any entry the walk would descend through.
  @inline(__always)
  static func walkOnePage(_ pageTable: PageTable, _ address: VirtualAddress, _ walker: inout HMMWalker) {
    let (entry, level, _) = pageTable.lookup(address)
    let end = address + 4096
    switch level {
    case .pte:
      var pte = entry
      _ = withUnsafePointer(to: &pte) { walker.visitPTEs(UnsafeBufferPointer(start: $0, count: 1), start: address) }
    case _ where entry.isNone:
      _ = walker.visitHole(start: address, end: end, level: level)
    case _ where level != .pgd && (entry.isHuge || entry.isSwap || entry.isProtNone):
      _ = walker.visitLeaf(entry, level: level, start: address, end: end)
    default:
      pageTable.walk(address, end, &walker)
    }
  }
}

/// The callbacks of `hmm_walk_ops`, applied to a raw output buffer.
struct HMMWalker: PageTableVisitor {
  let pfns: UnsafeMutableBufferPointer<HMMPFN>
  let rangeStart: VirtualAddress
  let defaultFlags: UInt64
  let mask: UInt64
  let mayFault: Bool
  let owner: Int?
  /// Unowned: the walker lives inside one walk of an address space of this system, which the
  /// caller holds (no retain and release per walk).
  unowned(unsafe) let system: MemorySystem
  let zeroPage: PFN
  var vmaEnd = VirtualAddress(0)
  var hugetlbSize: PageSize?
  var outcome: HMM.WalkOutcome?
  var filled = 0

  static let valid = HMMPFN.valid.rawValue
  static let write = HMMPFN.write.rawValue
  static let sticky = HMMPFN.inOutFlags

  init(pfns: UnsafeMutableBufferPointer<HMMPFN>, rangeStart: VirtualAddress, defaultFlags: UInt64, mask: UInt64,
       mayFault: Bool, owner: Int?, system: MemorySystem, zeroPage: PFN) {
    self.pfns = pfns
    self.rangeStart = rangeStart
    self.defaultFlags = defaultFlags
    self.mask = mask
    self.mayFault = mayFault
    self.owner = owner
    self.system = system
    self.zeroPage = zeroPage
  }

  @inline(__always) func index(_ address: VirtualAddress) -> Int { Int((address.rawValue &- rangeStart.rawValue) >> 12) }

  /// `hmm_pte_need_fault`.
  @inline(__always) func needsFault(request: UInt64, cpuFlags: UInt64) -> UInt8 {
    let request = (request & mask) | defaultFlags
    guard request & Self.valid != 0 else { return 0 }
    if request & Self.write != 0 && cpuFlags & Self.write == 0 { return HMM.needFault | HMM.needWriteFault }
    if cpuFlags & Self.valid == 0 { return HMM.needFault }
    return 0
  }

  /// `hmm_range_need_fault` over `[start, end)`.
  func needsFault(_ start: VirtualAddress, _ end: VirtualAddress, cpuFlags: UInt64) -> UInt8 {
    guard mayFault else { return 0 }
    var required: UInt8 = 0
    for i in index(start)..<index(end) {
      required |= needsFault(request: pfns[i].rawValue, cpuFlags: cpuFlags)
      if required == HMM.needFault | HMM.needWriteFault { break }
    }
    return required
  }

  /// `hmm_pfns_fill`: every entry of `[start, end)` becomes `value`, keeping the sticky bits.
  mutating func fill(_ start: VirtualAddress, _ end: VirtualAddress, _ value: UInt64) {
    let first = index(start)
    let last = index(end)
    for i in first..<last { pfns[i] = HMMPFN(rawValue: pfns[i].rawValue & Self.sticky | value) }
    filled += last - first
  }

  /// A hole outside every VMA.
  mutating func holeWithoutVMA(_ start: VirtualAddress, _ end: VirtualAddress) -> HMM.WalkOutcome? {
    if needsFault(start, end, cpuFlags: 0) != 0 { return .failed(.fault(start)) }
    fill(start, end, HMMPFN.error.rawValue)
    return nil
  }

  /// `hmm_vma_fault`: record the fault; the caller performs it outside the walk.
  mutating func fault(_ start: VirtualAddress, _ end: VirtualAddress, _ required: UInt8) -> WalkControl {
    outcome = .fault(start, end, write: required & HMM.needWriteFault != 0)
    return .stop
  }

  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    let first = index(start)
    let end = start + UInt64(entries.count) << 12
    for i in 0..<entries.count {
      let pte = entries[i]
      let slot = first + i
      let request = pfns[slot].rawValue
      // The common case first: P set (so neither a software nor a PROT_NONE entry), not
      // special, and nothing to fault (writable, or no fault possible): VALID, WRITE from RW.
      let raw = pte.rawValue
      if raw & (PageTableEntry.presentBit | PageTableEntry.specialBit) == PageTableEntry.presentBit
        && (raw & PageTableEntry.writableBit != 0 || !mayFault) {
        let write = (raw & PageTableEntry.writableBit) &* (Self.write / PageTableEntry.writableBit)  // RW moved to WRITE
        pfns[slot] = HMMPFN(rawValue: request & Self.sticky | (raw & PageTableEntry.pfnMask) >> 12 | Self.valid | write)
        continue
      }
      var value: UInt64 = 0
      if pte.isNone {
        if mayFault, needsFault(request: request, cpuFlags: 0) != 0 {
          return fault(start + UInt64(i) << 12, end, needsFault(request: request, cpuFlags: 0))
        }
      } else if pte.isSwap {
        if pte.swapType == .devicePrivate, let owner, system.devicePrivateOwner(of: pte.pfn) == owner {
          value = pte.pfn.rawValue | Self.valid | (pte.isWritable ? Self.write : 0)
        } else if mayFault, needsFault(request: request, cpuFlags: 0) != 0 {
          let address = start + UInt64(i) << 12
          if pte.swapType == .migration {
            outcome = .wait(address)
            return .stop
          }
          return fault(address, end, needsFault(request: request, cpuFlags: 0))
        }
      } else {
        let cpuFlags = pte.isProtNone ? 0 : Self.valid | (pte.isWritable ? Self.write : 0)
        if mayFault {
          let required = needsFault(request: request, cpuFlags: cpuFlags)
          if required != 0 { return fault(start + UInt64(i) << 12, end, required) }
        }
        if pte.isSpecial && pte.pfn != zeroPage {
          // No struct page behind it (vm_normal_page fails) and not the zero page.
          if mayFault, needsFault(request: request, cpuFlags: 0) != 0 {
            outcome = .failed(.fault(start + UInt64(i) << 12))
            return .stop
          }
          value = HMMPFN.error.rawValue
        } else {
          value = pte.pfn.rawValue | cpuFlags
        }
      }
      pfns[slot] = HMMPFN(rawValue: request & Self.sticky | value)
    }
    filled += entries.count
    return .continue
  }

  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
    let order: UInt64
    if let hugetlbSize {
      order = UInt64(hugetlbSize.order)
    } else {
      order = level == .pmd ? 9 : 18
    }
    let orderBits = order << HMMPFN.orderShift
    if entry.isSwap {
      if entry.swapType == .devicePrivate, let owner, system.devicePrivateOwner(of: entry.pfn) == owner {
        let cpuFlags = Self.valid | (entry.isWritable ? Self.write : 0) | orderBits
        fillLeaf(entry.pfn, level, start, end, cpuFlags)
        return .continue
      }
      if needsFault(start, end, cpuFlags: 0) != 0 {
        if entry.swapType == .migration {
          outcome = .wait(start)
          return .stop
        }
        return fault(start, end, needsFault(start, end, cpuFlags: 0))
      }
      fill(start, end, entry.swapType == .migration ? 0 : HMMPFN.error.rawValue)
      return .continue
    }
    let cpuFlags: UInt64
    if hugetlbSize != nil {
      // pte_to_hmm_pfn_flags() | hmm_pfn_flags_order(huge_page_order()); only the first
      // entry's request is checked.
      cpuFlags = (entry.isHardwarePresent ? Self.valid | (entry.isWritable ? Self.write : 0) : 0) | orderBits
      if mayFault {
        let required = needsFault(request: pfns[index(start)].rawValue, cpuFlags: cpuFlags)
        if required != 0 { return fault(start, end, required) }
      }
    } else {
      // pmd_to_hmm_pfn_flags / pud_to_hmm_pfn_flags: 0 for a PROT_NONE (NUMA-hinting) leaf.
      cpuFlags = entry.isProtNone ? 0 : Self.valid | (entry.isWritable ? Self.write : 0) | orderBits
      let required = needsFault(start, end, cpuFlags: cpuFlags)
      if required != 0 { return fault(start, end, required) }
    }
    fillLeaf(entry.pfn, level, start, end, cpuFlags)
    return .continue
  }

  /// Fills a leaf's entries with consecutive PFNs from the page `start` falls on.
  mutating func fillLeaf(_ pfn: PFN, _ level: PageTableLevel, _ start: VirtualAddress, _ end: VirtualAddress, _ cpuFlags: UInt64) {
    let span = hugetlbSize?.bytes ?? level.entrySpan
    var frame = pfn.rawValue &+ ((start.rawValue & (span - 1)) >> 12)
    let first = index(start)
    let last = index(end)
    for i in first..<last {
      pfns[i] = HMMPFN(rawValue: pfns[i].rawValue & Self.sticky | frame | cpuFlags)
      frame &+= 1
    }
    filled += last - first
  }

  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl {
    if let hugetlbSize, level == hugetlbSize.level {
      // The huge PTE exists but is empty: hugetlb_entry reports pfn 0 with the order bits.
      let orderBits = UInt64(hugetlbSize.order) << HMMPFN.orderShift
      if mayFault {
        let required = needsFault(request: pfns[index(start)].rawValue, cpuFlags: orderBits)
        if required != 0 { return fault(start, end, required) }
      }
      fill(start, end, orderBits)
      return .continue
    }
    let required = needsFault(start, end, cpuFlags: 0)
    if required != 0 { return fault(start, end, required) }
    fill(start, end, 0)
    return .continue
  }
}
