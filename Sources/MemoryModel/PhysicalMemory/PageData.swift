/// The contents of one 4 KiB page, kept as the pattern it is where it is one: a page of one
/// byte value, or 1024 little-endian 32-bit words counting from a base. Only a page that is
/// partly overwritten is expanded to its bytes, so writing a pattern over 16 GiB costs a few
/// bytes a page of host memory, not 4 KiB.
public enum PageData: Sendable, Hashable {
  /// Every byte holds the value (`.filled(0)` is a zero page).
  case filled(UInt8)
  /// Word `k` (bytes `4k..<4k+4`, little-endian) holds `first &+ step &* k`: `ptr[i] = i` from
  /// some base has step 1, `ptr[i] = -i` step `0xFFFFFFFF`.
  case words(first: UInt32, step: UInt32)
  /// Any 4096 bytes.
  case bytes([UInt8])

  /// A page of zeros.
  public static let zero = PageData.filled(0)

  /// The byte at `offset` (0..<4096).
  public func byte(at offset: Int) -> UInt8 {
    switch self {
    case .filled(let value): return value
    case .words(let first, let step):
      let word = first &+ step &* UInt32(offset / 4)
      return UInt8(truncatingIfNeeded: word >> (8 * UInt32(offset % 4)))
    case .bytes(let bytes): return bytes[offset]
    }
  }

  /// Appends bytes `offset..<offset + count` of the page to `buffer`.
  public func append(_ offset: Int, _ count: Int, to buffer: inout [UInt8]) {
    switch self {
    case .filled(let value): buffer.append(contentsOf: repeatElement(value, count: count))
    case .bytes(let bytes): buffer.append(contentsOf: bytes[offset..<(offset + count)])
    case .words:
      if offset == 0 && count == 4096 {
        buffer.append(contentsOf: expanded)
      } else {
        for i in offset..<(offset + count) { buffer.append(byte(at: i)) }
      }
    }
  }

  /// The page's 4096 bytes.
  public var expanded: [UInt8] {
    switch self {
    case .filled(let value): return [UInt8](repeating: value, count: 4096)
    case .bytes(let bytes): return bytes
    case .words(let first, let step):
      var bytes = [UInt8](repeating: 0, count: 4096)
      bytes.withUnsafeMutableBytes { raw in
        for k in 0..<1024 { raw.storeBytes(of: (first &+ step &* UInt32(k)).littleEndian, toByteOffset: 4 * k, as: UInt32.self) }
      }
      return bytes
    }
  }

  /// Whether two pages hold the same bytes, whatever their representation.
  public func sameBytes(as other: PageData) -> Bool {
    if self == other { return true }
    switch (self, other) {
    case (.filled, .filled), (.words, .words): return false
    default: return expanded == other.expanded
    }
  }
}
