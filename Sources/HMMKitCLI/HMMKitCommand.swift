import ArgumentParser
import Foundation

/// The `hmmkit` command-line tool: a thin front end over the HMMKit libraries.
///
/// Exit codes: 0 success (every expectation held), 1 an expectation failed, 2 a usage or parse
/// error.
@main
struct HMMKitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hmmkit",
    abstract: "Linux's Heterogeneous Memory Management, made executable.",
    subcommands: [Demo.self, Run.self, Check.self, Inspect.self, Crosscheck.self, Selftest.self, Fuzz.self, Explore.self, Study.self,
                  Sweep.self],
    defaultSubcommand: Demo.self)

  /// Runs the tool, turning ArgumentParser's usage-error exit code (64) into 2.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      if exitCode(for: error) == .validationFailure {
        FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
        Foundation.exit(2)
      }
      exit(withError: error)
    }
  }
}
