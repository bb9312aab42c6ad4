import Foundation

/// Runs a sweep's jobs on this machine, `jobs` at a time: through GNU parallel when it is
/// installed (Debian's `parallel`), or through a process pool of its own. Each job runs as
/// `hmmkit sweep run-one DIR/sweep.json --job ID --out DIR` (``SweepJobRunner``: one retry,
/// failures recorded). Jobs that already have a result are skipped.
public struct SweepLocalEngine: Sendable {
  /// Which engine runs the jobs.
  public enum Kind: String, Sendable, CaseIterable {
    /// GNU parallel if installed, else the pool.
    case auto
    /// GNU parallel (an error when it is not installed).
    case parallel
    /// The built-in process pool.
    case pool
  }

  /// The plan.
  public var plan: SweepPlan
  /// The output directory (prepared by the caller).
  public var directory: SweepDirectory
  /// The `hmmkit` executable.
  public var executable: String
  /// Jobs at a time.
  public var jobs: Int
  /// The engine.
  public var kind: Kind

  /// An engine.
  public init(plan: SweepPlan, directory: SweepDirectory, executable: String, jobs: Int, kind: Kind = .auto) {
    self.plan = plan
    self.directory = directory
    self.executable = executable
    self.jobs = max(1, jobs)
    self.kind = kind
  }

  /// GNU parallel's path, if installed (Debian's moreutils also has a `parallel`: that one is not used).
  public static var gnuParallel: String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") + ["/usr/bin"] {
      let candidate = "\(dir)/parallel"
      guard FileManager.default.isExecutableFile(atPath: candidate),
            let text = try? String(contentsOfFile: candidate, encoding: .utf8), text.contains("GNU parallel") else { continue }
      return candidate
    }
    return nil
  }

  /// The engine that will run: `parallel` or `pool`.
  /// - Throws: ``SweepError`` when `parallel` is asked for and not installed.
  public func resolvedKind() throws(SweepError) -> Kind {
    switch kind {
    case .pool: return .pool
    case .parallel:
      guard Self.gnuParallel != nil else { throw SweepError("--engine parallel: GNU parallel is not installed (apt-get install parallel)") }
      return .parallel
    case .auto: return Self.gnuParallel != nil ? .parallel : .pool
    }
  }

  /// Runs every job without a result; `progress` is called about every 0.2 s and at the end.
  /// - Returns: the status at the end.
  /// - Throws: ``SweepError`` when the engine cannot start.
  public func run(progress: (SweepProgress) -> Void) throws(SweepError) -> SweepStatus {
    let pending = plan.jobs.filter { job in
      !SweepJobRunner(job: job, sweep: plan.sweep.name, directory: directory, executable: executable).hasResult
    }
    if !pending.isEmpty {
      switch try resolvedKind() {
      case .parallel, .auto: try runParallel(pending, progress: progress)
      case .pool: runPool(pending, progress: progress)
      }
    }
    progress(SweepProgress(plan: plan, directory: directory))
    return SweepStatus(plan: plan, directory: directory)
  }

  /// The arguments of one job's run-one.
  func arguments(_ id: String) -> [String] {
    ["sweep", "run-one", directory.sweepFile, "--job", id, "--out", directory.path]
  }

  func runParallel(_ pending: [SweepJob], progress: (SweepProgress) -> Void) throws(SweepError) {
    let list = directory.file("logs/pending.txt")
    let log = directory.file("logs/parallel.log")
    do {
      try Data(pending.map { $0.id + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: list))
      _ = FileManager.default.createFile(atPath: log, contents: nil)
    } catch {
      throw SweepError("\(directory.path): error: cannot write \(list): \(error.localizedDescription)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.gnuParallel ?? "/usr/bin/parallel")
    process.arguments = ["--will-cite", "--halt", "never", "-j", "\(jobs)", "--joblog", directory.file("logs/parallel.joblog"),
                         "-a", list, "-q", executable] + arguments("{}")
    process.standardInput = FileHandle.nullDevice
    let handle = FileHandle(forWritingAtPath: log)
    process.standardOutput = handle ?? FileHandle.nullDevice
    process.standardError = handle ?? FileHandle.nullDevice
    do { try process.run() } catch { throw SweepError("cannot start GNU parallel: \(error.localizedDescription)") }
    while process.isRunning {
      progress(SweepProgress(plan: plan, directory: directory))
      usleep(200_000)
    }
    try? handle?.close()
  }

  func runPool(_ pending: [SweepJob], progress: (SweepProgress) -> Void) {
    var queue = pending[...]
    var running: [Process] = []
    while !queue.isEmpty || !running.isEmpty {
      running.removeAll { !$0.isRunning }
      while running.count < jobs, let job = queue.popFirst() {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(job.id)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        if (try? process.run()) != nil { running.append(process) } else {
          try? directory.recordFailure(SweepFailure(attempt: 1, exitStatus: 127, signal: nil, message: "cannot start \(executable)",
                                                    host: SweepDirectory.hostName, endedAt: Date().timeIntervalSince1970), job: job.id)
        }
      }
      progress(SweepProgress(plan: plan, directory: directory))
      usleep(50_000)
    }
  }
}
