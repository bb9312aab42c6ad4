/// A range of virtual addresses as a scenario writes it: an address and a size in bytes
/// (`buf+1M 4K`).
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
  /// The first address.
  public var address: AddressExpression
  /// The length in bytes.
  public var size: UInt64

  /// Creates a range.
  public init(address: AddressExpression, size: UInt64) {
    self.address = address
    self.size = size
  }

  /// `ADDRESS SIZE` in canonical form.
  public var description: String { "\(address) \(SizeFormatter.string(size))" }
}
