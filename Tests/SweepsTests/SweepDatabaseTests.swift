import Foundation
import Testing
import Workloads
@testable import Sweeps

/// Merging results into SQLite: one row per job, metrics by name, idempotent, missing and
/// foreign results reported, and the study report drawn back from the database.
@Suite struct SweepDatabaseTests {
  /// A directory with the results of `ids` of the small sweep (computed in this process).
  static func directory(with ids: [String]) throws -> (plan: SweepPlan, directory: SweepDirectory) {
    let plan = try SweepPlan(try SweepPlanTests.sweep(SweepPlanTests.small))
    let directory = SweepDirectory(try SweepFixture.temporaryDirectory("db"))
    try directory.prepare(for: plan.sweep)
    for id in ids {
      let job = try #require(plan.job(id))
      let result = try SweepJobRunner(job: job, sweep: plan.sweep.name, directory: directory, executable: "").compute()
      try SweepDirectory.writeAtomically(try result.json(), to: directory.resultFile(job.id))
    }
    return (plan, directory)
  }

  @Test func mergeIsIdempotentAndReportsMissingJobs() throws {
    let (plan, directory) = try Self.directory(with: plan(skipping: ["0003", "0010"]))
    defer { try? FileManager.default.removeItem(atPath: directory.path) }
    let database = SweepDatabase(path: directory.file("results.sqlite"))
    let first = try database.merge([directory])
    #expect(first.sweeps.count == 1)
    #expect(first.sweeps[0].merged.count == 10)
    #expect(first.sweeps[0].missing.map(\.id) == ["0003", "0010"])
    #expect(first.text.contains("0003 (policy=base workload.regions[0].size=8M seed=8): no result"))
    #expect(!first.isComplete)
    let metrics = try database.metrics(sweep: plan.sweep.name)
    #expect(metrics.count == 10)
    #expect(metrics["0000"]?["faults"] ?? 0 > 0)
    #expect(metrics["0000"]?["time.total"] ?? 0 > 0)
    // Merging again changes nothing.
    let second = try database.merge([directory])
    #expect(second.sweeps[0].merged.count == 10)
    #expect(try database.metrics(sweep: plan.sweep.name) == metrics)
    #expect(try database.runs(sweep: plan.sweep.name).count == 10)
  }

  func plan(skipping: Set<String>) -> [String] { (0..<12).map { String(format: "%04d", $0) }.filter { !skipping.contains($0) } }

  @Test func axesAreColumnsAndMetricsMatchTheResults() throws {
    let (plan, directory) = try Self.directory(with: ["0000", "0005"])
    defer { try? FileManager.default.removeItem(atPath: directory.path) }
    let database = SweepDatabase(path: directory.file("results.sqlite"))
    _ = try database.merge([directory])
    let runs = try database.runs(sweep: plan.sweep.name)
    #expect(runs.map(\.job) == ["0000", "0005"])
    #expect(runs[1].axes.contains { $0 == ("policy", "map-order") })
    #expect(runs[1].axes.contains { $0 == ("workload.regions[0].size", "4M") })
    let result = try directory.result("0005")
    #expect(try database.metrics(sweep: plan.sweep.name)["0005"] == result.metrics)
    #expect(result.metrics["faults"] == Double(result.run.faults))
  }

  @Test func tamperedAndDuplicateResultsAreReported() throws {
    let (_, directory) = try Self.directory(with: ["0000", "0001"])
    var result = try directory.result("0001")
    result.parameters = try result.parameters.setting(.string("scan"), at: SweepPath(parsing: "policy")!)
    try SweepDirectory.writeAtomically(try result.json(), to: directory.resultFile("0001"))
    try Data("{".utf8).write(to: URL(fileURLWithPath: directory.resultFile("0002")))
    let (_, other) = try Self.directory(with: ["0000"])
    defer { for path in [directory.path, other.path] { try? FileManager.default.removeItem(atPath: path) } }
    let report = try SweepDatabase(path: directory.file("results.sqlite")).merge([directory, other])
    #expect(report.sweeps[0].merged == ["0000"])
    #expect(report.sweeps[0].rejected.count == 2)
    #expect(report.text.contains("0001.json: its parameters differ"))
    #expect(report.sweeps[0].duplicates == ["0000: \(directory.path), \(other.path)"])
  }

  @Test func studyFromTheDatabaseHasEveryRun() throws {
    let (plan, directory) = try Self.directory(with: plan(skipping: []))
    defer { try? FileManager.default.removeItem(atPath: directory.path) }
    let database = SweepDatabase(path: directory.file("results.sqlite"))
    _ = try database.merge([directory])
    let study = try database.study(sweep: nil)
    #expect(study.runs.count == 12)
    #expect(study.study.policies == ["base", "map-order", "gpusvm"])
    // Runs are named by the axes that vary besides policy and ladder, and the seed.
    #expect(study.runs[7].workload == "w workload.regions[0].size=8M seed=8")
    #expect(study.html.contains("HMMKit study: \(plan.sweep.name)"))
    #expect(throws: SweepError.self) { try database.study(sweep: "other") }
  }
}
