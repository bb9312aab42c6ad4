import HMM
import MemoryModel

extension Device {
  /// Programs the device page table with the policy's mappings for one `hmm_range_fault()`
  /// result, counting them by size: a built-in policy appends them to a buffer kept from fault
  /// to fault; any other policy returns its array.
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
    // Nothing else touches the buffer while the table is programmed (map calls no device code).
    mappingBuffer.removeAll(keepingCapacity: true)
    builtInPolicy.appendMappings(for: pfns, start: start, sizes: pageSizes, into: &mappingBuffer)
    mappingBuffer.withUnsafeBufferPointer { mappings in
      table.map(mappings)
      for mapping in mappings { counters.created[mapping.size] += 1 }
    }
  }
}
