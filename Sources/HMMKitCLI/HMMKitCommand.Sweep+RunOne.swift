import ArgumentParser
import Foundation
import Sweeps

extension HMMKitCommand.Sweep {
  /// `hmmkit sweep run-one FILE --job ID [--out DIR]`.
  struct RunOne: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "run-one",
      abstract: "Run one job of a sweep and write its result (JSON).",
      discussion: """
        With --out, the job runs in a worker process, is retried once if that fails, and its result goes \
        to DIR/results/ID.json (a job that already has one is skipped); failed attempts are recorded in \
        DIR/failures/ID.json. Without --out, the job runs here and its result goes to standard output.
        """)
    @Argument(help: "The sweep file (JSON).") var file: String
    @Option(help: "The job's id (as 'plan' prints it; leading zeros may be left out).") var job: String
    @Option(help: "The sweep's output directory.") var out: String?
    @Flag(help: .hidden) var worker = false
    @Option(help: .hidden) var attempt = 1

    func run() throws {
      // Only this job is planned (an array task of a large sweep should not plan them all).
      let sweep = try HMMKitCommand.Sweep.checked { () throws(SweepError) in try SweepSpec.load(path: file) }
      guard let index = Int(self.job), index >= 0, index < sweep.jobCount else {
        throw ValidationError("--job \(self.job): error: no such job in \(file) (ids 0 to \(sweep.jobCount - 1); see hmmkit sweep plan)")
      }
      let job = try HMMKitCommand.Sweep.checked { () throws(SweepError) in
        do throws(SweepError) { return try SweepPlan.job(at: index, of: sweep) } catch { throw SweepError("\(file): error: \(error.description)") }
      }
      guard let out else {
        let result = try HMMKitCommand.Sweep.checked { () throws(SweepError) in
          try SweepJobRunner(job: job, sweep: sweep.name, directory: SweepDirectory("."), executable: HMMKitCommand.Sweep.executable).compute()
        }
        FileHandle.standardOutput.write(try result.json())
        print()
        return
      }
      let directory = SweepDirectory(out)
      let runner = SweepJobRunner(job: job, sweep: sweep.name, directory: directory, executable: HMMKitCommand.Sweep.executable)
      if worker {
        do { try runner.work(attempt: attempt) } catch {
          FileHandle.standardError.write(Data("\(error.description)\n".utf8))
          throw ExitCode(1)
        }
        return
      }
      try HMMKitCommand.Sweep.checked { () throws(SweepError) in try directory.prepare(for: sweep) }
      switch runner.supervise() {
      case .alreadyDone: print("job \(job.id): already done (\(directory.resultFile(job.id)))")
      case .done(let attempt): print("job \(job.id): done\(attempt > 1 ? " on attempt \(attempt)" : "") (\(directory.resultFile(job.id)))")
      case .failed(let failures):
        FileHandle.standardError.write(Data(
          "job \(job.id) (\(job.label)): failed \(failures.count) times; last: \(failures.last?.reason ?? "?") (log: \(directory.logFile(job.id)))\n".utf8))
        throw ExitCode(1)
      }
    }
  }
}
