import Foundation

extension SweepSpec {
  /// Reads and checks the sweep file at `path`.
  /// - Throws: ``SweepError`` as `FILE: error: FIELD: what is wrong`.
  public static func load(path: String) throws(SweepError) -> SweepSpec {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SweepError("\(path): error: cannot read the sweep file")
    }
    return try parse(data, file: path)
  }

  /// Parses and checks a sweep file's text; `file` names it in errors.
  /// - Throws: ``SweepError`` as `FILE: error: FIELD: what is wrong`.
  public static func parse(_ data: Data, file: String) throws(SweepError) -> SweepSpec {
    let spec: SweepSpec
    do {
      spec = try JSONDecoder().decode(SweepSpec.self, from: data)
    } catch let error as DecodingError {
      throw SweepError("\(file): error: \(describe(error))")
    } catch {
      throw SweepError("\(file): error: \(error.localizedDescription)")
    }
    let problems = spec.problems()
    guard problems.isEmpty else { throw SweepError(problems.map { "\(file): error: \($0)" }.joined(separator: "\n")) }
    return spec
  }

  /// A decoding error as a sentence with its JSON path (`.axes[1].values: …`), and the line and
  /// column where the JSON itself is malformed.
  static func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
      keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
    switch error {
    case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])): required field '\(key.stringValue)' is missing"
    case .typeMismatch(_, let context): return "\(path(context.codingPath)): \(context.debugDescription)"
    case .valueNotFound(_, let context): return "\(path(context.codingPath)): \(context.debugDescription)"
    case .dataCorrupted(let context):
      let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
      return "\(path(context.codingPath)): \(context.debugDescription)\(underlying.map { " (\($0))" } ?? "")"
    @unknown default: return "\(error)"
    }
  }
}
