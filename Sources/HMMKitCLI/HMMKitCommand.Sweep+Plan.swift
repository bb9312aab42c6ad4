import ArgumentParser
import Foundation
import Sweeps

extension HMMKitCommand.Sweep {
  /// `hmmkit sweep plan FILE`.
  struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the sweep's jobs, one line each: ID and axis values.")
    @Argument(help: "The sweep file (JSON).") var file: String
    @Flag(help: "Print each job's parameters as JSON lines instead.") var json = false

    func run() throws {
      let plan = try HMMKitCommand.Sweep.plan(file)
      if json {
        for job in plan.jobs { print("{\"job\":\"\(job.id)\",\"parameters\":\(job.parameters.json)}") }
      } else {
        print(plan.listing, terminator: "")
      }
    }
  }
}
