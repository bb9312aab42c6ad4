import HMM
import MemoryModel

extension Device {
  /// Programs the device page table with the policy's mappings for one `hmm_range_fault()`
  /// result, counting them by size: a built-in policy commits them run by run (a run of 4 KiB
  /// mappings straight into the table's slots, others through a buffer kept from fault to
  /// fault); any other policy returns its array.
  func commitMappings(_ pfns: [HMMPFN], start: VirtualAddress, memory: PhysicalMemory) {
    let table = pageTable
    guard let builtInPolicy else {
      for mapping in policy.mappings(for: pfns, start: start, sizes: pageSizes, memory: memory) {
        table.map(mapping)
        counters.created[mapping.size] += 1
      }
      return
    }
    if pfns.count == 1 {
      // A one-page window (one fault per page): every built-in policy maps a valid entry with one
      // 4 KiB mapping (a run of one page has room for nothing larger), and nothing else (the
      // buffer, scratch space, is not needed for it).
      let entry = pfns[0]
      guard entry.isValid else { return }
      let mapping = DeviceMapping(start: start, size: .size4K, pfn: entry.pfn, isWritable: entry.isWritable)
      if !table.mapIntoCachedEmptySlot(mapping) { table.map(mapping) }
      counters.created[.size4K] += 1
      return
    }
    // Run by run, in the order the policy's mappings come: a run the policy maps as 4 KiB pages
    // only goes straight into the table's slots (no mapping built); any other run's mappings go
    // through the buffer. The table ends as mapping the policy's whole list in order leaves it.
    switch builtInPolicy {
    case .base:
      // One 4 KiB mapping per valid entry, in order: runs of entries with consecutive frames
      // and one permission committed at once.
      pfns.withUnsafeBufferPointer { entries in
        var i = 0
        let count = entries.count
        while i < count {
          let entry = entries[i]
          guard entry.isValid else {
            i += 1
            continue
          }
          let writable = entry.isWritable
          var j = i + 1
          while j < count, entries[j].isValid, entries[j].isWritable == writable,
            entries[j].pfn.rawValue == entry.pfn.rawValue &+ UInt64(j - i) {
            j += 1
          }
          table.map4KRun(start: start + UInt64(i) << 12, pfn: entry.pfn, count: j - i, writable: writable)
          counters.created[.size4K] += j - i
          i = j
        }
      }
    case .mapOrder:
      HMM.forEachRunByMapOrder(pfns, start: start) { run in
        if run.flags.isValid { commitRun(run, maxOrder: run.order, policy: MapOrderPolicy()) }
      }
    case .scan:
      HMM.forEachRunByScanning(pfns, start: start) { run in
        if run.flags.isValid { commitRun(run, maxOrder: 18, policy: ScanPolicy()) }
      }
    }
  }

  /// Programs the mappings `policy` covers the valid `run` with (``BuiltInPolicy/cover(_:maxOrder:sizes:policy:into:)``),
  /// counting them: its pages as one run of 4 KiB mappings when the policy picks no larger
  /// size in it, else the mappings through ``mappingBuffer``.
  @inline(__always)
  private func commitRun(_ run: HMMRun, maxOrder: Int, policy: some MappingPolicy) {
    let table = pageTable
    if !BuiltInPolicy.mayCoverLarger(run, maxOrder: maxOrder, sizes: pageSizes) {
      table.map4KRun(start: run.start, pfn: run.pfn, count: run.pageCount, writable: run.flags.isWritable)
      counters.created[.size4K] += run.pageCount
      return
    }
    // Nothing else touches the buffer while the table is programmed (map calls no device code).
    mappingBuffer.removeAll(keepingCapacity: true)
    policy.cover(run, maxOrder: maxOrder, sizes: pageSizes, into: &mappingBuffer)
    mappingBuffer.withUnsafeBufferPointer { mappings in
      table.map(mappings)
      for mapping in mappings { counters.created[mapping.size] += 1 }
    }
  }
}
