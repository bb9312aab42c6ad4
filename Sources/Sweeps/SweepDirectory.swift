import Foundation

/// A sweep's output directory (`--out DIR`), shared by every engine and host:
///
/// - `sweep.json`: the sweep as planned (jobs read it, so only DIR must be shared on a cluster);
/// - `results/ID.json`: each finished job's ``SweepJobResult``, written whole or not at all;
/// - `running/ID`: the worker running a job now (``SweepRunningJob``);
/// - `failures/ID.json`: failed attempts (``SweepFailure``), kept after a successful retry;
/// - `logs/ID.log`: what the job's attempts wrote to standard error;
/// - `slurm/`: the batch script `sweep.sbatch` and the array tasks' output.
public struct SweepDirectory: Sendable {
  /// The directory.
  public var path: String

  /// The directory at `path` (made absolute).
  public init(_ path: String) {
    let url = URL(fileURLWithPath: path)
    self.path = url.standardizedFileURL.path
  }

  /// This host's short name.
  public static var hostName: String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return String(name.split(separator: ".").first ?? "localhost")
  }

  /// `DIR/NAME`.
  public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
  /// `sweep.json`.
  public var sweepFile: String { file("sweep.json") }
  /// `results/ID.json`.
  public func resultFile(_ id: String) -> String { file("results/\(id).json") }
  /// `running/ID`.
  public func runningFile(_ id: String) -> String { file("running/\(id)") }
  /// `failures/ID.json`.
  public func failureFile(_ id: String) -> String { file("failures/\(id).json") }
  /// `logs/ID.log`.
  public func logFile(_ id: String) -> String { file("logs/\(id).log") }

  /// The sweep's JSON as `sweep.json` holds it (sorted keys).
  static func encoded(_ sweep: SweepSpec) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(sweep)) ?? Data()
  }

  /// Makes the directory ready for `sweep`: creates it, writes `sweep.json`, and removes the
  /// records of workers that no longer run. Results already there are kept (and those jobs skipped).
  /// - Throws: ``SweepError`` when DIR holds another sweep or cannot be written.
  public func prepare(for sweep: SweepSpec) throws(SweepError) {
    let fm = FileManager.default
    let data = Self.encoded(sweep)
    if let existing = fm.contents(atPath: sweepFile), existing != data {
      let other = (try? JSONDecoder().decode(SweepSpec.self, from: existing))?.name ?? "unreadable"
      throw SweepError("\(path): error: holds the results of another sweep ('\(other)', or a different version of '\(sweep.name)'); "
        + "use another --out directory or remove this one")
    }
    do {
      for sub in ["results", "running", "failures", "logs", "slurm"] {
        try fm.createDirectory(atPath: file(sub), withIntermediateDirectories: true)
      }
      if fm.contents(atPath: sweepFile) == nil { try data.write(to: URL(fileURLWithPath: sweepFile), options: .atomic) }
    } catch {
      throw SweepError("\(path): error: cannot write the sweep directory: \(error.localizedDescription)")
    }
    for job in running() where !job.isAlive { try? fm.removeItem(atPath: runningFile(job.job)) }
  }

  /// Reads `sweep.json`.
  /// - Throws: ``SweepError`` when it is missing or wrong.
  public func sweep() throws(SweepError) -> SweepSpec {
    guard FileManager.default.fileExists(atPath: sweepFile) else {
      throw SweepError("\(path): error: no sweep.json here (not a sweep directory: run 'hmmkit sweep local' or 'slurm' with --out \(path))")
    }
    return try SweepSpec.load(path: sweepFile)
  }

  /// Writes `data` to `target` through a temporary file and a rename, so readers see all or nothing.
  public static func writeAtomically(_ data: Data, to target: String) throws {
    let temporary = target + ".tmp-\(hostName)-\(getpid())"
    try data.write(to: URL(fileURLWithPath: temporary))
    guard rename(temporary, target) == 0 else {
      let code = errno
      unlink(temporary)
      throw SweepError("cannot rename \(temporary) to \(target): \(String(cString: strerror(code)))")
    }
  }

  /// The ids that have a file in `sub` ending in `suffix`.
  func ids(in sub: String, suffix: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: file(sub))) ?? []
    return names.filter { $0.hasSuffix(suffix) && !$0.contains(".tmp-") }.map { String($0.dropLast(suffix.count)) }.sorted()
  }

  /// Ids with a result file.
  public func resultIDs() -> [String] { ids(in: "results", suffix: ".json") }

  /// Ids with a failure record.
  public func failureIDs() -> [String] { ids(in: "failures", suffix: ".json") }

  /// Reads one job's result.
  /// - Throws: ``SweepError`` naming the file when it cannot be read or decoded.
  public func result(_ id: String) throws(SweepError) -> SweepJobResult {
    let path = resultFile(id)
    guard let data = FileManager.default.contents(atPath: path) else { throw SweepError("\(path): error: cannot read") }
    do { return try JSONDecoder().decode(SweepJobResult.self, from: data) } catch let error as DecodingError {
      throw SweepError(error.message(file: path, data: data))
    } catch {
      throw SweepError("\(path): error: \(error.localizedDescription)")
    }
  }

  /// The failed attempts recorded for a job.
  public func failures(_ id: String) -> [SweepFailure] {
    guard let data = FileManager.default.contents(atPath: failureFile(id)) else { return [] }
    return (try? JSONDecoder().decode([SweepFailure].self, from: data)) ?? []
  }

  /// Records one more failed attempt of a job.
  public func recordFailure(_ failure: SweepFailure, job id: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try Self.writeAtomically(try encoder.encode(failures(id) + [failure]), to: failureFile(id))
  }

  /// The workers running now (as recorded; a record whose worker died is dropped by ``prepare(for:)``).
  public func running() -> [SweepRunningJob] {
    ids(in: "running", suffix: "").compactMap { id in
      FileManager.default.contents(atPath: runningFile(id)).flatMap { try? JSONDecoder().decode(SweepRunningJob.self, from: $0) }
    }
  }
}
