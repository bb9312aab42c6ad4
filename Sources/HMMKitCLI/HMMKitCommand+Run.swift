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

    func validate() throws {
      _ = try MemoryOption.validated(memoryMiB, range: Self.memoryRangeMiB)
    }

    /// The accepted `--memory-mib` values (`system memory=`'s limits).
    static let memoryRangeMiB = MemoryOption.runRange

    func run() throws {
      let memoryBytes = try MemoryOption.validated(memoryMiB, range: Self.memoryRangeMiB)
      let options = ScenarioRunner.Options(memoryBytes: memoryBytes, checkInvariants: !noInvariants)
      let result = ScenarioBatch.run(paths: files, options: options)
      let (output, errors) = result.rendered(json: json, verbose: !quiet)
      FileHandle.standardError.write(Data(errors.utf8))
      print(output, terminator: "")
      if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
  }
}
