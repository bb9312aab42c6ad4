/// The page sizes x86-64 hardware maps: 4 KiB PTEs, 2 MiB PMD leaves and 1 GiB PUD leaves.
public enum PageSize: Int, CaseIterable, Comparable, Hashable, Sendable, CustomStringConvertible {
  /// 4 KiB, a PTE (order 0).
  case size4K = 0
  /// 2 MiB, a PMD leaf (order 9).
  case size2M = 9
  /// 1 GiB, a PUD leaf (order 18).
  case size1G = 18

  /// log2 of the base page size.
  public static let shift4K: UInt64 = 12
  /// Bytes in a base page.
  public static let bytes4K: UInt64 = 4096

  /// The order: log2 of the number of base pages.
  @inlinable public var order: Int { rawValue }
  /// The size in bytes.
  @inlinable public var bytes: UInt64 { PageSize.bytes4K << UInt64(rawValue) }
  /// The number of 4 KiB pages.
  @inlinable public var pageCount: Int { 1 << rawValue }
  /// The page-table level whose leaf maps this size.
  public var level: PageTableLevel {
    switch self {
    case .size4K: .pte
    case .size2M: .pmd
    case .size1G: .pud
    }
  }

  /// Creates a page size from an order (0, 9 or 18).
  public init?(order: Int) { self.init(rawValue: order) }

  /// Creates a page size from a byte count (4096, 2 MiB or 1 GiB).
  public init?(bytes: UInt64) {
    switch bytes {
    case 4096: self = .size4K
    case 2 << 20: self = .size2M
    case 1 << 30: self = .size1G
    default: return nil
    }
  }

  /// Orders by size.
  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

  /// `4K`, `2M` or `1G`.
  public var description: String {
    switch self {
    case .size4K: "4K"
    case .size2M: "2M"
    case .size1G: "1G"
    }
  }
}

/// A level of the x86-64 4-level page table.
public enum PageTableLevel: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// Page table entries: each maps 4 KiB.
  case pte = 0
  /// Page middle directory: each entry maps 2 MiB or points to a PTE table.
  case pmd = 1
  /// Page upper directory: each entry maps 1 GiB or points to a PMD table.
  case pud = 2
  /// Page global directory: the root; each entry covers 512 GiB.
  case pgd = 3

  /// The bit position of this level's index in a virtual address (12, 21, 30, 39).
  @inlinable public var shift: UInt64 { 12 + 9 * UInt64(rawValue) }
  /// The bytes one entry at this level covers.
  @inlinable public var entrySpan: UInt64 { 1 << shift }
  /// The next level towards the leaves, or nil for PTE.
  @inlinable public var child: PageTableLevel? { PageTableLevel(rawValue: rawValue - 1) }
  /// The page size of a leaf at this level, if this level can hold leaves.
  public var leafSize: PageSize? {
    switch self {
    case .pte: .size4K
    case .pmd: .size2M
    case .pud: .size1G
    case .pgd: nil
    }
  }
  /// `PTE`, `PMD`, `PUD` or `PGD`.
  public var description: String {
    switch self {
    case .pte: "PTE"
    case .pmd: "PMD"
    case .pud: "PUD"
    case .pgd: "PGD"
    }
  }
}

/// Byte-size helpers.
extension UInt64 {
  /// `n` KiB.
  @inlinable public static func kib(_ n: UInt64) -> UInt64 { n << 10 }
  /// `n` MiB.
  @inlinable public static func mib(_ n: UInt64) -> UInt64 { n << 20 }
  /// `n` GiB.
  @inlinable public static func gib(_ n: UInt64) -> UInt64 { n << 30 }
}

/// Formats a byte count the way the scenario language writes sizes (`4K`, `2M`, `1G`, or bytes).
public func formatSize(_ bytes: UInt64) -> String {
  if bytes != 0 && bytes % (1 << 30) == 0 { return "\(bytes >> 30)G" }
  if bytes != 0 && bytes % (1 << 20) == 0 { return "\(bytes >> 20)M" }
  if bytes != 0 && bytes % (1 << 10) == 0 { return "\(bytes >> 10)K" }
  return "\(bytes)"
}
