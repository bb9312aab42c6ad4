import Foundation

/// Finding and reading scenario files.
public enum ScenarioFiles {
  /// The extension of scenario files.
  public static let fileExtension = "hmm"

  /// The scenario files `paths` name: files as given, directories replaced by the `.hmm` files
  /// under them (recursively, sorted by path). Paths that do not exist are kept, so that
  /// reading them reports the error.
  public static func expand(_ paths: [String]) -> [String] {
    var result: [String] = []
    let manager = FileManager.default
    for path in paths {
      var isDirectory: ObjCBool = false
      guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
        result.append(path)
        continue
      }
      var found: [String] = []
      // The enumerator does not descend into a symbolic link: list the link's target.
      let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
      if let enumerator = manager.enumerator(atPath: target) {
        while let relative = enumerator.nextObject() as? String {
          if relative.hasSuffix(".\(fileExtension)") {
            found.append(path.hasSuffix("/") ? path + relative : path + "/" + relative)
          }
        }
      }
      result += found.sorted()
    }
    return result
  }

  /// The bytes of the file at `path`.
  ///
  /// - Throws: a ``ScenarioDiagnostic`` at `path:1:1` when the file cannot be read.
  public static func read(_ path: String) throws(ScenarioDiagnostic) -> [UInt8] {
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    guard exists, !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
      throw ScenarioDiagnostic(
        at: SourceLocation(file: path, line: 1, column: 1),
        exists ? "cannot read '\(path)'" : "no such file '\(path)'",
        accepted: "expected the path of a readable scenario file or directory")
    }
    return [UInt8](data)
  }
}
