import Scenarios

/// One line of a crosscheck scenario: what it asks for, its text and its line number (internal).
struct CrosscheckStatement: Hashable, Sendable {
  /// What the line asks for.
  var operation: CrosscheckOperation
  /// The line's text without its comment and surrounding blanks.
  var text: String
  /// The line number (from 1).
  var line: Int

  /// Creates a statement.
  init(operation: CrosscheckOperation, text: String, line: Int) {
    self.operation = operation
    self.text = text
    self.line = line
  }

  /// The statements of a parsed scenario, with their operations.
  static func statements(of scenario: Scenario) -> [CrosscheckStatement] {
    scenario.statements.map {
      CrosscheckStatement(operation: CrosscheckOperation($0.command), text: $0.text, line: $0.location.line)
    }
  }
}
