import ArgumentParser
import Foundation
import Sweeps

extension HMMKitCommand.Sweep {
  /// `hmmkit sweep slurm FILE --out DIR [--dry-run]`.
  struct Slurm: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a Slurm job array for a sweep's jobs (one task per chunk of jobs) and submit it with sbatch.",
      discussion: "DIR and the hmmkit executable must be on a file system every node sees (docs/sweeps.md).")
    @Argument(help: "The sweep file (JSON).") var file: String
    @Option(help: "The output directory (results, failures, logs, slurm/sweep.sbatch).") var out: String
    @Flag(help: "Only write DIR/slurm/sweep.sbatch.") var dryRun = false
    @Flag(help: "Wait until every array task has ended, showing progress, then report.") var wait = false
    @Option(help: "#SBATCH --partition.") var partition: String?
    @Option(help: "#SBATCH --time per array task (e.g. 00:10:00).") var time: String?
    @Option(help: "Jobs per array task (default 1, more when the sweep exceeds the cluster's MaxArraySize).") var chunk: Int?
    @Option(help: "At most this many array tasks at once (--array=…%N).") var maxRunning: Int?
    @Option(name: .customLong("sbatch-option"), help: "A further #SBATCH line, e.g. --account=abc (repeatable).") var sbatchOptions: [String] = []
    @Option(help: "The hmmkit executable the tasks run (default: this one).") var hmmkit: String?

    func run() throws {
      let plan = try HMMKitCommand.Sweep.plan(file)
      if let chunk, chunk < 1 { throw ValidationError("--chunk \(chunk): error: must be at least 1") }
      if let maxRunning, maxRunning < 1 { throw ValidationError("--max-running \(maxRunning): error: must be at least 1") }
      let directory = SweepDirectory(out)
      try HMMKitCommand.Sweep.checked { () throws(SweepError) in try directory.prepare(for: plan.sweep) }
      var engine = SweepSlurmEngine(plan: plan, directory: directory, executable: hmmkit ?? HMMKitCommand.Sweep.executable)
      engine.partition = partition
      engine.timeLimit = time
      engine.chunk = chunk
      engine.maxRunning = maxRunning
      engine.extraOptions = sbatchOptions
      let start = Date()
      let submitted = try HMMKitCommand.Sweep.checked { () throws(SweepError) in try engine.submit(dryRun: dryRun) }
      guard let script = submitted.script else {
        print("sweep \(plan.sweep.name): every job has a result; nothing to submit")
        return
      }
      guard let id = submitted.jobID else {
        print("wrote \(script) (submit it with: sbatch \(script))")
        return
      }
      print("submitted Slurm job \(id) (\(script))")
      if wait {
        try HMMKitCommand.Sweep.checked { () throws(SweepError) in try engine.wait(for: id, progress: HMMKitCommand.Sweep.progressPrinter()) }
        let status = SweepStatus(plan: plan, directory: directory)
        print("sweep \(plan.sweep.name): " + status.report, terminator: "")
        print(String(format: "%.1f s; merge with: hmmkit sweep merge %@ --into results.sqlite", Date().timeIntervalSince(start), directory.path))
        if !status.missing.isEmpty {
        print("why: \(directory.file("failures"))/ID.json and \(directory.file("logs"))/ID.log; run the same command again to run only the missing jobs")
        throw ExitCode(1)
      }
      } else {
        print("when it has ended: hmmkit sweep status \(directory.path); hmmkit sweep merge \(directory.path) --into results.sqlite")
      }
    }
  }
}
