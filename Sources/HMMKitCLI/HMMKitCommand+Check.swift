import ArgumentParser
import Foundation
import Scenarios

extension HMMKitCommand {
  /// `hmmkit check FILE...`: parses scenario files without running them.
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Parse scenario files (.hmm) without running them.",
      discussion: """
        Reports every error as 'file:line:column: error: <what is wrong>; <what would be accepted>'. \
        Directories check every .hmm file under them.

        Exit status: 0 when every file parses, 2 for a usage, read or parse error.
        """)

    @Argument(help: "Scenario files or directories.")
    var files: [String]

    @Flag(help: "Print the result as JSON (schema in docs/json-schema.md).")
    var json = false

    func run() throws {
      let result = ScenarioBatch.check(paths: files)
      let (output, errors) = result.rendered(json: json, verbose: true)
      FileHandle.standardError.write(Data(errors.utf8))
      print(output, terminator: "")
      if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
  }
}
