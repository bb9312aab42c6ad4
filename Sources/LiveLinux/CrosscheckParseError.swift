/// A scenario line the crosscheck reader does not understand: `file:line: error: message`.
///
/// `hmmkit crosscheck` checks every file with the scenario language's own parser first, so this
/// error means a form the crosscheck does not know yet, not a malformed file.
public struct CrosscheckParseError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The file name.
  public var file: String
  /// The line number (from 1).
  public var line: Int
  /// What is wrong.
  public var message: String

  /// Creates an error.
  public init(file: String, line: Int, message: String) {
    self.file = file
    self.line = line
    self.message = message
  }

  /// `file:line: error: message`.
  public var description: String { "\(file):\(line): error: \(message)" }
}
