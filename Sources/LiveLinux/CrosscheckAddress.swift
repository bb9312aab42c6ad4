import MemoryModel

/// An address as a crosscheck scenario line writes it: a region name or a literal address,
/// plus the sum of its `+ SIZE` offsets (`buf`, `buf+1M+4K`, `0x7eff00000000`). The same form
/// as the scenario language's address expressions (docs/scenario-language.md).
public struct CrosscheckAddress: Hashable, Sendable, CustomStringConvertible {
  /// The region the offset is added to, or nil for a literal.
  public var region: String?
  /// The literal address (nil when the address names a region).
  public var literal: UInt64?
  /// The sum of the offsets.
  public var offset: UInt64

  /// An address relative to a region.
  public init(region: String, offset: UInt64 = 0) {
    self.region = region
    self.literal = nil
    self.offset = offset
  }

  /// A literal address.
  public init(literal: UInt64, offset: UInt64 = 0) {
    self.region = nil
    self.literal = literal
    self.offset = offset
  }

  /// `buf+1M` or `0x7eff00000000`, as the scenario wrote it (offsets summed).
  public var description: String {
    if let region { return offset == 0 ? region : "\(region)+\(formatSize(offset))" }
    return "0x" + String((literal ?? 0) &+ offset, radix: 16)
  }
}
