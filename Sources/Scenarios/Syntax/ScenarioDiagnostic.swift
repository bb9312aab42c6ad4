/// One error found in a scenario file: where it is, what is wrong, and what would be accepted.
///
/// Printed as `file:line:column: error: <what is wrong>; <what would be accepted>`.
public struct ScenarioDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
  /// Where the problem starts.
  public var location: SourceLocation
  /// What is wrong, as a sentence fragment without a final period.
  public var problem: String
  /// What would be accepted instead, as a sentence fragment without a final period.
  public var accepted: String

  /// Creates a diagnostic.
  public init(at location: SourceLocation, _ problem: String, accepted: String) {
    self.location = location
    self.problem = problem
    self.accepted = accepted
  }

  /// The diagnostic in the form `file:line:column: error: <what is wrong>; <what would be accepted>`.
  public var description: String { "\(location): error: \(problem); \(accepted)" }
}
