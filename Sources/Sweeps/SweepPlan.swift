import Foundation

/// A sweep expanded into its jobs, every job's parameters checked.
public struct SweepPlan: Sendable {
  /// The sweep.
  public var sweep: SweepSpec
  /// The jobs, in plan order (first axis slowest, seeds fastest).
  public var jobs: [SweepJob]

  /// Expands `sweep`.
  /// - Throws: ``SweepError`` naming the sweep, the job and its axis values for every job
  ///   whose parameters are wrong (at most ten are listed).
  public init(_ sweep: SweepSpec) throws(SweepError) {
    let problems = sweep.problems()
    guard problems.isEmpty else { throw SweepError(problems.joined(separator: "\n")) }
    self.sweep = sweep
    let total = sweep.jobCount
    var jobs: [SweepJob] = []
    jobs.reserveCapacity(total)
    var errors: [String] = []
    var errorCount = 0
    for index in 0..<total {
      do throws(SweepError) {
        jobs.append(try Self.job(at: index, of: sweep))
      } catch {
        errorCount += 1
        if errors.count < 10 { errors.append(error.description) }
      }
    }
    if errorCount > 0 {
      if errorCount > errors.count { errors.append("… and \(errorCount - errors.count) more jobs with errors") }
      throw SweepError(errors.joined(separator: "\n"))
    }
    self.jobs = jobs
  }

  /// Job `index` of `sweep` alone, without planning the others (what one array task needs).
  /// - Throws: ``SweepError`` naming the job and its axis values when its parameters are wrong.
  public static func job(at index: Int, of sweep: SweepSpec) throws(SweepError) -> SweepJob {
    let total = sweep.jobCount
    guard index >= 0 && index < total else { throw SweepError("no job \(index) (the sweep has \(total) jobs, 0 to \(total - 1))") }
    let width = max(4, String(max(total - 1, 0)).count)
    var rest = index
    let seed = sweep.seeds[rest % sweep.seeds.count]
    rest /= sweep.seeds.count
    var picks: [Int] = Array(repeating: 0, count: sweep.axes.count)
    for a in sweep.axes.indices.reversed() {
      picks[a] = rest % sweep.axes[a].values.count
      rest /= sweep.axes[a].values.count
    }
    var assignments: [(axis: String, value: SweepValue)] = []
    var parameters = sweep.template
    let id = String(repeating: "0", count: max(0, width - String(index).count)) + String(index)
    do throws(SweepError) {
      for (a, axis) in sweep.axes.enumerated() {
        let value = axis.values[picks[a]]
        assignments.append((axis.axis, value))
        guard let path = SweepPath(parsing: axis.axis) else { throw SweepError("'\(axis.axis)' is not a path") }
        parameters = try parameters.setting(value, at: path)
      }
      assignments.append(("seed", .integer(Int64(bitPattern: seed))))
      parameters = try parameters.setting(.integer(Int64(bitPattern: seed)), at: SweepPath(parsing: "seed")!)
      let spec = try Self.decode(parameters)
      let problems = spec.problems()
      guard problems.isEmpty else { throw SweepError(problems.joined(separator: "; ")) }
      return SweepJob(id: id, index: index, assignments: assignments, parameters: parameters, spec: spec)
    } catch {
      let label = assignments.map { "\($0.axis)=\($0.value)" }.joined(separator: " ")
      throw SweepError("job \(id) (\(label)): \(error.description)")
    }
  }

  /// The job whose id is `id`, also written without its leading zeros (`7` for `0007`).
  public func job(_ id: String) -> SweepJob? {
    if let index = Int(id), index >= 0, index < jobs.count { return jobs[index] }
    return jobs.first { $0.id == id }
  }

  /// Decodes a job's parameters.
  static func decode(_ parameters: SweepValue) throws(SweepError) -> SweepJobSpec {
    do {
      let data = try JSONEncoder().encode(parameters)
      return try JSONDecoder().decode(SweepJobSpec.self, from: data)
    } catch let error as DecodingError {
      throw SweepError("template\(SweepSpec.describe(error).hasPrefix("top level") ? ": " : "")\(SweepSpec.describe(error).replacingOccurrences(of: "top level", with: ""))")
    } catch {
      throw SweepError("\(error)")
    }
  }

  /// `hmmkit sweep plan`: one line per job, `ID  axis=value …`.
  public var listing: String {
    jobs.map { "\($0.id)  \($0.label)\n" }.joined()
  }
}
