import ArgumentParser
import Foundation
import Sweeps

extension HMMKitCommand.Sweep {
  /// `hmmkit sweep merge DIR... --into results.sqlite`.
  struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Gather the results of sweep directories into one SQLite database (tables runs and metrics); idempotent.",
      discussion: "Missing, duplicate and foreign results are reported (exit status 1); what exists is merged all the same.")
    @Argument(help: "Sweep output directories.") var directories: [String]
    @Option(help: "The SQLite database (created if needed).") var into: String

    func run() throws {
      guard !directories.isEmpty else { throw ValidationError("error: name at least one sweep directory") }
      let report = try HMMKitCommand.Sweep.checked { () throws(SweepError) in
        try SweepDatabase(path: into).merge(directories.map(SweepDirectory.init))
      }
      print(report.text, terminator: "")
      if !report.isComplete { throw ExitCode(1) }
    }
  }
}
