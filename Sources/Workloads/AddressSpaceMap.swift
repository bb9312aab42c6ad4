/// How the CPU and a device map each 2 MiB of a run's regions at its end.
public struct AddressSpaceMap: Hashable, Sendable, Codable {
  /// How the CPU maps one 2 MiB block.
  public enum CPUState: String, Hashable, Sendable, Codable, CaseIterable {
    /// One PMD leaf (a THP or the huge zero page).
    case pmd
    /// PTEs of small folios.
    case pte
    /// PTEs mapping (some) pages of large folios: a split THP, or mTHP.
    case pteLargeFolio = "pte-large-folio"
    /// Device-private (or exclusive) entries: the data lives on a device.
    case device
    /// Nothing present.
    case none
  }

  /// One 2 MiB block.
  public struct Block: Hashable, Sendable, Codable {
    /// Its address.
    public var address: UInt64
    /// The CPU's mapping.
    public var cpu: CPUState
    /// The device's largest mapping in the block (`2M`, `64K`, `4K`, `1G`), or `none`.
    public var device: String
  }

  /// The blocks, by address.
  public var blocks: [Block] = []

  /// An empty map.
  public init() {}
}
