import Foundation

/// The crosscheck scenarios of the repository (`Scenarios/crosscheck/*.hmm`), found from this
/// file's path.
enum CrosscheckScenarioFiles {
  /// The package's root directory.
  static var root: String {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/CrosscheckTests/CrosscheckScenarioFiles.swift
    return parts.joined(separator: "/")
  }

  /// Every `.hmm` file under `Scenarios/crosscheck`, sorted.
  static var all: [String] {
    let directory = root + "/Scenarios/crosscheck"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".hmm") }.sorted().map { directory + "/" + $0 }
  }
}
