/// A parsed and checked scenario file: its statements in order.
///
/// Produce one with ``ScenarioParser``; run it with ``ScenarioRunner``.
public struct Scenario: Sendable, Hashable {
  /// The file name used in locations.
  public var file: String
  /// The statements, one per non-empty line, in file order.
  public var statements: [Statement]
  /// The `#> at` and `#> loop` directives (empty for most files).
  public var directives = InterleavingDirectives()

  /// Creates a scenario.
  public init(file: String, statements: [Statement]) {
    self.file = file
    self.statements = statements
  }
}
