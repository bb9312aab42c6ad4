import Foundation
import Fuzzing

/// Writing findings and summaries for `hmmkit fuzz` and `hmmkit crosscheck --fuzz`.
enum FuzzOutput {
  /// Writes one line to standard output at once (the worker protocol; no buffering).
  static func sendLine(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBufferPointer { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = Foundation.write(1, buffer.baseAddress! + offset, buffer.count - offset)
        if written <= 0 { return }
        offset += written
      }
    }
  }

  /// Sends a worker message.
  static func send(_ message: FuzzWorkerMessage) {
    var line = message.line
    line.removeLast()
    sendLine(line)
  }

  /// Writes each report to `DIRECTORY/seed-S-case-N-KIND.hmm`; returns the paths.
  static func write(_ reports: [Fuzzer.Report], to directory: String, seed: UInt64) throws -> [String] {
    guard !reports.isEmpty else { return [] }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var paths: [String] = []
    for report in reports {
      let path = "\(directory)/seed-\(seed)-case-\(report.caseIndex)-\(report.finding.kind.rawValue).hmm"
      try report.text.write(toFile: path, atomically: true, encoding: .utf8)
      paths.append(path)
    }
    return paths
  }

  /// The text summary.
  static func summary(_ progress: Fuzzer.Progress, _ reports: [Fuzzer.Report], files: [String]) -> String {
    var lines = [
      String(format: "%d cases, %d steps in %.2f s (%.0f steps/s): %d case%@ with findings, %d distinct",
             progress.cases, progress.steps, progress.seconds, progress.stepsPerSecond, progress.findings,
             progress.findings == 1 ? "" : "s", reports.count)
    ]
    for (report, file) in zip(reports, files) {
      lines.append("  \(file): \(report.finding.kind.rawValue) in case \(report.caseIndex), shrunk from \(report.originalStatements) to \(report.statements) statements\(report.reproduces ? "" : " (does NOT reproduce on its own)")")
      lines.append("    \(report.finding.detail)")
    }
    return lines.joined(separator: "\n")
  }

  /// The JSON summary (`hmmkit.fuzz/1`).
  static func json(_ progress: Fuzzer.Progress, _ reports: [Fuzzer.Report], files: [String], seed: UInt64) -> String {
    var findings: [[String: Any]] = []
    for (report, file) in zip(reports, files) {
      findings.append([
        "kind": report.finding.kind.rawValue, "detail": report.finding.detail, "case": report.caseIndex,
        "file": file, "originalStatements": report.originalStatements, "statements": report.statements,
        "reproduces": report.reproduces, "secondsToFind": report.secondsToFind,
      ])
    }
    let document: [String: Any] = [
      "schema": "hmmkit.fuzz/1", "seed": seed, "cases": progress.cases, "steps": progress.steps,
      "seconds": progress.seconds, "stepsPerSecond": progress.stepsPerSecond, "casesWithFindings": progress.findings,
      "findings": findings,
    ]
    let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }
}
