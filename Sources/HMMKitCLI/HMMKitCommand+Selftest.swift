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
        order the kselftest harness runs them, and prints TAP version 13 as the kselftest harness does: \
        '#  RUN           NAME ...', the failed steps as '# FILE:LINE:TEST:...' lines, \
        '#            OK  NAME' or '#          FAIL  NAME', then 'ok N NAME', 'not ok N NAME' or \
        'ok N NAME # SKIP REASON' (files whose first line is '# selftest-skip: REASON'). A catalogue test \
        without its file fails, a file that checks nothing fails, a file outside the catalogue runs and is \
        reported. The last line is '# Totals: pass:P fail:F xfail:0 xpass:0 skip:S error:0'. The suite is \
        found relative to the working directory (run from the package root) unless --suite is given. \
        --full runs benchmark_thp_migration with all seven sizes and five round trips (the suite's file \
        holds six sizes and one). docs/conformance.md maps every test to its file.

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

    @Flag(help: "Run benchmark_thp_migration in full: all seven sizes (512K to 256M), five round trips.")
    var full = false

    func validate() throws {
      guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
      let options = SelfTestRunner.Options(
        suite: suite, filter: filter, scenario: ScenarioRunner.Options(checkInvariants: !noInvariants), jobs: jobs, full: full)
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
