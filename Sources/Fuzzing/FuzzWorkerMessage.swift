import Foundation

/// One line a fuzz worker (`hmmkit fuzz --worker`) writes to its supervisor.
public enum FuzzWorkerMessage: Codable, Sendable {
  /// Case `index` starts (written before the case runs, so a crash names it), when the worker
  /// has no ``FuzzCaseSlot``.
  case caseStart(Int)
  /// The counts so far.
  case progress(cases: Int, steps: Int, findings: Int, seconds: Double)
  /// The worker is shrinking a finding (a sign of life for the hang watchdog).
  case shrinking
  /// A new kind of finding, shrunk.
  case finding(FuzzWorkerFinding)
  /// The worker finished its cases.
  case done(cases: Int, steps: Int, findings: Int, seconds: Double)

  /// The message as one line (compact JSON, with a newline).
  public var line: String {
    let data = (try? JSONEncoder().encode(self)) ?? Data()
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  /// Reads a line.
  public init?(line: String) {
    guard let message = try? JSONDecoder().decode(FuzzWorkerMessage.self, from: Data(line.utf8)) else { return nil }
    self = message
  }
}

/// A finding as a worker reports it.
public struct FuzzWorkerFinding: Codable, Sendable {
  /// ``FuzzFinding/Kind`` raw value.
  public var kind: String
  /// The finding's step in the shrunk case.
  public var step: Int
  /// What was seen.
  public var detail: String
  /// The shrinker's signature.
  public var signature: String
  /// The case index.
  public var caseIndex: Int
  /// Statements of the generated case.
  public var originalStatements: Int
  /// The shrunk scenario.
  public var text: String
  /// Statements in it.
  public var statements: Int
  /// Whether `hmmkit run` fails on it.
  public var reproduces: Bool
  /// Seconds from the worker's start to the finding.
  public var secondsToFind: Double

  /// A worker finding from a report.
  public init(_ report: Fuzzer.Report) {
    kind = report.finding.kind.rawValue
    step = report.finding.step
    detail = report.finding.detail
    signature = report.finding.signature
    caseIndex = report.caseIndex
    originalStatements = report.originalStatements
    text = report.text
    statements = report.statements
    reproduces = report.reproduces
    secondsToFind = report.secondsToFind
  }

  /// The report again.
  public var report: Fuzzer.Report {
    Fuzzer.Report(
      finding: FuzzFinding(kind: FuzzFinding.Kind(rawValue: kind) ?? .invariant, step: step, detail: detail, signature: signature),
      caseIndex: caseIndex, originalStatements: originalStatements, text: text, statements: statements,
      reproduces: reproduces, secondsToFind: secondsToFind)
  }
}
