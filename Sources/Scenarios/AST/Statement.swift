/// One line of a scenario: its command, the text as written, and where it is.
public struct Statement: Sendable, Hashable {
  /// The command the line holds.
  public var command: Command
  /// The line's text without its comment and surrounding blanks.
  public var text: String
  /// The location of the line's first token.
  public var location: SourceLocation

  /// Creates a statement.
  public init(command: Command, text: String, location: SourceLocation) {
    self.command = command
    self.text = text
    self.location = location
  }
}
