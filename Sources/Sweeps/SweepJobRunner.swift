import Foundation
import Workloads

/// Runs one job (`hmmkit sweep run-one`): a supervisor starts the job in a worker process,
/// retries it once when the worker fails (a non-zero exit, a signal, no result), records every
/// failed attempt in `failures/ID.json`, and reports the job as failed after the second. Every
/// engine (GNU parallel, the process pool, a Slurm array task) runs jobs through it, so retries
/// and failure records are the same everywhere.
public struct SweepJobRunner: Sendable {
  /// The job.
  public var job: SweepJob
  /// The sweep's name.
  public var sweep: String
  /// The output directory.
  public var directory: SweepDirectory
  /// The `hmmkit` executable that runs the worker.
  public var executable: String
  /// Attempts before the job is reported as failed (1 + one retry).
  public var attempts = 2

  /// A runner.
  public init(job: SweepJob, sweep: String, directory: SweepDirectory, executable: String) {
    self.job = job
    self.sweep = sweep
    self.directory = directory
    self.executable = executable
  }

  /// What happened to the job.
  public enum Outcome: Sendable, Equatable {
    /// A result was already there; nothing ran.
    case alreadyDone
    /// The job ran; the attempt that succeeded.
    case done(attempt: Int)
    /// Every attempt failed (recorded in `failures/ID.json`).
    case failed([SweepFailure])
  }

  /// Whether a valid result for this job is in the directory already.
  public var hasResult: Bool {
    guard let result = try? directory.result(job.id) else { return false }
    return result.sweep == sweep && result.parameters == job.parameters
  }

  /// Supervises the job: up to ``attempts`` workers, one after the other.
  public func supervise() -> Outcome {
    if hasResult { return .alreadyDone }
    var failures: [SweepFailure] = []
    for attempt in 1...attempts {
      let failure = runWorkerProcess(attempt: attempt)
      guard let failure else { return .done(attempt: attempt) }
      try? directory.recordFailure(failure, job: job.id)
      failures.append(failure)
    }
    return .failed(failures)
  }

  /// Runs one worker process; nil when it wrote its result.
  func runWorkerProcess(attempt: Int) -> SweepFailure? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["sweep", "run-one", directory.sweepFile, "--job", job.id, "--out", directory.path, "--worker", "--attempt", "\(attempt)"]
    let logPath = directory.logFile(job.id)
    if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
    let log = FileHandle(forWritingAtPath: logPath)
    _ = try? log?.seekToEnd()
    log?.write(Data("--- job \(job.id) attempt \(attempt) on \(SweepDirectory.hostName) at \(Date())\n".utf8))
    let logStart = (try? log?.offset()) ?? 0
    process.standardError = log ?? FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    let failure: (Int32?, Int32?)
    do {
      try process.run()
      process.waitUntilExit()
      switch process.terminationReason {
      case .exit: failure = (process.terminationStatus, nil)
      case .uncaughtSignal: failure = (nil, process.terminationStatus)
      @unknown default: failure = (process.terminationStatus, nil)
      }
    } catch {
      log?.write(Data("cannot start \(executable): \(error.localizedDescription)\n".utf8))
      failure = (127, nil)
    }
    try? log?.close()
    // The worker's own record (a killed worker cannot remove it).
    try? FileManager.default.removeItem(atPath: directory.runningFile(job.id))
    if failure.0 == 0 && failure.1 == nil && hasResult { return nil }
    if let signal = failure.1 {
      let line = "--- attempt \(attempt) killed by signal \(signal)\n"
      if let handle = FileHandle(forWritingAtPath: logPath) { _ = try? handle.seekToEnd(); handle.write(Data(line.utf8)); try? handle.close() }
    }
    return SweepFailure(attempt: attempt, exitStatus: failure.0, signal: failure.1,
                        message: Self.tail(of: logPath, from: logStart), host: SweepDirectory.hostName, endedAt: Date().timeIntervalSince1970)
  }

  /// The last three lines written to `path` after `offset`, joined by ` / `.
  static func tail(of path: String, from offset: UInt64) -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
    defer { try? handle.close() }
    try? handle.seek(toOffset: offset)
    let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    return text.split(separator: "\n").filter { !$0.hasPrefix("---") }.suffix(3).joined(separator: " / ")
  }

  /// The worker: records itself in `running/ID`, runs the job, writes `results/ID.json` whole,
  /// and removes its record.
  /// - Throws: ``SweepError`` when the job cannot run or its result cannot be written.
  public func work(attempt: Int) throws(SweepError) {
    let started = Date()
    let record = SweepRunningJob(job: job.id, pid: getpid(), attempt: attempt, host: SweepDirectory.hostName, startedAt: started.timeIntervalSince1970)
    do { try SweepDirectory.writeAtomically(try JSONEncoder().encode(record), to: directory.runningFile(job.id)) } catch {
      throw SweepError("\(directory.path): error: cannot record job \(job.id) as running: \(error)")
    }
    defer { try? FileManager.default.removeItem(atPath: directory.runningFile(job.id)) }
    let result = try compute(attempt: attempt, started: started)
    do { try SweepDirectory.writeAtomically(try result.json(), to: directory.resultFile(job.id)) } catch {
      throw SweepError("\(directory.resultFile(job.id)): error: cannot write the result: \(error)")
    }
  }

  /// Runs the job in this process and returns its result.
  /// - Throws: ``SweepError`` when the workload cannot be set up.
  public func compute(attempt: Int = 1, started: Date = Date()) throws(SweepError) -> SweepJobResult {
    let run: Workloads.RunResult
    do { run = try job.spec.run() } catch { throw SweepError("job \(job.id) (\(job.label)): error: \(error.description)") }
    return SweepJobResult(sweep: sweep, job: job, host: SweepDirectory.hostName, attempt: attempt,
                          seconds: Date().timeIntervalSince(started), run: run)
  }
}
