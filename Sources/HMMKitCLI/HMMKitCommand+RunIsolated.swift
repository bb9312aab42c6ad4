import Foundation
import Scenarios

#if canImport(Glibc)
import Glibc
#endif

/// `hmmkit run` with several files (or `--timeout`): each file runs in a child `hmmkit run` of
/// its own, so that a trap, a hang or memory exhaustion in one file cannot take the others'
/// output with it. Each file's result is printed as soon as its child finishes; a child that
/// dies or runs past `--timeout` is reported as a failed file with the reason.
struct IsolatedRun {
  /// The environment variable that marks a child (which then runs its one file in-process).
  static let childVariable = "HMMKIT_RUN_CHILD"

  let files: [String]
  let json: Bool
  let quiet: Bool
  let childOptions: [String]
  let timeout: Double

  /// What one child produced.
  struct Outcome {
    var text: String
    var passed: Int
    var failed: Int
    var succeeded: Bool
  }

  /// Runs every file and prints the combined report; returns the exit code.
  func run() -> Int32 {
    var outcomes: [Outcome] = []
    for file in files {
      let outcome = runChild(file)
      if !json {
        print(outcome.text, terminator: "")
        fflush(nil)
      }
      outcomes.append(outcome)
    }
    let passed = outcomes.reduce(0) { $0 + $1.passed }
    let failed = outcomes.reduce(0) { $0 + $1.failed }
    let exitCode: Int32 = failed > 0 ? 1 : 0
    let summary = "\(passed) passed, \(failed) failed"
    if json {
      let placeholders = outcomes.indices.map { JSONValue.string("@@file-\($0)@@") }
      let document = JSONValue.object([
        ("schema", .string(BatchResult.jsonSchemaName)),
        ("version", .int(BatchResult.jsonSchemaVersion)),
        ("mode", .string("run")),
        ("files", .array(placeholders)),
        ("totals", .object([
          ("files", .int(outcomes.count)),
          ("filesPassed", .int(outcomes.count { $0.succeeded })),
          ("filesFailed", .int(outcomes.count { !$0.succeeded })),
          ("filesWithErrors", .int(0)),
          ("passed", .int(passed)),
          ("failed", .int(failed)),
        ])),
        ("summary", .string(summary)),
        ("exitCode", .int(Int(exitCode))),
      ])
      var text = document.serialized()
      for (index, outcome) in outcomes.enumerated() {
        text = text.replacingOccurrences(of: "    \"@@file-\(index)@@\"", with: outcome.text)
      }
      print(text)
    } else {
      print(summary)
    }
    return exitCode
  }

  /// Runs one file in a child and collects its report.
  func runChild(_ file: String) -> Outcome {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("hmmkit-run-\(getpid())-\(UUID().uuidString).out")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
    process.arguments = ["run", file] + childOptions + (json ? ["--json"] : []) + (quiet ? ["--quiet"] : [])
    var environment = ProcessInfo.processInfo.environment
    environment[Self.childVariable] = "1"
    process.environment = environment
    guard let handle = try? FileHandle(forWritingTo: output) else { return failure(file, "cannot create a temporary file for its output") }
    process.standardOutput = handle
    do { try process.run() } catch { return failure(file, "cannot start a child hmmkit: \(error)") }
    let start = Date()
    var timedOut = false
    while process.isRunning {
      if timeout > 0 && Date().timeIntervalSince(start) > timeout {
        timedOut = true
        kill(process.processIdentifier, SIGKILL)
        break
      }
      usleep(5_000)
    }
    process.waitUntilExit()
    try? handle.close()
    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    if timedOut { return failure(file, "timed out after \(timeout) s (--timeout)") }
    if process.terminationReason == .uncaughtSignal {
      return failure(file, "hmmkit died with signal \(process.terminationStatus) while running it (a bug: please report the file)")
    }
    return json ? jsonOutcome(file, text, status: process.terminationStatus) : textOutcome(file, text, status: process.terminationStatus)
  }

  private func textOutcome(_ file: String, _ text: String, status: Int32) -> Outcome {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    while lines.last == "" { lines.removeLast() }
    guard let summary = lines.last, let counts = Self.counts(summary) else {
      return failure(file, "the child hmmkit exited with status \(status) without a summary")
    }
    lines.removeLast()
    return Outcome(text: lines.map { $0 + "\n" }.joined(), passed: counts.passed, failed: counts.failed, succeeded: status == 0)
  }

  private func jsonOutcome(_ file: String, _ text: String, status: Int32) -> Outcome {
    guard let open = text.range(of: "  \"files\": [\n"), let close = text.range(of: "\n  ],\n  \"totals\"", range: open.upperBound..<text.endIndex),
      let summaryStart = text.range(of: "\"summary\": \""), let summaryEnd = text.range(of: "\"", range: summaryStart.upperBound..<text.endIndex),
      let counts = Self.counts(String(text[summaryStart.upperBound..<summaryEnd.lowerBound]))
    else {
      return failure(file, "the child hmmkit exited with status \(status) without a JSON result")
    }
    return Outcome(text: String(text[open.upperBound..<close.lowerBound]), passed: counts.passed, failed: counts.failed, succeeded: status == 0)
  }

  private static func counts(_ summary: String) -> (passed: Int, failed: Int)? {
    let words = summary.split(separator: " ")
    guard words.count == 4, words[1] == "passed,", words[3] == "failed", let passed = Int(words[0]), let failed = Int(words[2]) else { return nil }
    return (passed, failed)
  }

  /// What a file that did not report should have done.
  static let accepted = "expected the file to finish (a larger --timeout, or report the file if hmmkit died)"

  /// A file whose child did not report: one failure with the reason.
  private func failure(_ file: String, _ reason: String) -> Outcome {
    if json {
      let object = JSONValue.object([
        ("file", .string(file)), ("status", .string("failed")), ("statements", .int(0)), ("passed", .int(0)), ("failed", .int(1)),
        ("diagnostics", .array([.object([
          ("file", .string(file)), ("line", .int(1)), ("column", .int(1)), ("problem", .string(reason)),
          ("accepted", .string(Self.accepted)), ("message", .string("\(file):1:1: error: \(reason); \(Self.accepted)")),
        ])])),
        ("failures", .array([])), ("steps", .array([])),
      ])
      let text = object.serialized().split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
      return Outcome(text: text, passed: 0, failed: 1, succeeded: false)
    }
    return Outcome(text: "FAIL \(file): \(reason)\n", passed: 0, failed: 1, succeeded: false)
  }
}
