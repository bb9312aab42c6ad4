import Foundation
import Testing
import Workloads
@testable import Sweeps

/// The engines, through the `hmmkit` binary: GNU parallel and a real single-node Slurm give the
/// same rows and metrics; a job killed on both attempts is named in the report and merge still
/// merges the rest; a job killed once is retried.
@Suite(.serialized) struct SweepEngineTests {
  @Test func parallelAndSlurmGiveTheSameRowsAndMetrics() throws {
    if let reason = SweepFixture.slurmUnavailable { try Test.cancel(Comment(rawValue: reason)) }
    if SweepLocalEngine.gnuParallel == nil { try Test.cancel("GNU parallel is not installed (apt-get install parallel)") }
    let work = try SweepFixture.temporaryDirectory("engines")
    let sweep = SweepFixture.exampleSweep
    let viaParallel = (work as NSString).appendingPathComponent("parallel")
    let viaSlurm = (work as NSString).appendingPathComponent("slurm")
    // Both at once: Slurm's scheduler waits between tasks, parallel fills the gaps.
    let local = try SweepFixture.Command(SweepFixture.hmmkit, ["sweep", "local", sweep, "-j", "2", "--engine", "parallel", "--out", viaParallel], in: work)
    let slurm = try SweepFixture.Command(SweepFixture.hmmkit, ["sweep", "slurm", sweep, "--wait", "--out", viaSlurm], in: work)
    // Generous limits: with the rest of the suite running on two cores, each job's two process
    // launches (supervisor and worker) can take seconds.
    let localResult = local.finish(timeout: 400)
    let slurmResult = slurm.finish(timeout: 500)
    #expect(localResult.status == 0, "\(localResult.out)\(localResult.err)")
    #expect(localResult.out.contains("24/24 jobs done"))
    #expect(localResult.err.contains("engine GNU parallel") && localResult.err.contains("24/24 done"))
    #expect(slurmResult.status == 0, "\(slurmResult.out)\(slurmResult.err)")
    #expect(slurmResult.out.contains("submitted Slurm job") && slurmResult.out.contains("24/24 jobs done"))
    let script = try String(contentsOfFile: (viaSlurm as NSString).appendingPathComponent("slurm/sweep.sbatch"), encoding: .utf8)
    #expect(script.contains("#SBATCH --array=0-23\n"))
    // Every array task ran on this node, and wrote its output where the script said.
    let taskOutputs = try FileManager.default.contentsOfDirectory(atPath: (viaSlurm as NSString).appendingPathComponent("slurm")).filter { $0.hasPrefix("task-") }
    #expect(taskOutputs.count == 24)

    var databases: [SweepDatabase] = []
    for (name, directory) in [("parallel", viaParallel), ("slurm", viaSlurm)] {
      let path = (work as NSString).appendingPathComponent("\(name).sqlite")
      let merged = try SweepFixture.hmmkit(["sweep", "merge", directory, "--into", path], in: work)
      #expect(merged.status == 0, "\(merged.out)\(merged.err)")
      #expect(merged.out.contains("merged 24/24 jobs"))
      databases.append(SweepDatabase(path: path))
    }
    let rows = try databases.map { try $0.runs(sweep: "policies-thp") }
    #expect(rows[0].count == 24 && rows[1].count == 24)
    #expect(rows[0].map(\.job) == rows[1].map(\.job))
    #expect(rows[0].map(\.parameters) == rows[1].map(\.parameters))
    #expect(rows[0].map(\.run) == rows[1].map(\.run))
    let metrics = try databases.map { try $0.metrics(sweep: "policies-thp") }
    #expect(metrics[0].count == 24)
    #expect(metrics[0] == metrics[1])
    #expect(metrics[0].values.allSatisfy { ($0["faults"] ?? 0) > 0 && ($0["time.total"] ?? 0) > 0 })
    // A finished directory has nothing left to submit.
    let again = try SweepFixture.hmmkit(["sweep", "slurm", sweep, "--out", viaSlurm], in: work)
    #expect(again.status == 0 && again.out.contains("every job has a result; nothing to submit"), "\(again.out)\(again.err)")
    // The study report drawn from the database.
    let report = (work as NSString).appendingPathComponent("report")
    let study = try SweepFixture.hmmkit(["study", "--from", (work as NSString).appendingPathComponent("slurm.sqlite"), "--out", report], in: work)
    #expect(study.status == 0, "\(study.err)")
    #expect(study.out.contains("24 runs"))
    #expect(study.out.contains("thp workload.regions[0].thp=true workload.pattern=sequential seed=1 ") && study.out.contains("thp=false"), "\(study.out)")
    #expect(FileManager.default.fileExists(atPath: (report as NSString).appendingPathComponent("report.html")))
    try? FileManager.default.removeItem(atPath: work)
  }

  /// Two slow jobs (0 and 1) and two quick ones; the test kills job 0's worker on both attempts
  /// and job 1's once.
  static let killSweep = """
    { "name": "kill", "seeds": [1],
      "template": { "workload": { "name": "w", "pattern": "random", "regions": [{ "size": "8M" }] }, "policy": "base", "memory": "128M" },
      "axes": [ { "axis": "workload.accesses", "values": [400000, 400001, 1000, 1001] } ] }
    """

  @Test func aKilledJobIsRetriedOnceThenReportedAndMergeKeepsTheRest() throws {
    let work = try SweepFixture.temporaryDirectory("kill")
    let sweep = try SweepFixture.write(Self.killSweep, to: work, as: "kill.json")
    let out = (work as NSString).appendingPathComponent("out")
    let directory = SweepDirectory(out)
    let command = try SweepFixture.Command(SweepFixture.hmmkit, ["sweep", "local", sweep, "-j", "2", "--engine", "pool", "--out", out], in: work)
    // Kill attempts 1 and 2 of job 0000 and attempt 1 of job 0001, each once its worker has
    // recorded itself.
    var toKill: Set<String> = ["0000/1", "0000/2", "0001/1"]
    let deadline = Date().addingTimeInterval(300)
    while !toKill.isEmpty && Date() < deadline && command.process.isRunning {
      for job in directory.running() where toKill.contains("\(job.job)/\(job.attempt)") {
        kill(job.pid, SIGKILL)
        toKill.remove("\(job.job)/\(job.attempt)")
      }
      usleep(10_000)
    }
    #expect(toKill.isEmpty, "not killed: \(toKill)")
    let result = command.finish(timeout: 300)
    #expect(result.status == 1, "\(result.out)\(result.err)")
    #expect(result.out.contains("3/4 jobs done (1 after a retry: 0001)"), "\(result.out)")
    #expect(result.out.contains("0000 (workload.accesses=400000 seed=1): failed after 2 attempts; last: killed by signal 9 (SIGKILL)"), "\(result.out)")
    #expect(result.err.contains("slowest: 000"), "\(result.err)")
    #expect(directory.failures("0001").map(\.signal) == [SIGKILL])
    #expect(try directory.result("0001").attempt == 2)

    let path = (work as NSString).appendingPathComponent("kill.sqlite")
    let merged = try SweepFixture.hmmkit(["sweep", "merge", out, "--into", path], in: work)
    #expect(merged.status == 1)
    #expect(merged.out.contains("merged 3/4 jobs"))
    #expect(merged.out.contains("1 missing job:\n    0000 (workload.accesses=400000 seed=1): failed after 2 attempts; last: killed by signal 9 (SIGKILL)"), "\(merged.out)")
    #expect(try SweepDatabase(path: path).runs(sweep: "kill").map(\.job) == ["0001", "0002", "0003"])
    // Running the sweep again runs only the missing job.
    let again = try SweepFixture.hmmkit(["sweep", "local", sweep, "--engine", "pool", "--out", out], in: work)
    #expect(again.status == 0, "\(again.out)")
    #expect(again.out.contains("4/4 jobs done"))
    try? FileManager.default.removeItem(atPath: work)
  }

  @Test func commandLineErrorsExitWithStatus2() throws {
    let work = try SweepFixture.temporaryDirectory("cli")
    let sweep = try SweepFixture.write(Self.killSweep, to: work, as: "kill.json")
    let badJob = try SweepFixture.hmmkit(["sweep", "run-one", sweep, "--job", "9"], in: work)
    #expect(badJob.status == 2)
    #expect(badJob.err.contains("--job 9: error: no such job"))
    let bad = try SweepFixture.write(Self.killSweep.replacingOccurrences(of: "\"base\"", with: "\"fast\""), to: work, as: "bad.json")
    let plan = try SweepFixture.hmmkit(["sweep", "plan", bad], in: work)
    #expect(plan.status == 2)
    #expect(plan.err.contains("bad.json: error: job 0000 (workload.accesses=400000 seed=1): unknown policy 'fast'"), "\(plan.err)")
    let one = try SweepFixture.hmmkit(["sweep", "run-one", sweep, "--job", "3"], in: work)
    #expect(one.status == 0)
    let result = try JSONDecoder().decode(SweepJobResult.self, from: Data(one.out.utf8))
    #expect(result.job == "0003" && result.seed == 1 && result.toolVersion == SweepJobResult.toolVersion && result.run.accesses == 1001)
    let notASweep = try SweepFixture.hmmkit(["sweep", "merge", work, "--into", (work as NSString).appendingPathComponent("x.sqlite")], in: work)
    #expect(notASweep.status == 2)
    #expect(notASweep.err.contains("no sweep.json here"))
    try? FileManager.default.removeItem(atPath: work)
  }
}
