import ArgumentParser
import Foundation
import Scenarios

extension HMMKitCommand {
  /// `hmmkit run FILE...`: runs scenario files and reports every step and expectation.
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run scenario files (.hmm) against the memory model.",
      discussion: """
        Each file runs from a fresh simulated machine. Directories run every .hmm file under them. \
        If any file cannot be read or parsed, nothing runs. The last line is the summary \
        'N passed, N failed' (expectations; unexpected command errors and invariant violations count as \
        failures). The language is described in docs/scenario-language.md, the --json output in \
        docs/json-schema.md.

        With several files (or --timeout), each file runs in a child process and its result is printed \
        as soon as it finishes: a file that traps, hangs past --timeout or exhausts memory is reported \
        as a failed file with the reason, and the other files' results are kept.

        Exit status: 0 when every expectation held, 1 when one failed, 2 for a usage, read or parse error.
        """)

    @Argument(help: "Scenario files or directories.")
    var files: [String]

    @Flag(help: "Print the result as JSON (schema in docs/json-schema.md) instead of the transcript.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only failures and the summary line.")
    var quiet = false

    @Option(
      name: .customLong("memory-mib"), parsing: .unconditional,
      help: "Physical memory of the simulated machine, in MiB (4 to 262144), unless a scenario sets 'system memory='.")
    var memoryMiB: String = "4096"

    @Flag(help: "Skip the model's invariant check after every step (faster).")
    var noInvariants = false

    @Option(
      name: .customLong("max-host-memory-mib"),
      help: "Host memory one request may need (a dmirror buffer or snapshot), in MiB; bigger requests fail with ENOMEM naming both sizes.")
    var maxHostMemoryMiB: UInt64 = ScenarioRunner.Options.defaultMaxHostMemory >> 20

    @Option(help: "Seconds each file may run before it is stopped and reported as timed out (0: no limit). With a limit, or with several files, each file runs in a child process of its own.")
    var timeout: Double = 0

    func validate() throws {
      _ = try MemoryOption.validated(memoryMiB, range: Self.memoryRangeMiB)
      guard maxHostMemoryMiB >= 1, maxHostMemoryMiB <= 1 << 30 else { throw ValidationError("--max-host-memory-mib must be from 1 to \(1 << 30)") }
      guard timeout >= 0, timeout.isFinite else { throw ValidationError("--timeout must be a number of seconds, 0 or more") }
    }

    /// The accepted `--memory-mib` values (`system memory=`'s limits).
    static let memoryRangeMiB = MemoryOption.runRange

    func run() throws {
      let memoryBytes = try MemoryOption.validated(memoryMiB, range: Self.memoryRangeMiB)
      let options = ScenarioRunner.Options(memoryBytes: memoryBytes, checkInvariants: !noInvariants, maxHostMemory: maxHostMemoryMiB << 20)
      let expanded = ScenarioFiles.expand(files)
      if ProcessInfo.processInfo.environment[IsolatedRun.childVariable] == nil, expanded.count > 1 || timeout > 0,
        !ScenarioBatch.check(paths: files).hasErrors {
        var childOptions = ["--memory-mib", "\(memoryMiB)", "--max-host-memory-mib", "\(maxHostMemoryMiB)"]
        if noInvariants { childOptions.append("--no-invariants") }
        let isolated = IsolatedRun(files: expanded, json: json, quiet: quiet, childOptions: childOptions, timeout: timeout)
        let code = isolated.run()
        if code != 0 { throw ExitCode(code) }
        return
      }
      let result = ScenarioBatch.run(paths: files, options: options)
      let (output, errors) = result.rendered(json: json, verbose: !quiet)
      FileHandle.standardError.write(Data(errors.utf8))
      print(output, terminator: "")
      if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
  }
}
