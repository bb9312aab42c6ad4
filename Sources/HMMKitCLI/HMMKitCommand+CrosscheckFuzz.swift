import ArgumentParser
import Foundation
import Fuzzing

/// The options and the run of `hmmkit crosscheck --fuzz`: generated CPU-side cases compared
/// with the running kernel, each disagreement shrunk and written under --out.
struct CrosscheckFuzzOptions: ParsableArguments {
  @Flag(help: "Generate CPU-side cases instead of reading files; every disagreement is a finding.")
  var fuzz = false

  @Option(help: "The fuzz run's seed (default: from the clock; always printed).")
  var seed: UInt64?

  @Option(parsing: .unconditional, help: "Run this many cases (default 100 unless --time is given).")
  var cases: String?

  @Option(parsing: .unconditional, help: "Run for this long: 30s, 500ms, 2m, 1h or seconds.")
  var time: String?

  @Option(parsing: .unconditional, help: "Generated commands per case (default 12).")
  var steps: String?

  @Option(help: "Directory for the shrunk scenarios of findings (default crosscheck-findings).")
  var out: String?

  @Option(parsing: .unconditional, help: "Seconds each finding may spend shrinking (every candidate is a crosscheck; default 60).")
  var shrinkSeconds: String?

  /// The fuzzing options given on the command line.
  private var given: [String] {
    [("--seed", seed != nil), ("--cases", cases != nil), ("--time", time != nil), ("--steps", steps != nil),
     ("--out", out != nil), ("--shrink-seconds", shrinkSeconds != nil)].filter(\.1).map(\.0)
  }

  /// Without --fuzz the fuzzing options mean nothing: a usage error (exit 2) rather than
  /// silently ignored; with it, --shrink-seconds must be a positive number.
  func validate() throws {
    if !fuzz && !given.isEmpty {
      let names = given.joined(separator: ", ")
      throw ValidationError("\(names) \(given.count == 1 ? "applies" : "apply") only with --fuzz; add --fuzz or drop \(given.count == 1 ? "it" : "them")")
    }
    if let shrinkSeconds {
      guard let seconds = Double(shrinkSeconds), seconds.isFinite, seconds > 0 else {
        throw ValidationError("--shrink-seconds must be a positive number of seconds, not '\(shrinkSeconds)'")
      }
    }
  }

  func run(json: Bool, files: [String]) throws {
    guard files.isEmpty else { throw ValidationError("--fuzz generates its cases; give no scenario files with it") }
    let setup = try FuzzArguments.parse(seed: seed, cases: cases, time: time, steps: steps ?? "12", policies: "none",
                                        profile: "kernel", checkEvery: "1", defaultCases: 100)
    if let reason = KernelOracle.unavailabilityReason() {
      FileHandle.standardError.write(Data("error: crosscheck --fuzz cannot run here: \(reason)\n".utf8))
      throw ExitCode(1)
    }
    let oracle = try KernelOracle()
    var fuzzer = KernelFuzzer(configuration: setup.configuration, limit: setup.limit)
    fuzzer.shrinkSeconds = shrinkSeconds.flatMap(Double.init) ?? 60
    let terminal = isatty(2) != 0 && !json
    var shown = false
    fuzzer.onProgress = { progress in
      guard terminal else { return }
      shown = true
      let line = String(format: "\r%d cases, %.1f cases/s, %d finding%@", progress.cases,
                        progress.seconds > 0 ? Double(progress.cases) / progress.seconds : 0, progress.findings, progress.findings == 1 ? "" : "s")
      FileHandle.standardError.write(Data(line.utf8))
    }
    if !json { print("hmmkit crosscheck --fuzz --seed \(setup.configuration.seed) (\(setup.limitDescription), \(setup.configuration.steps) steps per case)") }
    let (progress, reports) = fuzzer.run(oracle)
    if shown { FileHandle.standardError.write(Data("\n".utf8)) }
    let written = try FuzzOutput.write(reports, to: out ?? "crosscheck-findings", seed: setup.configuration.seed)
    if json {
      print(FuzzOutput.json(progress, reports, files: written, seed: setup.configuration.seed))
    } else {
      print(String(format: "%.1f cases/s", progress.seconds > 0 ? Double(progress.cases) / progress.seconds : 0))
      print(FuzzOutput.summary(progress, reports, files: written))
    }
    if progress.findings > 0 { throw ExitCode(1) }
  }
}
