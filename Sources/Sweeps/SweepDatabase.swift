import Foundation
import GRDB
import Workloads

/// The merged results of sweeps in one SQLite file (docs/sweeps.md):
///
/// - `runs`: one row per job (`sweep`, `job`, `job_index`, `seed`, `workload`, `policy`, `ladder`,
///   `cost`, `tool_version`, `host`, `seconds`, `parameters` and `result` as JSON), and one column
///   per axis, named `axis:PATH` (`"axis:policy"`, `"axis:workload.accesses"`), each indexed;
/// - `metrics`: one row per job and number (`sweep`, `job`, `name`, `value`; ``SweepJobResult/metrics``),
///   indexed by name and value.
///
/// Merging is idempotent: a job's row and metrics are replaced by the same ones.
public struct SweepDatabase: Sendable {
  /// The database file.
  public var path: String

  /// The database at `path` (created on the first merge).
  public init(path: String) { self.path = path }

  func open() throws(SweepError) -> DatabaseQueue {
    do { return try DatabaseQueue(path: path) } catch {
      throw SweepError("\(path): error: cannot open the database: \(error)")
    }
  }

  /// Merges the results in `directories` (each a sweep's `--out`).
  /// - Returns: the report: rows merged, missing and duplicate jobs, result files rejected.
  /// - Throws: ``SweepError`` when a directory is not a sweep's or the database cannot be written.
  public func merge(_ directories: [SweepDirectory]) throws(SweepError) -> SweepMergeReport {
    var report = SweepMergeReport(database: path)
    var plans: [String: SweepPlan] = [:]
    var accepted: [String: [(job: SweepJob, result: SweepJobResult, directory: String)]] = [:]
    var seen: [String: [String: String]] = [:]
    for directory in directories {
      let plan = try SweepPlan(try directory.sweep())
      let name = plan.sweep.name
      if let earlier = plans[name] {
        guard earlier.sweep == plan.sweep else {
          throw SweepError("\(directory.path): error: holds a different sweep named '\(name)' than an earlier directory; merge it into another database")
        }
      } else {
        plans[name] = plan
        report.sweeps.append(SweepMergeReport.Sweep(name: name, directories: [], planned: plan.jobs.count))
      }
      let slot = report.sweeps.firstIndex { $0.name == name }!
      report.sweeps[slot].directories.append(directory.path)
      for id in directory.resultIDs() {
        let file = directory.resultFile(id)
        let result: SweepJobResult
        do { result = try directory.result(id) } catch {
          report.sweeps[slot].rejected.append(error.description)
          continue
        }
        guard result.job == id else { report.sweeps[slot].rejected.append("\(file): names job \(result.job), not \(id)"); continue }
        guard result.sweep == name else { report.sweeps[slot].rejected.append("\(file): belongs to sweep '\(result.sweep)'"); continue }
        guard let job = plan.job(id), job.id == id else { report.sweeps[slot].rejected.append("\(file): job \(id) is not in the plan"); continue }
        guard job.parameters == result.parameters else {
          report.sweeps[slot].rejected.append("\(file): its parameters differ from job \(id)'s in sweep.json (a result of an older plan?)")
          continue
        }
        if let first = seen[name]?[id] {
          report.sweeps[slot].duplicates.append("\(id): \(first), \(directory.path)")
          continue
        }
        seen[name, default: [:]][id] = directory.path
        report.sweeps[slot].toolVersions.insert(result.toolVersion)
        accepted[name, default: []].append((job, result, directory.path))
      }
    }
    for (slot, sweep) in report.sweeps.enumerated() {
      let plan = plans[sweep.name]!
      let done = Set(accepted[sweep.name, default: []].map(\.job.id))
      var statusByID: [String: SweepStatus.Missing] = [:]
      for directory in directories where sweep.directories.contains(directory.path) {
        for missing in SweepStatus(plan: plan, directory: directory).missing where !done.contains(missing.id) {
          if let known = statusByID[missing.id], !known.failures.isEmpty { continue }
          statusByID[missing.id] = missing
        }
      }
      report.sweeps[slot].missing = plan.jobs.filter { !done.contains($0.id) }.map {
        statusByID[$0.id] ?? SweepStatus.Missing(id: $0.id, label: $0.label, failures: [], running: false)
      }
      report.sweeps[slot].merged = accepted[sweep.name, default: []].map(\.job.id).sorted()
    }
    let queue = try open()
    let rows = accepted
    let axesBySweep = plans.mapValues { $0.sweep.axes.map(\.axis) }
    do {
      try queue.write { db in
        try Self.createSchema(db)
        for (name, entries) in rows {
          var columns = Set(try db.columns(in: "runs").map(\.name))
          for axis in axesBySweep[name] ?? [] where !columns.contains("axis:\(axis)") {
            let column = "axis:\(axis)"
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN \(column.quotedDatabaseIdentifier)")
            let index = "runs_by_\(column)"
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS \(index.quotedDatabaseIdentifier) ON runs(sweep, \(column.quotedDatabaseIdentifier))")
            columns.insert(column)
          }
          for (job, result, _) in entries { try Self.insert(db, job: job, result: result) }
        }
      }
    } catch let error as SweepError {
      throw error
    } catch {
      throw SweepError("\(path): error: cannot write the database: \(error)")
    }
    return report
  }

  static func createSchema(_ db: Database) throws {
    try db.execute(sql: """
      CREATE TABLE IF NOT EXISTS runs (
        sweep TEXT NOT NULL, job TEXT NOT NULL, job_index INTEGER NOT NULL, seed INTEGER NOT NULL,
        workload TEXT NOT NULL, policy TEXT NOT NULL, ladder TEXT NOT NULL, cost TEXT NOT NULL,
        tool_version TEXT NOT NULL, host TEXT NOT NULL, seconds REAL NOT NULL,
        parameters TEXT NOT NULL, result TEXT NOT NULL,
        PRIMARY KEY (sweep, job));
      CREATE TABLE IF NOT EXISTS metrics (
        sweep TEXT NOT NULL, job TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL,
        PRIMARY KEY (sweep, job, name),
        FOREIGN KEY (sweep, job) REFERENCES runs(sweep, job) ON DELETE CASCADE);
      CREATE INDEX IF NOT EXISTS metrics_by_name ON metrics(sweep, name, value);
      CREATE INDEX IF NOT EXISTS runs_by_policy ON runs(sweep, workload, policy, ladder, cost);
      """)
  }

  static func databaseValue(_ value: SweepValue) -> DatabaseValue {
    switch value {
    case .null: .null
    case .bool(let v): (v ? 1 : 0).databaseValue
    case .integer(let v): v.databaseValue
    case .number(let v): v.databaseValue
    case .string(let v): v.databaseValue
    case .array, .object: value.json.databaseValue
    }
  }

  static func insert(_ db: Database, job: SweepJob, result: SweepJobResult) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let runJSON = String(decoding: try encoder.encode(result.run), as: UTF8.self)
    var columns = ["sweep", "job", "job_index", "seed", "workload", "policy", "ladder", "cost", "tool_version", "host", "seconds",
                   "parameters", "result"]
    var values: [DatabaseValue] = [
      result.sweep.databaseValue, result.job.databaseValue, result.index.databaseValue, Int64(bitPattern: result.seed).databaseValue,
      result.run.workload.databaseValue, result.run.policy.databaseValue, result.run.ladder.databaseValue, result.run.cost.databaseValue,
      result.toolVersion.databaseValue, result.host.databaseValue, result.seconds.databaseValue,
      result.parameters.json.databaseValue, runJSON.databaseValue,
    ]
    for (axis, value) in job.assignments where axis != "seed" {
      columns.append("axis:\(axis)")
      values.append(databaseValue(value))
    }
    try db.execute(sql: "DELETE FROM metrics WHERE sweep = ? AND job = ?", arguments: [result.sweep, result.job])
    try db.execute(
      sql: "INSERT OR REPLACE INTO runs (\(columns.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
      arguments: StatementArguments(values))
    for (name, value) in result.metrics.sorted(by: { $0.key < $1.key }) {
      try db.execute(sql: "INSERT INTO metrics (sweep, job, name, value) VALUES (?, ?, ?, ?)", arguments: [result.sweep, result.job, name, value])
    }
  }

  /// An axis cell as a plan line shows it (`4096`, `45000`, `map-order`).
  static func text(_ value: DatabaseValue) -> String {
    switch value.storage {
    case .null: "null"
    case .int64(let v): "\(v)"
    case .double(let v): v == v.rounded() && abs(v) < 1e15 ? "\(Int64(v))" : "\(v)"
    case .string(let v): v
    case .blob(let v): "\(v.count) bytes"
    }
  }

  /// The sweeps in the database.
  /// - Throws: ``SweepError`` when it is not a sweep database.
  public func sweepNames() throws(SweepError) -> [String] {
    guard FileManager.default.fileExists(atPath: path) else { throw SweepError("\(path): error: no such database") }
    do {
      return try open().read { db in
        guard try db.tableExists("runs") else { throw SweepError("\(path): error: not a sweep database (no 'runs' table; make one with hmmkit sweep merge)") }
        return try String.fetchAll(db, sql: "SELECT DISTINCT sweep FROM runs ORDER BY sweep")
      }
    } catch let error as SweepError { throw error } catch { throw SweepError("\(path): error: \(error)") }
  }

  /// Every metric of a sweep: job id → name → value.
  /// - Throws: ``SweepError`` when the database cannot be read.
  public func metrics(sweep: String) throws(SweepError) -> [String: [String: Double]] {
    do {
      return try open().read { db in
        var result: [String: [String: Double]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT job, name, value FROM metrics WHERE sweep = ?", arguments: [sweep]) {
          result[row["job"] as String, default: [:]][row["name"] as String] = row["value"] as Double
        }
        return result
      }
    } catch { throw SweepError("\(path): error: \(error)") }
  }

  /// The rows of `runs` of a sweep: job id, axis values (axis → value as text) and the run.
  /// - Throws: ``SweepError`` when the database cannot be read or a row's JSON is broken.
  public func runs(sweep: String) throws(SweepError) -> [(job: String, parameters: SweepJobSpec, axes: [(String, String)], run: RunResult)] {
    do {
      return try open().read { db in
        let axisColumns = try db.columns(in: "runs").map(\.name).filter { $0.hasPrefix("axis:") }
        var result: [(job: String, parameters: SweepJobSpec, axes: [(String, String)], run: RunResult)] = []
        for row in try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE sweep = ? ORDER BY job_index", arguments: [sweep]) {
          let run = try JSONDecoder().decode(RunResult.self, from: Data((row["result"] as String).utf8))
          let parametersJSON = Data((row["parameters"] as String).utf8)
          let parameters = try JSONDecoder().decode(SweepJobSpec.self, from: parametersJSON)
          let tree = try JSONDecoder().decode(SweepValue.self, from: parametersJSON)
          var axes: [(String, String)] = []
          for column in axisColumns {
            let value: DatabaseValue = row[column]
            guard !value.isNull else { continue }
            let axis = String(column.dropFirst(5))
            // As the sweep file wrote it (true, not the column's 1), where the parameters have it.
            let written = SweepPath(parsing: axis).flatMap { tree.value(at: $0) }
            axes.append((axis, written?.description ?? Self.text(value)))
          }
          result.append((row["job"] as String, parameters, axes, run))
        }
        return result
      }
    } catch { throw SweepError("\(path): error: cannot read sweep '\(sweep)': \(error)") }
  }
}
