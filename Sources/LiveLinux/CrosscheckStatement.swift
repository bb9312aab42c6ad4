/// One line of a crosscheck scenario: what it asks for, its text and its line number.
public struct CrosscheckStatement: Hashable, Sendable {
  /// What the line asks for.
  public var operation: CrosscheckOperation
  /// The line's text without its comment and surrounding blanks.
  public var text: String
  /// The line number (from 1).
  public var line: Int

  /// Creates a statement.
  public init(operation: CrosscheckOperation, text: String, line: Int) {
    self.operation = operation
    self.text = text
    self.line = line
  }
}
