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
      throw SweepError(error.message(file: file, data: data))
    } catch {
      throw SweepError("\(file): error: \(error.localizedDescription)")
    }
    let problems = spec.problems()
    guard problems.isEmpty else { throw SweepError(problems.map { "\(file): error: \($0)" }.joined(separator: "\n")) }
    return spec
  }

  /// A decoding error as a sentence with its JSON path (`.axes[1].values: …`), and the line and
  /// column where the JSON itself is malformed.
  static func describe(_ error: DecodingError) -> String { error.sentence }
}
