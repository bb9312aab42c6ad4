import Foundation

/// Scenario files the tests need that must not live under `Scenarios/` (which must all pass),
/// written to a temporary folder once per test process.
enum Fixtures {
  /// The temporary folder.
  static let folder: String = {
    let path = NSTemporaryDirectory() + "hmmkit-scenario-tests-\(ProcessInfo.processInfo.processIdentifier)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }()

  /// A malformed scenario: nothing in it may run.
  static let malformed = write(
    "malformed.hmm", "# A malformed scenario: nothing in it may run.\nprocess A\nA: buf = mmap 4X rw\nA: write buf 4K\n")

  /// A scenario whose expectation fails.
  static let failing = write(
    "failing.hmm", "# An expectation that fails.\nprocess A\nA: buf = mmap 1M rw\nA: write buf 4K\nexpect A rss == 8K\n")

  /// A path that does not exist.
  static let missing = folder + "/no-such-file.hmm"

  private static func write(_ name: String, _ contents: String) -> String {
    let path = folder + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(contents.utf8))
    return path
  }
}
