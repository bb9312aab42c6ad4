import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Sweeps

/// What the sweep tests share: the `hmmkit` binary, temporary directories, running commands,
/// and the single-node Slurm that `.ci/start-slurm.sh` starts.
enum SweepFixture {
  /// The repository's root.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The example sweep of 24 jobs.
  static var exampleSweep: String { root.appendingPathComponent("Scenarios/sweeps/policies-thp.json").path }

  /// The `hmmkit` binary next to the test bundle.
  static var hmmkit: String {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hmmkit").path
  }

  /// A new empty directory under the temporary directory.
  static func temporaryDirectory(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "hmmkit-sweeps-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Writes `text` to `directory/name` and returns the path.
  static func write(_ text: String, to directory: String, as name: String) throws -> String {
    let path = (directory as NSString).appendingPathComponent(name)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// A started command whose output goes to files.
  final class Command: @unchecked Sendable {
    let process = Process()
    let outPath: String
    let errPath: String

    init(_ executable: String, _ arguments: [String], in directory: String) throws {
      outPath = (directory as NSString).appendingPathComponent("command-\(UInt32.random(in: 0...UInt32.max)).out")
      errPath = outPath + ".err"
      FileManager.default.createFile(atPath: outPath, contents: nil)
      FileManager.default.createFile(atPath: errPath, contents: nil)
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = arguments
      process.standardInput = FileHandle.nullDevice
      process.standardOutput = FileHandle(forWritingAtPath: outPath)
      process.standardError = FileHandle(forWritingAtPath: errPath)
      try process.run()
    }

    /// Waits (at most `timeout` seconds, then kills it) and returns the exit status and output.
    ///
    /// The child is reaped here with `waitpid` rather than through Foundation's own termination
    /// monitoring: in the test runner, which also forks helper processes of its own, that
    /// monitoring was seen to miss a child's exit (the child stayed a zombie and
    /// `waitUntilExit()` never returned). Whichever of the two reaps the child first, the status
    /// is the child's.
    func finish(timeout: Double = 120) -> (status: Int32, out: String, err: String) {
      let pid = process.processIdentifier
      let deadline = Date().addingTimeInterval(timeout)
      var status: Int32 = 0
      var reaped = false
      var killed = false
      while true {
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { reaped = true; break }
        if result < 0 { break }  // ECHILD: Foundation reaped it
        if Date() >= deadline {
          if killed { break }
          kill(pid, SIGKILL)
          killed = true
          continue
        }
        usleep(20_000)
      }
      let code: Int32
      if reaped {
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (the C macros are not imported).
        code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
      } else {
        let foundationDeadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < foundationDeadline { usleep(1_000) }
        code = process.isRunning ? 128 + SIGKILL : (process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus)
      }
      let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
      let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
      return (code, out, err)
    }
  }

  /// Runs `hmmkit ARGUMENTS` to the end.
  static func hmmkit(_ arguments: [String], in directory: String, timeout: Double = 120) throws -> (status: Int32, out: String, err: String) {
    try Command(hmmkit, arguments, in: directory).finish(timeout: timeout)
  }

  /// Nil when a single-node Slurm answers (started by `.ci/start-slurm.sh` if needed), else why not.
  static let slurmUnavailable: String? = {
    guard getuid() == 0 else { return "Slurm tests need root (to start munged, slurmctld and slurmd)" }
    let script = root.appendingPathComponent(".ci/start-slurm.sh").path
    guard let directory = try? temporaryDirectory("slurm-start"),
          let command = try? Command("/bin/bash", [script], in: directory) else { return "cannot run \(script)" }
    let result = command.finish(timeout: 60)
    try? FileManager.default.removeItem(atPath: directory)
    guard result.status == 0 else {
      return "Slurm could not be started: \(result.err.trimmingCharacters(in: .whitespacesAndNewlines)) (exit \(result.status))"
    }
    return nil
  }()

  /// The ids of the plan of the sweep at `path`.
  static func planIDs(_ path: String) throws -> [String] {
    try SweepPlan(try SweepSpec.load(path: path)).jobs.map(\.id)
  }
}
