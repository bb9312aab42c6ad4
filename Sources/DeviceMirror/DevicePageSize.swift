import MemoryModel

/// A page size a device MMU can map: 4 KiB, 64 KiB, 2 MiB or 1 GiB, named by its order.
public enum DevicePageSize: Int, CaseIterable, Comparable, Hashable, Sendable, CustomStringConvertible {
  /// 4 KiB (order 0).
  case size4K = 0
  /// 64 KiB (order 4), as NVIDIA, Intel Xe and ARM SMMUs offer.
  case size64K = 4
  /// 2 MiB (order 9).
  case size2M = 9
  /// 1 GiB (order 18).
  case size1G = 18

  /// The order: log2 of the number of 4 KiB pages.
  @inlinable public var order: Int { rawValue }
  /// Bytes.
  @inlinable public var bytes: UInt64 { 4096 << UInt64(rawValue) }
  /// 4 KiB pages covered.
  @inlinable public var pageCount: Int { 1 << rawValue }

  /// Orders by size.
  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

  /// `4K`, `64K`, `2M`, `1G`.
  public var description: String { formatSize(bytes) }

  /// Parses `4K`, `64K`, `2M`, `1G`.
  public init?(parsing text: String) {
    guard let size = Self.allCases.first(where: { $0.description == text.uppercased() }) else { return nil }
    self = size
  }
}

/// A ladder of device page sizes, with presets for real devices.
public struct DevicePageSizes: Hashable, Sendable, CustomStringConvertible {
  /// The sizes, smallest first (always including 4K).
  public let sizes: [DevicePageSize]

  /// A ladder from any set of sizes; 4K is always added.
  public init(_ sizes: Set<DevicePageSize>) {
    self.sizes = sizes.union([.size4K]).sorted()
  }

  /// NVIDIA-like: 4K, 64K, 2M.
  public static let nvidia = DevicePageSizes([.size4K, .size64K, .size2M])
  /// Intel-Xe-like: 4K, 64K, 2M, 1G.
  public static let xe = DevicePageSizes([.size4K, .size64K, .size2M, .size1G])
  /// AMD-like: 4K, 2M.
  public static let amd = DevicePageSizes([.size4K, .size2M])
  /// 4K only.
  public static let base = DevicePageSizes([.size4K])

  /// The largest size on the ladder no larger than `order`.
  public func largest(atMostOrder order: Int) -> DevicePageSize {
    sizes.last { $0.order <= order } ?? .size4K
  }

  /// `4K,64K,2M`.
  public var description: String { sizes.map(\.description).joined(separator: ",") }
}
