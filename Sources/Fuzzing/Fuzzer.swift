import Foundation
import Scenarios

/// A fuzz run in this process: cases generated from the seed, run with the model's oracles, and
/// each new kind of finding shrunk and turned into a scenario file.
public struct Fuzzer {
  /// When the run stops.
  public enum Limit: Sendable, Hashable {
    /// After this many cases.
    case cases(Int)
    /// After this many seconds (checked between cases).
    case seconds(Double)
  }

  /// A finding after shrinking.
  public struct Report: Sendable {
    /// The finding as first seen.
    public var finding: FuzzFinding
    /// The case it was seen in.
    public var caseIndex: Int
    /// Statements of the generated case.
    public var originalStatements: Int
    /// The shrunk scenario, ready to write to a file.
    public var text: String
    /// Statements in the shrunk scenario (its comment lines aside).
    public var statements: Int
    /// Whether `hmmkit run` of `text` fails (checked in this process).
    public var reproduces: Bool
    /// Seconds from the start of the run to the finding (before shrinking).
    public var secondsToFind: Double
  }

  /// Counts so far, for the progress line.
  public struct Progress: Sendable {
    /// Cases run.
    public var cases = 0
    /// Steps run.
    public var steps = 0
    /// Findings (every case that showed one, not only new kinds).
    public var findings = 0
    /// Seconds since the start.
    public var seconds = 0.0
    /// Steps per second.
    public var stepsPerSecond: Double { seconds > 0 ? Double(steps) / seconds : 0 }
  }

  /// What the run generates.
  public var configuration: FuzzConfiguration
  /// When it stops.
  public var limit: Limit
  /// The first case's index (a worker restarted after a trap continues after the case).
  public var firstCase = 0
  /// How the cases run.
  public var executor = FuzzExecutor()
  /// Whether findings are shrunk (else the whole case is reported).
  public var shrink = true
  /// Called about every `progressInterval` seconds, and at the start of every case (with the
  /// case's index) when set.
  public var onProgress: ((Progress) -> Void)?
  /// Called before each case runs, with its index.
  public var onCaseStart: ((Int) -> Void)?
  /// Called now and then while a finding is shrunk (at most every `progressInterval`).
  public var onHeartbeat: (() -> Void)?
  /// Called for each new kind of finding, after shrinking.
  public var onFinding: ((Report) -> Void)?
  /// Seconds between progress calls.
  public var progressInterval = 0.25

  /// Creates a run.
  public init(configuration: FuzzConfiguration, limit: Limit) {
    self.configuration = configuration
    self.limit = limit
  }

  /// Runs the cases; returns the counts and the shrunk findings (one per signature).
  public func run() -> (progress: Progress, reports: [Report]) {
    let clock = ContinuousClock()
    let start = clock.now
    var progress = Progress()
    var reports: [Report] = []
    var signatures: Set<String> = []
    var lastProgress = start
    var index = firstCase
    func elapsed() -> Double {
      let duration = clock.now - start
      return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
    // Derived once for the run, not for each case.
    let plan = ScenarioGeneratorPlan(configuration)
    while true {
      if case .cases(let count) = limit, index - firstCase >= count { break }
      if case .seconds(let seconds) = limit, elapsed() >= seconds { break }
      onCaseStart?(index)
      let fuzzCase = ScenarioGenerator.generate(plan, index: index)
      let outcome = executor.run(fuzzCase.steps, fullCheckAtEnd: executor.endsWithFullCheck(caseIndex: index))
      progress.cases += 1
      progress.steps += outcome.steps
      if let finding = outcome.finding {
        progress.findings += 1
        if signatures.insert(finding.signature).inserted {
          let found = elapsed()
          var report = shrinkReport(fuzzCase, finding)
          report.secondsToFind = found
          reports.append(report)
          onFinding?(report)
        }
      }
      if let onProgress, clock.now - lastProgress >= .milliseconds(Int(progressInterval * 1000)) {
        lastProgress = clock.now
        progress.seconds = elapsed()
        onProgress(progress)
      }
      index += 1
    }
    progress.seconds = elapsed()
    return (progress, reports)
  }

  /// Shrinks a finding of `fuzzCase` and writes its scenario text.
  public func shrinkReport(_ fuzzCase: FuzzCase, _ finding: FuzzFinding) -> Report {
    let original = fuzzCase.commands.count
    var steps = Array(fuzzCase.steps.prefix(finding.step + 1))
    var shrunkFinding = finding
    if shrink {
      var executor = self.executor
      executor.timings = nil  // what shrinking costs is not the fuzzing rate
      var shrinker = FuzzShrinker { candidate in
        executor.run(candidate).finding?.signature == finding.signature
      }
      shrinker.heartbeat = onHeartbeat
      steps = shrinker.shrink(steps)
      shrunkFinding = executor.run(steps).finding ?? finding
    }
    let text = FuzzReproducer.text(steps, finding: shrunkFinding, configuration: configuration, index: fuzzCase.index,
                                   originalStatements: original)
    let statements = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.count
    return Report(finding: shrunkFinding, caseIndex: fuzzCase.index, originalStatements: original, text: text,
                  statements: statements, reproduces: FuzzReproducer.fails(text), secondsToFind: 0)
  }
}
