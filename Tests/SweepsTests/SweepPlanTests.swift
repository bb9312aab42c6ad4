import Foundation
import Testing
import Workloads
@testable import Sweeps

/// Sweep files expand into stable, checked job lists; bad files give errors that name the field.
@Suite struct SweepPlanTests {
  static func sweep(_ json: String) throws(SweepError) -> SweepSpec { try SweepSpec.parse(Data(json.utf8), file: "t.json") }

  static let small = """
    { "name": "s", "seeds": [7, 8],
      "template": { "workload": { "name": "w", "pattern": "sequential", "regions": [{ "size": "4M" }], "accesses": 64 }, "policy": "base" },
      "axes": [ { "axis": "policy", "values": ["base", "map-order", "gpusvm"] },
                { "axis": "workload.regions[0].size", "values": ["4M", "8M"] } ] }
    """

  @Test func expandsEveryCombinationFirstAxisSlowestSeedsFastest() throws {
    let plan = try SweepPlan(try Self.sweep(Self.small))
    #expect(plan.jobs.count == 12)
    #expect(plan.jobs.map(\.id) == (0..<12).map { String(format: "%04d", $0) })
    let job = plan.jobs[7]  // policy index 1, size index 1, seed index 1
    #expect(job.label == "policy=map-order workload.regions[0].size=8M seed=8")
    #expect(job.spec.policy == "map-order")
    #expect(job.spec.workload.regions[0].size.bytes == 8 << 20)
    #expect(job.spec.seed == 8)
    #expect(plan.job("7")?.id == "0007")
    #expect(plan.job("0011")?.spec.policy == "gpusvm")
    #expect(plan.job("12") == nil)
    // The same file plans the same jobs.
    let again = try SweepPlan(try Self.sweep(Self.small))
    #expect(again.jobs == plan.jobs)
    #expect(again.listing == plan.listing)
  }

  @Test func exampleSweepHas24Jobs() throws {
    let plan = try SweepPlan(try SweepSpec.load(path: SweepFixture.exampleSweep))
    #expect(plan.jobs.count == 24)
    #expect(Set(plan.jobs.map(\.spec.policy)) == ["base", "map-order", "folio-order"])
  }

  @Test func badJobParametersNameTheJob() {
    let text = Self.small.replacingOccurrences(of: "\"gpusvm\"", with: "\"no-such-policy\"")
    #expect {
      _ = try SweepPlan(try Self.sweep(text))
    } throws: { error in
      let text = (error as? SweepError)?.description ?? ""
      return text.contains("job 0008 (policy=no-such-policy") && text.contains("unknown policy 'no-such-policy'")
    }
  }

  @Test func unknownFieldsAndBadAxesAreNamed() {
    func message(_ json: String) -> String {
      do { _ = try SweepPlan(try Self.sweep(json)); return "" } catch { return error.description }
    }
    #expect(message(Self.small.replacingOccurrences(of: "\"seeds\"", with: "\"seedz\"")).contains("t.json: error: .seedz: unknown sweep field 'seedz'"))
    #expect(message(Self.small.replacingOccurrences(of: "\"values\": [\"4M\", \"8M\"]", with: "\"values\": []")).contains("axis 'workload.regions[0].size' has no values"))
    #expect(message(Self.small.replacingOccurrences(of: "regions[0]", with: "regions[3]")).contains("index 3 is past the end of a list of 1"))
    #expect(message(Self.small.replacingOccurrences(of: "workload.regions[0].size", with: "workload..size")).contains("is not a path"))
    #expect(message(Self.small.replacingOccurrences(of: "\"policy\": \"base\" }", with: "\"policy\": \"base\", \"colour\": 1 }")).contains("unknown template field 'colour'"))
    #expect(message("{ \"name\": \"s\", ") == "t.json:1:16: error: expected a member name in double quotes")
    // Text that is not JSON: the line and column of the first syntax error.
    #expect(message("{\n  \"name\": \"s\"\n  \"seeds\": [1]\n}") == "t.json:3:3: error: expected ',' or '}' after an object member")
    #expect(message(Self.small.replacingOccurrences(of: "[7, 8]", with: "[9223372036854775808]")).contains("'seeds': 9223372036854775808 is not below 2^63"))
  }

  @Test func pathsParse() throws {
    #expect(SweepPath(parsing: "workload.regions[0].size")?.components == [.key("workload"), .key("regions"), .index(0), .key("size")])
    #expect(SweepPath(parsing: "a[1][2]")?.components == [.key("a"), .index(1), .index(2)])
    for bad in ["", ".a", "a.", "[0]", "a[x]", "a[0", "a[0]b"] { #expect(SweepPath(parsing: bad) == nil, "\(bad)") }
    let tree = SweepValue.object(["a": .array([.bool(true), .object(["b": .integer(3)])])])
    #expect(tree.value(at: SweepPath(parsing: "a[1].b")!) == .integer(3))
    #expect(tree.value(at: SweepPath(parsing: "a[2]")!) == nil)
    #expect(try tree.setting(.string("x"), at: SweepPath(parsing: "a[1].c")!).value(at: SweepPath(parsing: "a[1].c")!) == .string("x"))
  }

  @Test func slurmScriptCoversTheArrayWithinMaxArraySize() throws {
    let plan = try SweepPlan(try Self.sweep(Self.small))
    let directory = SweepDirectory(try SweepFixture.temporaryDirectory("script"))
    defer { try? FileManager.default.removeItem(atPath: directory.path) }
    try directory.prepare(for: plan.sweep)
    var engine = SweepSlurmEngine(plan: plan, directory: directory, executable: "/opt/hmmkit")
    engine.partition = "gpu"
    engine.timeLimit = "00:05:00"
    let script = try #require(engine.batchScript(maxArraySize: 1001))
    #expect(script.contains("#SBATCH --array=0-11\n"))
    #expect(script.contains("#SBATCH --partition=gpu\n"))
    #expect(script.contains("#SBATCH --time=00:05:00\n"))
    #expect(script.contains("jobs_per_task=1\n"))
    // A cluster whose MaxArraySize is 5 gets 4 tasks (indices 0-3) of 3 jobs.
    let chunked = try #require(engine.batchScript(maxArraySize: 5))
    #expect(chunked.contains("#SBATCH --array=0-3\n") && chunked.contains("jobs_per_task=3\n"))
    // Jobs with a result are left out of the array.
    let job = plan.jobs[4]
    let result = try SweepJobRunner(job: job, sweep: plan.sweep.name, directory: directory, executable: "").compute()
    try SweepDirectory.writeAtomically(try result.json(), to: directory.resultFile(job.id))
    #expect(engine.arraySpec(jobsPerTask: 1) == "0-3,5-11")
  }
}
