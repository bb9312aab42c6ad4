/// A position in a scenario file: the file's name, a 1-based line and a 1-based column.
///
/// Columns count bytes of the line (scenario files are ASCII outside comments).
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The file's name as given to the parser (usually the path passed on the command line).
  public var file: String
  /// The 1-based line number.
  public var line: Int
  /// The 1-based column (a byte offset into the line, plus one).
  public var column: Int

  /// Creates a location.
  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// `file:line:column`, the form compilers use.
  public var description: String { "\(file):\(line):\(column)" }

  /// Orders locations by file name, then line, then column.
  public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
    (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
  }
}
