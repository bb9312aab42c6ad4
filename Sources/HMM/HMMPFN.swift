import MemoryModel

/// One entry of `hmm_range_fault()`'s output array (`range->hmm_pfns[i]`), in Linux's exact
/// 64-bit layout, so that values can be compared with the kernel's.
///
/// ```
///  63    62    61    60        59      58          57..53   52 ........................ 0
/// +-----+-----+-----+---------+-------+-----------+--------+-----------------------------+
/// |VALID|WRITE|ERROR|DMA_MAPPD|P2PDMA |P2PDMA_BUS | order  |             PFN             |
/// +-----+-----+-----+---------+-------+-----------+--------+-----------------------------+
/// ```
/// On input, bit 63 is `HMM_PFN_REQ_FAULT` and bit 62 `HMM_PFN_REQ_WRITE`. Bits 60–58 are sticky:
/// `hmm_range_fault()` carries them from input to output unchanged.
@frozen
public struct HMMPFN: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  /// The raw 64-bit value.
  public var rawValue: UInt64
  /// Wraps a raw value.
  @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

  /// `HMM_PFN_VALID`, bit 63: the PFN is valid and at least readable.
  public static let valid = HMMPFN(rawValue: 1 << 63)
  /// `HMM_PFN_WRITE`, bit 62: the page can be written.
  public static let write = HMMPFN(rawValue: 1 << 62)
  /// `HMM_PFN_ERROR`, bit 61: accessing the page is impossible; the device should fail.
  public static let error = HMMPFN(rawValue: 1 << 61)
  /// `HMM_PFN_DMA_MAPPED`, bit 60 (sticky).
  public static let dmaMapped = HMMPFN(rawValue: 1 << 60)
  /// `HMM_PFN_P2PDMA`, bit 59 (sticky).
  public static let p2pdma = HMMPFN(rawValue: 1 << 59)
  /// `HMM_PFN_P2PDMA_BUS`, bit 58 (sticky).
  public static let p2pdmaBus = HMMPFN(rawValue: 1 << 58)
  /// `HMM_PFN_REQ_FAULT` (input): the output must be VALID or `hmm_range_fault()` fails.
  public static let requestFault = valid
  /// `HMM_PFN_REQ_WRITE` (input): the output must be WRITE; only meaningful with `requestFault`.
  public static let requestWrite = write
  /// `HMM_PFN_ORDER_SHIFT`: the order field starts at bit 53.
  public static let orderShift: UInt64 = 53
  /// `HMM_PFN_FLAGS`: every bit from the order field up.
  public static let flagsMask: UInt64 = ~((1 << 53) - 1)
  /// `HMM_PFN_INOUT_FLAGS`: the sticky bits.
  public static let inOutFlags: UInt64 = (1 << 60) | (1 << 59) | (1 << 58)
  /// The empty entry: on input "report the state, do not fault"; on output "not present, a
  /// future call with REQ_FAULT could succeed".
  public static let none = HMMPFN(rawValue: 0)

  /// An output entry for `pfn` with the given flags and map order.
  @inlinable public init(pfn: PFN, flags: HMMPFN, order: Int = 0) {
    rawValue = pfn.rawValue | flags.rawValue | (UInt64(order) << Self.orderShift)
  }

  /// `hmm_pfn_flags_order(order)`: the order field for `order`.
  @inlinable public static func order(_ order: Int) -> HMMPFN { HMMPFN(rawValue: UInt64(order) << orderShift) }

  /// Whether VALID is set.
  @inlinable public var isValid: Bool { rawValue & Self.valid.rawValue != 0 }
  /// Whether WRITE is set.
  @inlinable public var isWritable: Bool { rawValue & Self.write.rawValue != 0 }
  /// Whether ERROR is set.
  @inlinable public var isError: Bool { rawValue & Self.error.rawValue != 0 }
  /// `hmm_pfn_to_map_order()`: the order of the CPU mapping (0 for 4 KiB, 9 for 2 MiB, 18 for
  /// 1 GiB). Only meaningful on VALID entries.
  @inlinable public var mapOrder: Int { Int((rawValue >> Self.orderShift) & 0x1F) }
  /// The PFN field (`hmm_pfn & ~HMM_PFN_FLAGS`). Only meaningful on VALID entries.
  @inlinable public var pfn: PFN { PFN(rawValue & ~Self.flagsMask) }
  /// The flag bits without the order and the PFN.
  @inlinable public var flags: HMMPFN { HMMPFN(rawValue: rawValue & 0xFC00_0000_0000_0000) }

  /// Whether every bit of `other` is set.
  @inlinable public func contains(_ other: HMMPFN) -> Bool { rawValue & other.rawValue == other.rawValue }
  /// The union of two values.
  @inlinable public static func | (lhs: HMMPFN, rhs: HMMPFN) -> HMMPFN { HMMPFN(rawValue: lhs.rawValue | rhs.rawValue) }

  /// `0x…` followed by the decoded fields, e.g. `0xc120000000012345 (valid write order=9 pfn=0x12345)`.
  public var description: String {
    var parts: [String] = []
    if isValid { parts.append("valid") }
    if isWritable { parts.append("write") }
    if isError { parts.append("error") }
    if contains(.dmaMapped) { parts.append("dma-mapped") }
    if contains(.p2pdma) { parts.append("p2pdma") }
    if contains(.p2pdmaBus) { parts.append("p2pdma-bus") }
    if mapOrder != 0 { parts.append("order=\(mapOrder)") }
    if pfn.rawValue != 0 { parts.append("pfn=\(pfn)") }
    return "0x" + String(rawValue, radix: 16) + " (" + (parts.isEmpty ? "none" : parts.joined(separator: " ")) + ")"
  }
}

extension HMMPFN: ExpressibleByArrayLiteral {
  /// The union of flags: `[.requestFault, .requestWrite]`.
  @inlinable public init(arrayLiteral elements: HMMPFN...) {
    var raw: UInt64 = 0
    for element in elements { raw |= element.rawValue }
    rawValue = raw
  }
}
