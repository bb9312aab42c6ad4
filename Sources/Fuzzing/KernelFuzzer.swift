import Foundation
import Scenarios

/// `hmmkit crosscheck --fuzz`: CPU-side generated cases compared with the running kernel after
/// every step; each new kind of disagreement is shrunk (every candidate is another crosscheck)
/// and turned into a scenario.
public struct KernelFuzzer {
  /// The run (``FuzzConfiguration/kernelSubset`` is set, no devices).
  public var configuration: FuzzConfiguration
  /// When it stops.
  public var limit: Fuzzer.Limit
  /// Seconds one finding may spend shrinking.
  public var shrinkSeconds = 60.0
  /// Progress, about every `progressInterval` seconds.
  public var onProgress: ((Fuzzer.Progress) -> Void)?
  /// Seconds between progress calls.
  public var progressInterval = 0.25
  /// Each new kind of finding.
  public var onFinding: ((Fuzzer.Report) -> Void)?

  /// Creates a run from a model fuzzing configuration.
  public init(configuration: FuzzConfiguration, limit: Fuzzer.Limit) {
    var kernel = configuration
    kernel.kernelSubset = true
    kernel.policies = []
    self.configuration = kernel
    self.limit = limit
  }

  /// Runs the cases with `oracle`.
  public func run(_ oracle: KernelOracle) -> (progress: Fuzzer.Progress, reports: [Fuzzer.Report]) {
    let clock = ContinuousClock()
    let start = clock.now
    func seconds(since instant: ContinuousClock.Instant) -> Double {
      let duration = clock.now - instant
      return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
    var progress = Fuzzer.Progress()
    var reports: [Fuzzer.Report] = []
    var signatures: Set<String> = []
    var lastProgress = start
    var index = 0
    while true {
      if case .cases(let count) = limit, index >= count { break }
      if case .seconds(let limitSeconds) = limit, seconds(since: start) >= limitSeconds { break }
      let fuzzCase = ScenarioGenerator.generate(configuration, index: index)
      let outcome = oracle.run(fuzzCase.steps)
      progress.cases += 1
      progress.steps += outcome.steps
      if let finding = outcome.finding {
        progress.findings += 1
        if signatures.insert(finding.signature).inserted {
          let found = seconds(since: start)
          var report = shrink(fuzzCase, finding, oracle)
          report.secondsToFind = found
          reports.append(report)
          onFinding?(report)
        }
      }
      if let onProgress, clock.now - lastProgress >= .milliseconds(Int(progressInterval * 1000)) {
        lastProgress = clock.now
        progress.seconds = seconds(since: start)
        onProgress(progress)
      }
      index += 1
    }
    progress.seconds = seconds(since: start)
    return (progress, reports)
  }

  private func shrink(_ fuzzCase: FuzzCase, _ finding: FuzzFinding, _ oracle: KernelOracle) -> Fuzzer.Report {
    let clock = ContinuousClock()
    let deadline = clock.now + .milliseconds(Int(shrinkSeconds * 1000))
    var shrinker = FuzzShrinker(budget: 2000) { candidate in
      clock.now < deadline && oracle.run(candidate).finding?.signature == finding.signature
    }
    let steps = shrinker.shrink(Array(fuzzCase.steps.prefix(finding.step + 1)))
    let shrunk = oracle.run(steps).finding ?? finding
    let text = FuzzReproducer.text(steps, finding: shrunk, configuration: configuration, index: fuzzCase.index,
                                   originalStatements: fuzzCase.commands.count, command: "hmmkit crosscheck --fuzz")
    let statements = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.count
    // It reproduces when a crosscheck of the file's text disagrees again.
    var reproduces = false
    if let scenario = try? ScenarioParser.parse(text, file: "fuzz.hmm") {
      reproduces = oracle.run(scenario.statements.map { .command($0.command) }).finding != nil
    }
    return Fuzzer.Report(finding: shrunk, caseIndex: fuzzCase.index, originalStatements: fuzzCase.commands.count,
                         text: text, statements: statements, reproduces: reproduces, secondsToFind: 0)
  }
}
