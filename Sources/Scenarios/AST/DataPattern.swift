/// Data written or expected by CPU accesses and file writes.
///
/// Index patterns count 4-byte little-endian words from the start of the region the address
/// names (`buf` in `buf+1M`), or from the access's own start for a literal address or a file
/// offset 0, so that `write buf 4M pattern=index` followed by `read buf+1M 4K expect=index`
/// checks `ptr[i] == i` as hmm-tests does.
public enum DataPattern: Sendable, Hashable, CustomStringConvertible {
  /// Each 4-byte word holds its index (`ptr[i] = i`).
  case index
  /// Each 4-byte word holds the negation of its index (`ptr[i] = -i`).
  case negatedIndex
  /// Every byte holds this value (`0xAB`; `zero` is `0x00`).
  case byte(UInt8)

  /// The scenario spelling: `index`, `neg-index` or `0xAB`.
  public var description: String {
    switch self {
    case .index: "index"
    case .negatedIndex: "neg-index"
    case .byte(let value):
      "0x" + (value < 16 ? "0" : "") + String(value, radix: 16, uppercase: true)
    }
  }

  /// The byte at `offset` bytes from the pattern's origin.
  public func byte(at offset: UInt64) -> UInt8 {
    switch self {
    case .byte(let value):
      return value
    case .index, .negatedIndex:
      let word = UInt32(truncatingIfNeeded: offset / 4)
      let value = self == .index ? word : 0 &- word
      return UInt8(truncatingIfNeeded: value >> (8 * UInt32(offset % 4)))
    }
  }
}
