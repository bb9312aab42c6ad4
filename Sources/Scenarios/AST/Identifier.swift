/// A name written in a scenario (a process, region, file or device) and where it was written.
public struct Identifier: Sendable, Hashable, CustomStringConvertible {
  /// The name.
  public var name: String
  /// Where it was written.
  public var location: SourceLocation

  /// Creates an identifier.
  public init(_ name: String, at location: SourceLocation) {
    self.name = name
    self.location = location
  }

  /// The name.
  public var description: String { name }
}
