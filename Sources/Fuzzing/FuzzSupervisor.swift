import Foundation
import Scenarios

/// Runs a fuzz run in a child worker process (`hmmkit fuzz --worker`), so that a trap or a hang
/// in the model is a finding rather than the end of the fuzzer.
///
/// The worker stores each case's index in a shared ``FuzzCaseSlot`` before running it (or, where
/// the slot's file cannot be made, reports it on its standard output), and reports progress
/// between cases. When the worker dies from a signal, or writes nothing for ``hangTimeout``
/// seconds, the supervisor regenerates that case from the
/// seed, shrinks it with `hmmkit fuzz --replay` children (a trap: killed by a signal; a hang:
/// over the time limit), and starts a new worker at the next case.
public struct FuzzSupervisor {
  /// The run.
  public var configuration: FuzzConfiguration
  /// When it stops.
  public var limit: Fuzzer.Limit
  /// The `hmmkit` executable.
  public var executable: String
  /// The worker's arguments except `--first-case` and the limit.
  public var workerArguments: [String]
  /// Seconds of silence after which a case counts as hung.
  public var hangTimeout = 10.0
  /// Seconds a trap or hang may spend shrinking (each candidate runs in a child).
  public var shrinkSeconds = 30
  /// Progress, as the worker reports it (counts summed over workers).
  public var onProgress: ((Fuzzer.Progress) -> Void)?
  /// Each new kind of finding.
  public var onFinding: ((Fuzzer.Report) -> Void)?

  /// Creates a supervisor.
  public init(configuration: FuzzConfiguration, limit: Fuzzer.Limit, executable: String, workerArguments: [String]) {
    self.configuration = configuration
    self.limit = limit
    self.executable = executable
    self.workerArguments = workerArguments
  }

  /// Runs workers until the limit; returns the counts and the findings.
  public func run() -> (progress: Fuzzer.Progress, reports: [Fuzzer.Report]) {
    let clock = ContinuousClock()
    let start = clock.now
    func elapsed() -> Double {
      let duration = clock.now - start
      return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
    var total = Fuzzer.Progress()
    var reports: [Fuzzer.Report] = []
    var signatures: Set<String> = []
    var firstCase = 0
    let errorPath = NSTemporaryDirectory() + "hmmkit-fuzz-\(getpid())-worker.err"
    defer { try? FileManager.default.removeItem(atPath: errorPath) }
    let slot = FuzzCaseSlot(creatingAt: NSTemporaryDirectory() + "hmmkit-fuzz-\(getpid())-case.slot", index: firstCase)
    defer { slot?.remove() }
    let slotArguments = slot.map { ["--case-slot", $0.path] } ?? []
    while true {
      let limitArguments: [String]
      switch limit {
      case .cases(let count): limitArguments = ["--cases", "\(count - firstCase)"]
      case .seconds(let seconds): limitArguments = ["--time", "\(seconds - elapsed())s"]
      }
      if case .cases(let count) = limit, count - firstCase <= 0 { break }
      if case .seconds(let seconds) = limit, seconds - elapsed() <= 0.05 { break }
      slot?.index = firstCase
      guard let worker = ChildProcess(executable: executable, arguments: workerArguments + ["--worker", "--first-case", "\(firstCase)"] + slotArguments + limitArguments, standardError: errorPath) else {
        break
      }
      var base = total
      var current = firstCase
      var finished = false
      var lastWorker = Fuzzer.Progress()
      while let line = worker.readLine(timeout: hangTimeout) {
        guard let message = FuzzWorkerMessage(line: line) else { continue }
        switch message {
        case .caseStart(let index): current = index
        case .shrinking: break
        case .progress(let cases, let steps, let findings, _), .done(let cases, let steps, let findings, _):
          lastWorker = Fuzzer.Progress(cases: cases, steps: steps, findings: findings, seconds: 0)
          var shown = base
          shown.cases += cases
          shown.steps += steps
          shown.findings += findings
          shown.seconds = elapsed()
          onProgress?(shown)
          if case .done = message { finished = true }
        case .finding(let finding):
          if signatures.insert(finding.signature).inserted {
            reports.append(finding.report)
            onFinding?(finding.report)
          }
        }
      }
      let hung = worker.timedOutWaiting
      let ending = worker.finish(kill: hung)
      base.cases += lastWorker.cases
      base.steps += lastWorker.steps
      base.findings += lastWorker.findings
      total = base
      if finished, ending == .exited(0) || ending == .exited(1) { break }
      if let slot { current = slot.index }
      // The worker died in case `current`, or hung in it.
      total.cases += 1
      total.findings += 1
      let kind: FuzzFinding.Kind = hung ? .hang : .trap
      let signalDetail: String
      let fatal = (try? String(contentsOfFile: errorPath, encoding: .utf8))?.split(separator: "\n").first { $0.contains("Fatal error") }
      if case .signaled(let signal) = ending { signalDetail = fatal.map(String.init) ?? "killed by signal \(signal)" } else { signalDetail = hung ? "no progress for \(Int(hangTimeout)) s" : "worker ended: \(ending)" }
      // One report per kind and message (addresses and sizes left out).
      let signature = kind.rawValue + " " + String(signalDetail.filter { !$0.isHexDigit || $0.isLetter && !"abcdef".contains($0) })
      if signatures.insert(signature).inserted {
        let report = isolatedReport(case: current, kind: kind, detail: signalDetail)
        reports.append(report)
        onFinding?(report)
      }
      firstCase = current + 1
    }
    total.seconds = elapsed()
    return (total, reports)
  }

  /// Shrinks a trap or hang of case `index` with `hmmkit fuzz --replay` children.
  func isolatedReport(case index: Int, kind: FuzzFinding.Kind, detail: String) -> Fuzzer.Report {
    let fuzzCase = ScenarioGenerator.generate(configuration, index: index)
    let timeout = kind == .hang ? 3.0 : 5.0
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(shrinkSeconds)
    let path = NSTemporaryDirectory() + "hmmkit-fuzz-\(getpid())-candidate.hmm"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let executable = self.executable
    func fails(_ steps: [FuzzStep]) -> Bool {
      guard clock.now < deadline else { return false }
      let text = ScenarioPrinter.text(steps.flatMap(\.commands))
      guard (try? text.write(toFile: path, atomically: true, encoding: .utf8)) != nil else { return false }
      let ending = ChildProcess.run(executable: executable, arguments: ["fuzz", "--replay", path], timeout: timeout)
      switch (kind, ending) {
      case (.trap, .signaled?): return true
      case (.hang, .timedOut?): return true
      default: return false
      }
    }
    var steps = fuzzCase.steps
    var reproduced = fails(steps)
    if reproduced {
      var shrinker = FuzzShrinker(budget: kind == .hang ? 12 : 400, stillFails: fails)
      steps = shrinker.shrink(steps)
    }
    // `expect error` after each command the replay saw fail, so that `hmmkit run` gets there.
    var commands: [Command] = []
    let stepCommands = steps.flatMap(\.commands)
    let failedLines = replayFailures(stepCommands, path: path, timeout: timeout)
    for (position, command) in stepCommands.enumerated() {
      commands.append(command)
      if failedLines.contains(position) { commands.append(.expect(.error(nil))) }
    }
    let finding = FuzzFinding(kind: kind, step: max(0, steps.count - 1), detail: detail, signature: kind.rawValue)
    let policies = configuration.policies.isEmpty ? "" : " --policies \(configuration.policies.joined(separator: ","))"
    let header = [
      "hmmkit fuzz --seed \(configuration.seed)\(policies) --steps \(configuration.steps)"
        + (configuration.profile.name == "standard" ? "" : " --profile \(configuration.profile.name)") + ": case \(index)",
      "finding: \(kind.rawValue): \(detail) (the process running the case)",
      "shrunk from \(fuzzCase.commands.count) to \(commands.count) statements; reproduce with 'hmmkit run FILE'",
    ]
    let text = ScenarioPrinter.text(commands, header: header)
    if reproduced, (try? text.write(toFile: path, atomically: true, encoding: .utf8)) != nil {
      let ending = ChildProcess.run(executable: executable, arguments: ["run", "--quiet", path], timeout: timeout)
      if kind == .trap, case .signaled? = ending { reproduced = true } else if kind == .hang, ending == .timedOut { reproduced = true } else { reproduced = false }
    }
    return Fuzzer.Report(finding: finding, caseIndex: index, originalStatements: fuzzCase.commands.count, text: text,
                         statements: commands.count, reproduces: reproduced, secondsToFind: 0)
  }

  /// The positions of the commands a replay child saw fail (it prints `failed N` before dying).
  private func replayFailures(_ commands: [Command], path: String, timeout: Double) -> Set<Int> {
    guard (try? ScenarioPrinter.text(commands).write(toFile: path, atomically: true, encoding: .utf8)) != nil,
      let child = ChildProcess(executable: executable, arguments: ["fuzz", "--replay", path])
    else { return [] }
    var failed: Set<Int> = []
    while let line = child.readLine(timeout: timeout) {
      if line.hasPrefix("failed "), let position = Int(line.dropFirst(7)) { failed.insert(position) }
    }
    _ = child.finish(kill: child.timedOutWaiting)
    return failed
  }
}
