import Foundation

/// Checks the documented shape of a diagnostic: `file:line:column: error: <what>; <accepted>`.
enum DiagnosticShape {
  /// Whether `text` has the shape, with positive line and column numbers.
  static func matches(_ text: String) -> Bool {
    guard let range = text.range(of: ": error: ") else { return false }
    let location = text[..<range.lowerBound].split(separator: ":", omittingEmptySubsequences: false)
    guard location.count >= 3,
      let line = Int(location[location.count - 2]), line > 0,
      let column = Int(location[location.count - 1]), column > 0
    else { return false }
    let message = text[range.upperBound...]
    guard let semicolon = message.range(of: "; ") else { return false }
    return !message[..<semicolon.lowerBound].isEmpty && !message[semicolon.upperBound...].isEmpty
  }
}
