import HMM
import MemoryModel

extension Device {
  /// Programs the device page table with the policy's mappings for one `hmm_range_fault()`
  /// result, counting them by size: a built-in policy appends them to a buffer kept from fault
  /// to fault; any other policy returns its array.
  func commitMappings(_ pfns: [HMMPFN], start: VirtualAddress, memory: PhysicalMemory) {
    var buffer: [DeviceMapping] = []
    if let builtInPolicy {
      swap(&buffer, &mappingBuffer)
      buffer.removeAll(keepingCapacity: true)
      builtInPolicy.appendMappings(for: pfns, start: start, sizes: pageSizes, into: &buffer)
    } else {
      buffer = policy.mappings(for: pfns, start: start, sizes: pageSizes, memory: memory)
    }
    let table = pageTable
    buffer.withUnsafeBufferPointer { mappings in
      for mapping in mappings {
        table.map(mapping)
        counters.created[mapping.size] += 1
      }
    }
    if builtInPolicy != nil { swap(&buffer, &mappingBuffer) }
  }
}
