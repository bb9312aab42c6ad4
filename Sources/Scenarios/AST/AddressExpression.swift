/// A virtual address as a scenario writes it: a region name or a literal, plus offsets
/// (`buf`, `buf+1M`, `buf+1M+0x1000`, `0x7f0000000000`).
///
/// The offsets are summed (with overflow checks) when the line is parsed; the region's start
/// address is added when the scenario runs.
public struct AddressExpression: Sendable, Hashable, CustomStringConvertible {
  /// What the offset is added to.
  public var base: Base
  /// The sum of all `+ SIZE` terms.
  public var offset: UInt64
  /// Where the expression starts.
  public var location: SourceLocation

  /// Creates an address expression.
  public init(base: Base, offset: UInt64 = 0, at location: SourceLocation) {
    self.base = base
    self.offset = offset
    self.location = location
  }

  /// The region the address is relative to, if any.
  public var region: Identifier? {
    if case .region(let name) = base { return name }
    return nil
  }

  /// The expression in canonical form: `buf+0x100000` or `0x7f0000000000`.
  public var description: String {
    switch base {
    case .region(let name):
      return offset == 0 ? name.name : "\(name.name)+\(SizeFormatter.string(offset))"
    case .literal(let value):
      let (sum, _) = value.addingReportingOverflow(offset)
      return "0x" + String(sum, radix: 16)
    }
  }
}
