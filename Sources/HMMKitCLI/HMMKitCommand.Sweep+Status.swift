import ArgumentParser
import Foundation
import Sweeps

extension HMMKitCommand.Sweep {
  /// `hmmkit sweep status DIR`.
  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Report which of a sweep's jobs are done, running, failed or missing.")
    @Argument(help: "The sweep's output directory.") var directory: String

    func run() throws {
      let directory = SweepDirectory(self.directory)
      let plan = try HMMKitCommand.Sweep.checked { () throws(SweepError) in try SweepPlan(try directory.sweep()) }
      let status = SweepStatus(plan: plan, directory: directory)
      print("sweep \(plan.sweep.name): " + status.report, terminator: "")
      if !status.missing.isEmpty { throw ExitCode(1) }
    }
  }
}
