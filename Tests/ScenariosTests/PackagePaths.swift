import Foundation

/// Paths inside the package, found from this file's location.
enum PackagePaths {
  /// The package root (the folder holding `Package.swift`).
  static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  /// Every `.hmm` file under `Scenarios/`, relative to the root, sorted.
  static let scenarioFiles: [String] = {
    ScenarioFilesForTests.expand(root + "/Scenarios").map { String($0.dropFirst(root.count + 1)) }
  }()

  /// The contents of a file relative to the root.
  static func contents(_ relativePath: String) -> String? {
    try? String(contentsOfFile: root + "/" + relativePath, encoding: .utf8)
  }
}

/// The `.hmm` files under a folder, sorted (kept apart from the library's own expansion so
/// that a bug there cannot hide scenario files from the tests).
enum ScenarioFilesForTests {
  static func expand(_ folder: String) -> [String] {
    let target = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
    guard let enumerator = FileManager.default.enumerator(atPath: target) else { return [] }
    var result: [String] = []
    while let relative = enumerator.nextObject() as? String {
      if relative.hasSuffix(".hmm") { result.append(folder + "/" + relative) }
    }
    return result.sorted()
  }
}
