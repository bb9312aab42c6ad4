import ArgumentParser
import Foundation
import Sweeps

extension HMMKitCommand {
  /// `hmmkit sweep plan|run-one|local|slurm|status|merge`: parameter sweeps run by GNU parallel,
  /// a process pool or Slurm, merged into SQLite (docs/sweeps.md).
  struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Parameter sweeps: split a grid into jobs that GNU parallel or Slurm runs, and merge the results into SQLite.",
      discussion: """
        A sweep file (JSON, docs/sweeps.md) names a job template (a workload of docs/study.md, a policy, \
        a ladder, a cost model), axes that replace parts of it, and seeds. Exit status: 0 done, 1 jobs \
        failed or are missing (named in the report), 2 bad input.
        """,
      subcommands: [Plan.self, RunOne.self, Local.self, Slurm.self, Status.self, Merge.self])

    /// The running executable, which engines start for each job.
    static var executable: String {
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Loads a sweep file and expands it, as a usage error (exit 2) when anything is wrong.
    static func plan(_ file: String) throws -> SweepPlan {
      do { return try SweepPlan(try SweepSpec.load(path: file)) } catch {
        throw ValidationError(error.description.hasPrefix(file) ? error.description : "\(file): error: \(error.description)")
      }
    }

    /// Draws progress on standard error: one line redrawn on a terminal (ending with a line
    /// break once all jobs are done), else a line whenever the counts or the slowest job change.
    static func progressPrinter() -> (SweepProgress) -> Void {
      let terminal = isatty(STDERR_FILENO) == 1
      var last: SweepProgress?
      return { progress in
        defer { last = progress }
        let finished = { (p: SweepProgress?) in p.map { $0.done + $0.failed == $0.total && $0.running == 0 } ?? false }
        if terminal {
          FileHandle.standardError.write(Data("\r\u{1B}[K\(progress.line)".utf8))
          if finished(progress) && !finished(last) { FileHandle.standardError.write(Data("\n".utf8)) }
        } else if progress != last {
          FileHandle.standardError.write(Data("\(progress.line)\n".utf8))
        }
      }
    }

    /// Runs `body`, turning a ``SweepError`` into a usage error (exit 2).
    static func checked<T>(_ body: () throws(SweepError) -> T) throws -> T {
      do { return try body() } catch { throw ValidationError(error.description) }
    }

    /// `hmmkit sweep plan FILE`.
    struct Plan: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Print the sweep's jobs, one line each: ID and axis values.")
      @Argument(help: "The sweep file (JSON).") var file: String
      @Flag(help: "Print each job's parameters as JSON lines instead.") var json = false

      func run() throws {
        let plan = try Sweep.plan(file)
        if json {
          for job in plan.jobs { print("{\"job\":\"\(job.id)\",\"parameters\":\(job.parameters.json)}") }
        } else {
          print(plan.listing, terminator: "")
        }
      }
    }

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
        let sweep = try Sweep.checked { () throws(SweepError) in try SweepSpec.load(path: file) }
        guard let index = Int(self.job), index >= 0, index < sweep.jobCount else {
          throw ValidationError("--job \(self.job): error: no such job in \(file) (ids 0 to \(sweep.jobCount - 1); see hmmkit sweep plan)")
        }
        let job = try Sweep.checked { () throws(SweepError) in
          do throws(SweepError) { return try SweepPlan.job(at: index, of: sweep) } catch { throw SweepError("\(file): error: \(error.description)") }
        }
        guard let out else {
          let result = try Sweep.checked { () throws(SweepError) in
            try SweepJobRunner(job: job, sweep: sweep.name, directory: SweepDirectory("."), executable: Sweep.executable).compute()
          }
          FileHandle.standardOutput.write(try result.json())
          print()
          return
        }
        let directory = SweepDirectory(out)
        let runner = SweepJobRunner(job: job, sweep: sweep.name, directory: directory, executable: Sweep.executable)
        if worker {
          do { try runner.work(attempt: attempt) } catch {
            FileHandle.standardError.write(Data("\(error.description)\n".utf8))
            throw ExitCode(1)
          }
          return
        }
        try Sweep.checked { () throws(SweepError) in try directory.prepare(for: sweep) }
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

    /// `hmmkit sweep local FILE [-j N] --out DIR`.
    struct Local: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Run a sweep's jobs on this machine with GNU parallel (or a process pool of its own), showing progress.")
      @Argument(help: "The sweep file (JSON).") var file: String
      @Option(name: .shortAndLong, help: "Jobs at a time (default: the number of CPUs).") var jobs: Int?
      @Option(help: "The output directory (results, failures, logs).") var out: String
      @Option(help: "parallel (GNU parallel), pool (built in) or auto (parallel when installed).") var engine: String = "auto"

      func run() throws {
        let plan = try Sweep.plan(file)
        guard let kind = SweepLocalEngine.Kind(rawValue: engine) else {
          throw ValidationError("--engine \(engine): error: expected auto, parallel or pool")
        }
        if let jobs, jobs < 1 { throw ValidationError("--jobs \(jobs): error: must be at least 1") }
        let directory = SweepDirectory(out)
        try Sweep.checked { () throws(SweepError) in try directory.prepare(for: plan.sweep) }
        let engine = SweepLocalEngine(plan: plan, directory: directory, executable: Sweep.executable,
                                      jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, kind: kind)
        let resolved = try Sweep.checked { () throws(SweepError) in try engine.resolvedKind() }
        let start = Date()
        FileHandle.standardError.write(Data("sweep \(plan.sweep.name): \(plan.jobs.count) jobs, \(engine.jobs) at a time, engine \(resolved.rawValue == "parallel" ? "GNU parallel" : "process pool"), into \(directory.path)\n".utf8))
        let status = try Sweep.checked { () throws(SweepError) in try engine.run(progress: Sweep.progressPrinter()) }
        print("sweep \(plan.sweep.name): " + status.report, terminator: "")
        print(String(format: "%.1f s; merge with: hmmkit sweep merge %@ --into results.sqlite", Date().timeIntervalSince(start), directory.path))
        if !status.missing.isEmpty { throw ExitCode(1) }
      }
    }

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
        let plan = try Sweep.plan(file)
        if let chunk, chunk < 1 { throw ValidationError("--chunk \(chunk): error: must be at least 1") }
        if let maxRunning, maxRunning < 1 { throw ValidationError("--max-running \(maxRunning): error: must be at least 1") }
        let directory = SweepDirectory(out)
        try Sweep.checked { () throws(SweepError) in try directory.prepare(for: plan.sweep) }
        var engine = SweepSlurmEngine(plan: plan, directory: directory, executable: hmmkit ?? Sweep.executable)
        engine.partition = partition
        engine.timeLimit = time
        engine.chunk = chunk
        engine.maxRunning = maxRunning
        engine.extraOptions = sbatchOptions
        let start = Date()
        let submitted = try Sweep.checked { () throws(SweepError) in try engine.submit(dryRun: dryRun) }
        guard FileManager.default.fileExists(atPath: submitted.script) || submitted.jobID != nil else {
          print("sweep \(plan.sweep.name): every job has a result; nothing to submit")
          return
        }
        if dryRun {
          print("wrote \(submitted.script) (submit it with: sbatch \(submitted.script))")
          return
        }
        guard let id = submitted.jobID else {
          print("sweep \(plan.sweep.name): every job has a result; nothing to submit")
          return
        }
        print("submitted Slurm job \(id) (\(submitted.script))")
        if wait {
          try Sweep.checked { () throws(SweepError) in try engine.wait(for: id, progress: Sweep.progressPrinter()) }
          let status = SweepStatus(plan: plan, directory: directory)
          print("sweep \(plan.sweep.name): " + status.report, terminator: "")
          print(String(format: "%.1f s; merge with: hmmkit sweep merge %@ --into results.sqlite", Date().timeIntervalSince(start), directory.path))
          if !status.missing.isEmpty { throw ExitCode(1) }
        } else {
          print("when it has ended: hmmkit sweep status \(directory.path); hmmkit sweep merge \(directory.path) --into results.sqlite")
        }
      }
    }

    /// `hmmkit sweep status DIR`.
    struct Status: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Report which of a sweep's jobs are done, running, failed or missing.")
      @Argument(help: "The sweep's output directory.") var directory: String

      func run() throws {
        let directory = SweepDirectory(self.directory)
        let plan = try Sweep.checked { () throws(SweepError) in try SweepPlan(try directory.sweep()) }
        let status = SweepStatus(plan: plan, directory: directory)
        print("sweep \(plan.sweep.name): " + status.report, terminator: "")
        if !status.missing.isEmpty { throw ExitCode(1) }
      }
    }

    /// `hmmkit sweep merge DIR... --into results.sqlite`.
    struct Merge: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Gather the results of sweep directories into one SQLite database (tables runs and metrics); idempotent.",
        discussion: "Missing, duplicate and foreign results are reported (exit status 1); what exists is merged all the same.")
      @Argument(help: "Sweep output directories.") var directories: [String]
      @Option(help: "The SQLite database (created if needed).") var into: String

      func run() throws {
        guard !directories.isEmpty else { throw ValidationError("error: name at least one sweep directory") }
        let report = try Sweep.checked { () throws(SweepError) in
          try SweepDatabase(path: into).merge(directories.map(SweepDirectory.init))
        }
        print(report.text, terminator: "")
        if !report.isComplete { throw ExitCode(1) }
      }
    }
  }
}
