import Foundation
import Workloads

extension SweepDatabase {
  /// A merged sweep as a study (`hmmkit study --from results.sqlite`): its runs, each named by
  /// its workload and the values of the axes that vary (other than policy and ladder, which the
  /// report shows as bars and groups), so the report draws one chart per combination.
  /// - Parameter sweep: the sweep's name; may be left out when the database holds one.
  /// - Throws: ``SweepError`` when the database holds no such sweep, or several and none is named.
  public func study(sweep: String?) throws(SweepError) -> StudyResult {
    let names = try sweepNames()
    let name: String
    if let sweep {
      guard names.contains(sweep) else {
        throw SweepError("\(path): error: no sweep '\(sweep)' (the database holds: \(names.isEmpty ? "nothing" : names.joined(separator: ", ")))")
      }
      name = sweep
    } else {
      guard names.count == 1 else {
        throw SweepError("\(path): error: " + (names.isEmpty ? "holds no runs" : "holds several sweeps (\(names.joined(separator: ", "))); name one with --sweep"))
      }
      name = names[0]
    }
    let rows = try runs(sweep: name)
    var valuesByAxis: [String: Set<String>] = [:]
    for row in rows { for (axis, value) in row.axes { valuesByAxis[axis, default: []].insert(value) } }
    let seeds = Set(rows.map(\.parameters.seed))
    let labelled = valuesByAxis.filter { $0.value.count > 1 && $0.key != "policy" && $0.key != "ladder" }.keys
    var workloads: [WorkloadSpec] = []
    var policies: [String] = []
    var ladders: [String] = []
    var costs: [DeviceCostModel] = []
    var runs: [RunResult] = []
    for row in rows {
      var labels = row.axes.filter { labelled.contains($0.0) }.map { "\($0.0)=\($0.1)" }
      if seeds.count > 1 { labels.append("seed=\(row.parameters.seed)") }
      var run = row.run
      run.workload = ([run.workload] + labels).joined(separator: " ")
      var workload = row.parameters.workload
      workload.name = run.workload
      if !workloads.contains(where: { $0.name == workload.name }) { workloads.append(workload) }
      if !policies.contains(row.parameters.policy) { policies.append(row.parameters.policy) }
      if !ladders.contains(row.parameters.ladder) { ladders.append(row.parameters.ladder) }
      if !costs.contains(where: { $0.name == row.parameters.cost.name }) { costs.append(row.parameters.cost) }
      runs.append(run)
    }
    guard let first = rows.first else { throw SweepError("\(path): error: sweep '\(name)' has no runs") }
    let spec = StudySpec(name: name, seed: first.parameters.seed, memory: first.parameters.memory, workloads: workloads,
                         policies: policies, ladders: ladders, costs: costs)
    return StudyResult(study: spec, runs: runs)
  }
}
