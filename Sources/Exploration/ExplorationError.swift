import Scenarios

/// Why a scenario cannot be explored: each names the file, line and column and what to do.
public struct ExplorationError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The diagnostics, in file order.
  public var diagnostics: [String]

  /// An error with one diagnostic at `location`.
  public init(at location: SourceLocation, _ problem: String) {
    diagnostics = ["\(location): error: \(problem)"]
  }

  /// The parser's errors.
  public init(_ error: ScenarioParseError) {
    diagnostics = error.diagnostics.map(\.description)
  }

  /// The diagnostics, one a line.
  public var description: String { diagnostics.joined(separator: "\n") }
}
