import Foundation
import HMMKitJSON

extension DecodingError {
  /// The error as one sentence that starts with its JSON path (`.axes[1].values: …`, or `top
  /// level`), and, where the JSON itself is malformed, the parser's own description (which names
  /// the line and column). The study and sweep file readers print it after `FILE: error:`.
  public var sentence: String {
    func path(_ keys: [any CodingKey]) -> String {
      keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
    switch self {
    case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])): required field '\(key.stringValue)' is missing"
    case .typeMismatch(_, let context): return "\(path(context.codingPath)): \(context.debugDescription)"
    case .valueNotFound(_, let context): return "\(path(context.codingPath)): \(context.debugDescription)"
    case .dataCorrupted(let context):
      let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
      return "\(path(context.codingPath)): \(context.debugDescription)\(underlying.map { " (\($0))" } ?? "")"
    @unknown default: return "\(self)"
    }
  }

  /// The error as a message about the file `file` that held `data`: `FILE:LINE:COLUMN: error: …`
  /// where the text is not JSON (the position of its first syntax error), `FILE: error: PATH: …`
  /// (``sentence``) where it is JSON but not what the reader expects.
  public func message(file: String, data: Data) -> String {
    if case .dataCorrupted(let context) = self, context.codingPath.isEmpty, let syntax = JSONSyntaxError.first(in: data) {
      return "\(file):\(syntax.line):\(syntax.column): error: \(syntax.message)"
    }
    return "\(file): error: \(sentence)"
  }
}
