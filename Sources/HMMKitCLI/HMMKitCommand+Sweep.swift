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

    /// Loads a sweep file and expands it; when anything is wrong, the message naming the file is
    /// printed on standard error and the command exits with 2.
    static func plan(_ file: String) throws -> SweepPlan {
      try checked { () throws(SweepError) in
        do throws(SweepError) { return try SweepPlan(try SweepSpec.load(path: file)) } catch {
          throw error.description.hasPrefix(file) ? error : SweepError("\(file): error: \(error.description)")
        }
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

    /// Runs `body`; a ``SweepError`` (a file or sweep that is wrong, which the usage text would
    /// not help with) is printed on standard error as it is, and the command exits with 2.
    static func checked<T>(_ body: () throws(SweepError) -> T) throws -> T {
      do { return try body() } catch {
        FileHandle.standardError.write(Data((error.description + "\n").utf8))
        throw ExitCode(2)
      }
    }
  }
}
