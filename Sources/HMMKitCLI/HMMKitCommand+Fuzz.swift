import ArgumentParser
import Foundation
import Fuzzing
import Scenarios

extension HMMKitCommand {
  /// `hmmkit fuzz`: random scenarios checked by the model's oracles after every step.
  struct Fuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Generate random scenarios and check the model's oracles after every step.",
      discussion: """
        Every case is a random scenario (CPU, device and dmirror commands, valid by \
        construction) run on a fresh model with the invariant checker, the safety oracle and \
        the policy differential after every step. The cases run in a child worker process, so \
        that a trap or a hang is a finding too. Each new kind of finding is shrunk to a small \
        scenario and written to --out as a .hmm file that 'hmmkit run' fails on. The same seed \
        gives the same cases. See docs/fuzzing.md.

        Exit status: 0 when nothing was found, 1 when something was, 2 for bad arguments.
        """)

    @Option(help: "The run's seed (default: from the clock; always printed).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Run this many cases (default 1000 unless --time is given).")
    var cases: String?

    @Option(parsing: .unconditional, help: "Run for this long: 30s, 500ms, 2m, 1h or seconds.")
    var time: String?

    @Option(parsing: .unconditional, help: "Generated commands per case.")
    var steps: String = "40"

    @Option(help: "Device mapping policies, comma-separated: base, map-order, scan, folio-order; 'none' for no devices.")
    var policies: String = "base,map-order,scan"

    @Option(help: "Command weights: standard, or adversarial (also the classes other issues are fixing).")
    var profile: String = "standard"

    @Option(help: "Directory for the shrunk scenarios of findings.")
    var out: String = "fuzz-findings"

    @Option(parsing: .unconditional, help: "Run the invariant checker every N steps (1: after every step) and at the end of each case.")
    var checkEvery: String = "1"

    @Option(parsing: .unconditional, help: "End every Nth case with the full invariant check, an audit of the incremental one (1: every case).")
    var fullCheckEvery: String = "\(FuzzExecutor.defaultFullCheckInterval)"

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "Run the cases in this process (a trap ends the run).")
    var inProcess = false

    @Flag(help: "Run the cases in this process and print where their CPU time went, per command and per oracle.")
    var timings = false

    @Flag(help: "Report findings without shrinking them.")
    var noShrink = false

    @Flag(help: .hidden) var worker = false
    @Option(help: .hidden) var firstCase: Int = 0
    @Option(help: .hidden) var caseSlot: String?
    @Option(help: .hidden) var replay: String?
    @Option(help: .hidden) var printCase: Int?
    @Flag(help: .hidden) var trace = false
    @Option(help: "Shrink the finding of an existing scenario file and print the small scenario.") var shrink: String?

    func run() throws {
      if let replay { return try Self.replay(replay) }
      if let shrink { return try Self.shrink(shrink) }
      let setup = try FuzzArguments.parse(
        seed: seed, cases: cases, time: time, steps: steps, policies: policies, profile: profile, checkEvery: checkEvery,
        fullCheckEvery: fullCheckEvery, defaultCases: 1000)
      if let printCase {
        print(ScenarioGenerator.generate(setup.configuration, index: printCase).text, terminator: "")
        return
      }
      if trace { return Self.trace(setup, firstCase: firstCase) }
      if worker { return runWorker(setup) }
      var progressShown = false
      let terminal = isatty(2) != 0 && !json
      func showProgress(_ progress: Fuzzer.Progress) {
        guard terminal else { return }
        progressShown = true
        let line = String(format: "\r%d cases, %.0f steps/s, %d finding%@", progress.cases, progress.stepsPerSecond,
                          progress.findings, progress.findings == 1 ? "" : "s")
        FileHandle.standardError.write(Data(line.utf8))
      }
      if !json { print("hmmkit fuzz --seed \(setup.configuration.seed) (\(setup.limitDescription), \(setup.configuration.steps) steps per case, policies \(setup.policiesDescription), profile \(setup.configuration.profile.name))") }
      let result: (progress: Fuzzer.Progress, reports: [Fuzzer.Report])
      let table = timings ? FuzzTimings() : nil
      if inProcess || timings {
        var fuzzer = Fuzzer(configuration: setup.configuration, limit: setup.limit)
        fuzzer.executor = FuzzExecutor(invariantInterval: setup.checkEvery, fullCheckInterval: setup.fullCheckEvery, timings: table)
        fuzzer.shrink = !noShrink
        fuzzer.onProgress = showProgress
        result = fuzzer.run()
      } else {
        var arguments = ["fuzz", "--seed", "\(setup.configuration.seed)", "--steps", "\(setup.configuration.steps)",
                         "--policies", policies, "--profile", profile, "--check-every", "\(setup.checkEvery)",
                         "--full-check-every", "\(setup.fullCheckEvery)"]
        if noShrink { arguments.append("--no-shrink") }
        var supervisor = FuzzSupervisor(configuration: setup.configuration, limit: setup.limit,
                                        executable: ChildProcessPath.hmmkit, workerArguments: arguments)
        supervisor.onProgress = showProgress
        result = supervisor.run()
      }
      if progressShown { FileHandle.standardError.write(Data("\n".utf8)) }
      let files = try FuzzOutput.write(result.reports, to: out, seed: setup.configuration.seed)
      if json {
        print(FuzzOutput.json(result.progress, result.reports, files: files, seed: setup.configuration.seed))
      } else {
        print(FuzzOutput.summary(result.progress, result.reports, files: files))
        if let table { print(table.text) }
      }
      if !result.reports.isEmpty || result.progress.findings > 0 { throw ExitCode(1) }
    }

    /// The worker: runs cases in this process and reports to the supervisor on standard output.
    private func runWorker(_ setup: FuzzArguments) {
      var fuzzer = Fuzzer(configuration: setup.configuration, limit: setup.limit)
      fuzzer.firstCase = firstCase
      fuzzer.executor = FuzzExecutor(invariantInterval: setup.checkEvery, fullCheckInterval: setup.fullCheckEvery)
      fuzzer.shrink = !noShrink
      // The case about to run: in the supervisor's shared slot (a store), else a line on the pipe.
      if let path = caseSlot, let slot = FuzzCaseSlot(openingAt: path) {
        fuzzer.onCaseStart = { index in slot.index = index }
      } else {
        fuzzer.onCaseStart = { index in FuzzOutput.send(.caseStart(index)) }
      }
      fuzzer.onProgress = { p in FuzzOutput.send(.progress(cases: p.cases, steps: p.steps, findings: p.findings, seconds: p.seconds)) }
      fuzzer.onFinding = { report in FuzzOutput.send(.finding(FuzzWorkerFinding(report))) }
      let clock = ContinuousClock()
      nonisolated(unsafe) var lastBeat = clock.now
      fuzzer.onHeartbeat = {
        if clock.now - lastBeat >= .seconds(1) {
          lastBeat = clock.now
          FuzzOutput.send(.shrinking)
        }
      }
      let (progress, _) = fuzzer.run()
      FuzzOutput.send(.done(cases: progress.cases, steps: progress.steps, findings: progress.findings, seconds: progress.seconds))
    }

    /// Shrinks the finding of a scenario file (its commands run as a fuzz case) and prints it.
    static func shrink(_ path: String) throws {
      let bytes = try ScenarioFiles.read(path)
      let scenario = try ScenarioParser.parse(bytes: bytes, file: path)
      let steps = scenario.statements.map(\.command).filter { if case .expect(.error) = $0 { false } else { true } }.map { FuzzStep.command($0) }
      guard let finding = FuzzExecutor().run(steps).finding else {
        FileHandle.standardError.write(Data("\(path): no finding to shrink\n".utf8))
        throw ExitCode(1)
      }
      let fuzzer = Fuzzer(configuration: FuzzConfiguration(seed: 0), limit: .cases(0))
      let report = fuzzer.shrinkReport(FuzzCase(runSeed: 0, index: 0, steps: steps), finding)
      print(report.text, terminator: "")
    }

    /// Runs the cases in this process, printing after each step a digest of the machine's state
    /// (`ScenarioSession.stateDigest(frames:)`, the frames too after a case's last step), each
    /// refused command and each case's finding: two builds that print the same lines behaved the
    /// same. A development tool; `--cases` only.
    static func trace(_ setup: FuzzArguments, firstCase: Int) {
      guard case .cases(let count) = setup.limit else { return }
      let executor = FuzzExecutor(invariantInterval: setup.checkEvery)
      for index in firstCase..<(firstCase + count) {
        let fuzzCase = ScenarioGenerator.generate(setup.configuration, index: index)
        var lines: [String] = []
        let outcome = executor.run(fuzzCase.steps, report: { lines.append("\(index) failed \($0)") }) { step, session in
          let last = step == fuzzCase.steps.count - 1
          lines.append("\(index).\(step) \(String(session.stateDigest(frames: last), radix: 16))")
        }
        lines.append("\(index) steps \(outcome.steps) finding \(outcome.finding.map { "\($0.kind) \($0.step) \($0.detail)" } ?? "none")")
        print(lines.joined(separator: "\n"))
      }
    }

    /// Runs a scenario file's commands as a fuzz case does (failed commands do not stop it),
    /// printing `failed N` for each command the model refuses; exits 1 on an oracle finding.
    static func replay(_ path: String) throws {
      let bytes = try ScenarioFiles.read(path)
      let scenario = try ScenarioParser.parse(bytes: bytes, file: path)
      let commands = scenario.statements.map(\.command).filter { if case .expect(.error) = $0 { false } else { true } }
      let outcome = FuzzExecutor().run(commands.map { .command($0) }, report: { position in FuzzOutput.sendLine("failed \(position)") })
      if let finding = outcome.finding {
        FuzzOutput.sendLine("finding \(finding)")
        throw ExitCode(1)
      }
    }
  }
}
