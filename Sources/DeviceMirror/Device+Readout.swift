import HMM
import MemoryModel

/// Reads that keep the pages they read (``DeviceReadout``) instead of copying their bytes.
extension Device {
  /// Reads `count` bytes at `address` through the device exactly as ``read(_:count:)`` does
  /// (the same accesses, faults, TLB and counters), keeping each page's contents instead of
  /// copying its bytes.
  /// - Parameters:
  ///   - address: the first byte.
  ///   - count: how many bytes.
  /// - Returns: the pages read; their bytes are what ``read(_:count:)`` returns.
  /// - Throws: the `HMMError` of the first access that could not be resolved.
  public func readout(_ address: VirtualAddress, count: Int) throws(HMMError) -> DeviceReadout {
    guard let memory = mirroredSpace?.system.memory else { throw .fault(address) }
    let offset = Int(address.rawValue & 4095)
    guard count > 0 else { return DeviceReadout(offset: offset, count: 0, pages: []) }
    let touched = Self.pagesTouched(address, UInt64(count))
    var pages: [PageData] = []
    pages.reserveCapacity(touched)
    try accessPages(from: address, pages: touched, write: false) { _, pfn, n in
      for i in 0..<n { pages.append(memory.page(pfn + UInt64(i))) }
      return n
    }
    return DeviceReadout(offset: offset, count: count, pages: pages)
  }
}
