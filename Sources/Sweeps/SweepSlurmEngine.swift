import Foundation

/// Runs a sweep on Slurm: writes a batch script for a job array (`sbatch --array`), one array
/// task per chunk of jobs (one job by default), and submits it. Each task runs its jobs through
/// `hmmkit sweep run-one` (one retry, failures recorded), so the output directory and the
/// `hmmkit` executable must be on a file system every node sees (docs/sweeps.md).
public struct SweepSlurmEngine: Sendable {
  /// The plan.
  public var plan: SweepPlan
  /// The output directory (prepared by the caller).
  public var directory: SweepDirectory
  /// The `hmmkit` executable the tasks run.
  public var executable: String
  /// `#SBATCH --partition` (none: the cluster's default).
  public var partition: String?
  /// `#SBATCH --time` per array task (none: the partition's default).
  public var timeLimit: String?
  /// Jobs per array task (nil: 1, or more when the plan has more tasks than `MaxArraySize`).
  public var chunk: Int?
  /// At most this many tasks at once (`--array=…%N`).
  public var maxRunning: Int?
  /// Further `#SBATCH` lines, e.g. `--account=abc` or `--mem-per-cpu=2G`.
  public var extraOptions: [String] = []

  /// Slurm's default `MaxArraySize` (the highest array index is one less).
  public static let defaultMaxArraySize = 1001

  /// An engine.
  public init(plan: SweepPlan, directory: SweepDirectory, executable: String) {
    self.plan = plan
    self.directory = directory
    self.executable = executable
  }

  /// `MaxArraySize` of the cluster `scontrol` talks to, if it answers.
  public static func clusterMaxArraySize() -> Int? {
    guard let output = try? run("scontrol", ["show", "config"]), output.status == 0 else { return nil }
    for line in output.text.split(separator: "\n") where line.hasPrefix("MaxArraySize") {
      return line.split(separator: "=").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
    return nil
  }

  /// The jobs per task: ``chunk``, or the fewest that keep every task index below `maxArraySize`.
  public func jobsPerTask(maxArraySize: Int) -> Int {
    if let chunk { return max(1, chunk) }
    let tasks = max(1, maxArraySize - 1)
    return max(1, (plan.jobs.count + tasks - 1) / tasks)
  }

  /// The array's task indices for the jobs still without a result, as Slurm writes them
  /// (`0-23`, `3,7-9`).
  public func arraySpec(jobsPerTask: Int) -> String {
    let runner = { (job: SweepJob) in SweepJobRunner(job: job, sweep: plan.sweep.name, directory: directory, executable: executable) }
    let tasks = Set(plan.jobs.filter { !runner($0).hasResult }.map { $0.index / jobsPerTask }).sorted()
    var parts: [String] = []
    var i = 0
    while i < tasks.count {
      var j = i
      while j + 1 < tasks.count && tasks[j + 1] == tasks[j] + 1 { j += 1 }
      parts.append(i == j ? "\(tasks[i])" : "\(tasks[i])-\(tasks[j])")
      i = j + 1
    }
    return parts.joined(separator: ",")
  }

  /// Quotes `text` for bash.
  static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

  /// The batch script for the jobs still without a result; nil when every job has one.
  public func batchScript(maxArraySize: Int) -> String? {
    let perTask = jobsPerTask(maxArraySize: maxArraySize)
    let array = arraySpec(jobsPerTask: perTask)
    guard !array.isEmpty else { return nil }
    let taskCount = (plan.jobs.count + perTask - 1) / perTask
    var lines = [
      "#!/bin/bash",
      "# HMMKit sweep '\(plan.sweep.name)': \(plan.jobs.count) jobs in \(taskCount) array tasks of \(perTask) job\(perTask == 1 ? "" : "s")",
      "# (written by hmmkit sweep slurm; submit with: sbatch \(directory.file("slurm/sweep.sbatch")))",
      "#SBATCH --job-name=hmmkit-\(plan.sweep.name.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })",
      "#SBATCH --array=\(array)\(maxRunning.map { "%\($0)" } ?? "")",
      "#SBATCH --output=\(directory.file("slurm/task-%A_%a.out"))",
      "#SBATCH --ntasks=1",
      "#SBATCH --cpus-per-task=1",
    ]
    if let partition { lines.append("#SBATCH --partition=\(partition)") }
    if let timeLimit { lines.append("#SBATCH --time=\(timeLimit)") }
    for option in extraOptions { lines.append("#SBATCH \(option)") }
    lines += [
      "set -u",
      "hmmkit=\(Self.quoted(executable))",
      "sweep=\(Self.quoted(directory.sweepFile))",
      "out=\(Self.quoted(directory.path))",
      "jobs_per_task=\(perTask)",
      "jobs=\(plan.jobs.count)",
      "first=$((SLURM_ARRAY_TASK_ID * jobs_per_task))",
      "status=0",
      "# run-one retries a failed job once and records both attempts in $out/failures/.",
      "for ((index = first; index < first + jobs_per_task && index < jobs; index++)); do",
      "  \"$hmmkit\" sweep run-one \"$sweep\" --job \"$index\" --out \"$out\" || status=1",
      "done",
      "exit \"$status\"",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// Writes `slurm/sweep.sbatch` and, unless `dryRun`, submits it (`sbatch --parsable`).
  /// - Returns: the script's path (nil when every job has a result, so nothing was written) and
  ///   the Slurm job id (nil for a dry run).
  /// - Throws: ``SweepError`` when sbatch is missing or refuses the script.
  public func submit(dryRun: Bool) throws(SweepError) -> (script: String?, jobID: String?) {
    let maxArraySize = (dryRun ? nil : Self.clusterMaxArraySize()) ?? Self.defaultMaxArraySize
    let path = directory.file("slurm/sweep.sbatch")
    guard let script = batchScript(maxArraySize: maxArraySize) else { return (nil, nil) }
    do {
      try Data(script.utf8).write(to: URL(fileURLWithPath: path))
      chmod(path, 0o755)
    } catch {
      throw SweepError("\(path): error: cannot write the batch script: \(error.localizedDescription)")
    }
    if dryRun { return (path, nil) }
    let output: (status: Int32, text: String)
    do { output = try Self.run("sbatch", ["--parsable", path]) } catch {
      throw SweepError("sbatch: error: \(error.description) (is Slurm installed? --dry-run only writes \(path))")
    }
    let id = output.text.split(separator: "\n").first.map { String($0.split(separator: ";").first ?? $0) }
    if output.status != 0 || id == nil {
      throw SweepError("sbatch \(path): error: exit status \(output.status): \(output.text.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
    return (path, id)
  }

  /// Waits until Slurm job `id` (every task of the array) has left the queue, calling `progress`
  /// about every half second.
  /// - Throws: ``SweepError`` when `squeue` keeps failing (the controller went away).
  public func wait(for id: String, progress: (SweepProgress) -> Void) throws(SweepError) {
    var failures = 0
    while true {
      progress(SweepProgress(plan: plan, directory: directory))
      let output = try Self.run("squeue", ["-h", "-j", id, "-o", "%i"])
      if output.status == 0 {
        failures = 0
        if output.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { break }
      } else {
        // squeue fails for a job that has been purged already ("Invalid job id").
        if output.text.contains("Invalid job id") { break }
        failures += 1
        if failures >= 20 { throw SweepError("squeue -j \(id): error: \(output.text.trimmingCharacters(in: .whitespacesAndNewlines))") }
      }
      usleep(500_000)
    }
    progress(SweepProgress(plan: plan, directory: directory))
  }

  /// Runs a tool found on PATH (or in /usr/sbin, /usr/bin) and returns its exit status and output.
  static func run(_ tool: String, _ arguments: [String]) throws(SweepError) -> (status: Int32, text: String) {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin"]
    guard let found = path.map({ "\($0)/\(tool)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
      throw SweepError("\(tool) is not installed")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: found)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch { throw SweepError("cannot run \(found): \(error.localizedDescription)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
