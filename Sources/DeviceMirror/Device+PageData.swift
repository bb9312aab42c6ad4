import HMM
import MemoryModel

/// Whole-page device accesses that keep a pattern a pattern (``MemoryModel/PageData``).
extension Device {
  /// Writes the whole 4 KiB page at `address` through the device (faulting as needed).
  /// - Precondition: `address` is 4 KiB aligned.
  public func writePage(_ address: VirtualAddress, _ data: PageData) throws(HMMError) {
    precondition(address.isAligned(to: 4096), "whole-page writes start at a page")
    guard let memory = mirroredSpace?.system.memory else { throw .fault(address) }
    let pfn = try access(address, write: true)
    memory.setPage(pfn, data)
  }

  /// Reads the whole 4 KiB page at `address` through the device (faulting as needed).
  /// - Precondition: `address` is 4 KiB aligned.
  public func readPage(_ address: VirtualAddress) throws(HMMError) -> PageData {
    precondition(address.isAligned(to: 4096), "whole-page reads start at a page")
    guard let memory = mirroredSpace?.system.memory else { throw .fault(address) }
    return memory.page(try access(address, write: false))
  }
}

extension Device {
  /// The device mappings that overlap `[start, end)`, found in the page table (not by filtering
  /// every mapping).
  public func deviceMappings(overlapping start: VirtualAddress, _ end: VirtualAddress) -> [DeviceMapping] {
    var result: [DeviceMapping] = []
    pageTable.forEachMapping(overlapping: start, end) { result.append($0) }
    return result
  }
}
