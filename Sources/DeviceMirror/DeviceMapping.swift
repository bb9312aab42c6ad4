import MemoryModel

/// One entry of a device page table: `size` bytes at `start` mapping consecutive frames from
/// `pfn`, read-only or writable.
public struct DeviceMapping: Hashable, Sendable, CustomStringConvertible {
  /// The first address (aligned to `size`).
  public var start: VirtualAddress
  /// The device page size.
  public var size: DevicePageSize
  /// The frame of the first 4 KiB page.
  public var pfn: PFN
  /// Whether the device may write through it.
  public var isWritable: Bool

  /// Creates a mapping.
  public init(start: VirtualAddress, size: DevicePageSize, pfn: PFN, isWritable: Bool) {
    self.start = start
    self.size = size
    self.pfn = pfn
    self.isWritable = isWritable
  }

  /// One past the last address.
  public var end: VirtualAddress { start + size.bytes }
  /// Whether the mapping covers `address`.
  public func contains(_ address: VirtualAddress) -> Bool { start <= address && address < end }
  /// The frame `address` translates to.
  public func pfn(for address: VirtualAddress) -> PFN { pfn + ((address - start) >> 12) }

  /// `0x…-0x… 2M pfn=0x… write`.
  public var description: String { "\(start)-\(end) \(size) pfn=\(pfn) \(isWritable ? "write" : "read")" }
}
