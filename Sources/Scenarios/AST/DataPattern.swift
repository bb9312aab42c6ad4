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
  /// Each 4-byte word holds its index plus a constant (`ptr[i] = i + c`, written `index+c`;
  /// the sum wraps at 2^32 as a C `int` store does).
  case shiftedIndex(UInt32)
  /// Every byte holds this value (`0xAB`; `zero` is `0x00`).
  case byte(UInt8)

  /// The scenario spelling: `index`, `neg-index`, `index+3` or `0xAB`.
  public var description: String {
    switch self {
    case .index: "index"
    case .negatedIndex: "neg-index"
    case .shiftedIndex(let shift): "index+\(shift)"
    case .byte(let value):
      "0x" + (value < 16 ? "0" : "") + String(value, radix: 16, uppercase: true)
    }
  }

  /// The value of the 4-byte word with index `word` (nil for byte patterns).
  public func word(_ word: UInt32) -> UInt32? {
    switch self {
    case .index: word
    case .negatedIndex: 0 &- word
    case .shiftedIndex(let shift): word &+ shift
    case .byte: nil
    }
  }

  /// The byte at `offset` bytes from the pattern's origin.
  public func byte(at offset: UInt64) -> UInt8 {
    switch self {
    case .byte(let value):
      return value
    case .index, .negatedIndex, .shiftedIndex:
      let value = word(UInt32(truncatingIfNeeded: offset / 4)) ?? 0
      return UInt8(truncatingIfNeeded: value >> (8 * UInt32(offset % 4)))
    }
  }
}
