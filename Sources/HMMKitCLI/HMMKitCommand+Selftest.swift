import ArgumentParser
import Foundation
import Scenarios

extension HMMKitCommand {
  /// `hmmkit selftest`: runs the hmm-tests conformance suite and prints TAP.
  struct Selftest: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run the hmm-tests conformance suite (Scenarios/hmm-tests) and print TAP.",
      discussion: """
        Runs one scenario file per test and variant of tools/testing/selftests/mm/hmm-tests.c, in the \
        order the kselftest harness runs them, and prints TAP version 13: 'ok N - NAME', 'not ok N - NAME' \
        followed by the failed steps, 'ok N - NAME # SKIP REASON' for files whose first line is \
        '# selftest-skip: REASON'. The last line is 'N passed, N failed, N skipped'. The suite is found \
        relative to the working directory (run from the package root) unless --suite is given. \
        docs/conformance.md maps every test to its file.

        Exit status: 0 when no test failed, 1 when one failed, 2 for a usage error (no suite folder, bad \
        --filter).
        """)

    @Option(help: "Run only the tests whose name contains a match of this regular expression.")
    var filter: String?

    @Flag(help: "Print the result as JSON instead of TAP.")
    var json = false

    @Option(help: "The suite folder.")
    var suite: String = SelfTestRunner.defaultSuite

    @Option(help: "Scenario files run at once (default: one per core).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Skip the model's invariant check after every step (faster).")
    var noInvariants = false

    func validate() throws {
      guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
      let options = SelfTestRunner.Options(
        suite: suite, filter: filter, scenario: ScenarioRunner.Options(checkInvariants: !noInvariants), jobs: jobs)
      let report: SelfTestReport
      do {
        report = try SelfTestRunner(options: options).run()
      } catch {
        FileHandle.standardError.write(Data("hmmkit selftest: \(error.description)\n".utf8))
        throw ExitCode(2)
      }
      print(json ? report.json.serialized() : report.tap, terminator: json ? "\n" : "")
      if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
  }
}
