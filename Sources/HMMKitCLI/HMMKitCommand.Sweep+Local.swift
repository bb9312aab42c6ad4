import ArgumentParser
import Foundation
import Sweeps

extension HMMKitCommand.Sweep {
  /// `hmmkit sweep local FILE [-j N] --out DIR`.
  struct Local: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run a sweep's jobs on this machine with GNU parallel (or a process pool of its own), showing progress.")
    @Argument(help: "The sweep file (JSON).") var file: String
    @Option(name: .shortAndLong, help: "Jobs at a time (default: the number of CPUs).") var jobs: Int?
    @Option(help: "The output directory (results, failures, logs).") var out: String
    @Option(help: "parallel (GNU parallel), pool (built in) or auto (parallel when installed).") var engine: String = "auto"

    func run() throws {
      let plan = try HMMKitCommand.Sweep.plan(file)
      guard let kind = SweepLocalEngine.Kind(rawValue: engine) else {
        throw ValidationError("--engine \(engine): error: expected auto, parallel or pool")
      }
      if let jobs, jobs < 1 { throw ValidationError("--jobs \(jobs): error: must be at least 1") }
      let directory = SweepDirectory(out)
      try HMMKitCommand.Sweep.checked { () throws(SweepError) in try directory.prepare(for: plan.sweep) }
      let engine = SweepLocalEngine(plan: plan, directory: directory, executable: HMMKitCommand.Sweep.executable,
                                    jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, kind: kind)
      let resolved = try HMMKitCommand.Sweep.checked { () throws(SweepError) in try engine.resolvedKind() }
      let start = Date()
      FileHandle.standardError.write(Data("sweep \(plan.sweep.name): \(plan.jobs.count) jobs, \(engine.jobs) at a time, engine \(resolved.rawValue == "parallel" ? "GNU parallel" : "process pool"), into \(directory.path)\n".utf8))
      let status = try HMMKitCommand.Sweep.checked { () throws(SweepError) in try engine.run(progress: HMMKitCommand.Sweep.progressPrinter()) }
      print("sweep \(plan.sweep.name): " + status.report, terminator: "")
      print(String(format: "%.1f s; merge with: hmmkit sweep merge %@ --into results.sqlite", Date().timeIntervalSince(start), directory.path))
      if !status.missing.isEmpty {
        print("why: \(directory.file("failures"))/ID.json and \(directory.file("logs"))/ID.log; run the same command again to run only the missing jobs")
        throw ExitCode(1)
      }
    }
  }
}
