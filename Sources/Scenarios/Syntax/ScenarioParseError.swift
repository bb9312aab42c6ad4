/// The errors that made a scenario file unusable; a file with any of them runs nothing.
public struct ScenarioParseError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The diagnostics in file order (at most ``ScenarioParser/maximumDiagnostics``, then one that
  /// says more were left out).
  public var diagnostics: [ScenarioDiagnostic]

  /// Creates an error from its diagnostics.
  public init(diagnostics: [ScenarioDiagnostic]) {
    self.diagnostics = diagnostics
  }

  /// The diagnostics, one a line.
  public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
