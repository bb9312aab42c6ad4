import Foundation
import Testing
@testable import Workloads

/// The default study's claims, and the study file's errors.
@Suite struct StudyTests {
  static let result: StudyResult = try! StudyRunner(study: .defaultStudy).run()

  @Test func mapOrderBeatsBaseOnTHPBackedMemory() throws {
    for workload in ["stream", "zipf", "gather"] {
      let base = try #require(Self.result.run(workload, "base"))
      let mapOrder = try #require(Self.result.run(workload, "map-order"))
      #expect(mapOrder.time.total < base.time.total, "\(workload)")
      #expect(mapOrder.tlbMisses < base.tlbMisses, "\(workload)")
      #expect(mapOrder.bytesMapped["2M"] ?? 0 > 0)
      #expect(base.oracleViolations == 0 && mapOrder.oracleViolations == 0)
    }
  }

  @Test func folioOrderIsFasterStillAndUnsafe() throws {
    for workload in StudySpec.defaultStudy.workloads.map(\.name) {
      let mapOrder = try #require(Self.result.run(workload, "map-order"))
      let folioOrder = try #require(Self.result.run(workload, "folio-order"))
      #expect(folioOrder.time.total <= mapOrder.time.total, "\(workload)")
    }
    // Where the CPU maps THPs with PTEs (one read-only page per 2 MiB), folio-order maps 2M
    // anyway: faster, and the oracle flags the device seeing more than the CPU allows.
    let mapOrder = try #require(Self.result.run("stream-split", "map-order"))
    let folioOrder = try #require(Self.result.run("stream-split", "folio-order"))
    #expect(folioOrder.time.total < mapOrder.time.total)
    #expect(folioOrder.tlbMisses < mapOrder.tlbMisses)
    #expect(folioOrder.oracleViolations > 0)
    #expect(folioOrder.violationExamples.first?.contains("invariant 1") == true)
    #expect(mapOrder.oracleViolations == 0)
    #expect(mapOrder.map.blocks.allSatisfy { $0.cpu == .pteLargeFolio })
    #expect(folioOrder.map.blocks.allSatisfy { $0.device == "2M" })
  }

  @Test func presetsBehaveAsTheirDrivers() throws {
    // uvm-hmm and amdkfd (system memory) map 4K only, nouveau faults once per page on PTE-mapped memory.
    #expect(Self.result.run("stream", "uvm-hmm")?.bytesMapped.keys.sorted() == ["4K"])
    #expect(Self.result.run("stream", "amdkfd")?.bytesMapped.keys.sorted() == ["4K"])
    #expect(Self.result.run("stream", "nouveau")?.bytesMapped.keys.sorted() == ["2M"])
    #expect(Self.result.run("stream-split", "nouveau")?.faults == StudySpec.defaultStudy.workloads[3].accesses)  // one per 4K access
    for run in Self.result.runs where run.policy != "folio-order" { #expect(run.oracleViolations == 0, "\(run.workload) \(run.policy)") }
  }

  @Test func studyJSONRoundTripsAndTheTableHasEveryRun() throws {
    let decoded = try JSONDecoder().decode(StudyResult.self, from: try Self.result.json())
    #expect(decoded == Self.result)
    #expect(Self.result.table.split(separator: "\n").count == Self.result.runs.count + 1)
  }

  @Test func badStudyFilesNameTheProblem() throws {
    func problems(_ json: String) -> String {
      do {
        return try JSONDecoder().decode(StudySpec.self, from: Data(json.utf8)).problems().joined(separator: "\n")
      } catch {
        return "\(error)"
      }
    }
    #expect(problems(#"{"name":"x","workloads":[{"name":"w","pattern":"sequential"}],"policies":["map-ordre"]}"#).contains("unknown policy 'map-ordre'"))
    #expect(problems(#"{"name":"x","workloads":[],"policies":["base"],"colour":1}"#).contains("unknown study field 'colour'"))
    #expect(problems(#"{"name":"x","workloads":[{"name":"w","pattern":"sequential","regions":[{"size":"12Q"}]}],"policies":["base"]}"#).contains("'12Q' is not a size"))
    #expect(problems(#"{"name":"x","workloads":[{"name":"w","pattern":"sequential"}],"policies":["base"],"ladders":["3M"]}"#).contains("unknown ladder '3M'"))
    let fine = try JSONDecoder().decode(StudySpec.self, from: Data(#"{"name":"x","workloads":[{"name":"w","pattern":"zipf","regions":[{"size":"8M"}],"accesses":100}],"policies":["base","odp-2M"],"costs":[{"name":"slow","farFaultLatencyNS":90000}]}"#.utf8))
    #expect(fine.problems().isEmpty)
    let result = try StudyRunner(study: fine).run()
    #expect(result.runs.count == 2)
    #expect(result.runs[1].failedFaults.isEmpty)  // THP-backed, PMD-mapped: odp-2M accepts it
  }
}

/// docs/study.md's example parses and has no problems.
@Suite struct StudyDocumentationTests {
  @Test func theDocumentedExampleIsAValidStudy() throws {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let markdown = try String(contentsOf: url.appendingPathComponent("docs/study.md"), encoding: .utf8)
    let block = try #require(markdown.components(separatedBy: "```json\n").dropFirst().first?.components(separatedBy: "```").first)
    let study = try JSONDecoder().decode(StudySpec.self, from: Data(block.utf8))
    #expect(study.problems() == [])
    #expect(study.workloads.count == 3 && study.policies.count == 5 && study.ladders.count == 2 && study.costs.count == 2)
    #expect(study.costs[1].transfer == .pcie && study.costs[1].farFaultLatencyNS == 90000)
    // Every parameter docs/cost-model.md's table names exists.
    let costs = try String(contentsOf: url.appendingPathComponent("docs/cost-model.md"), encoding: .utf8)
    for name in DeviceCostModel.parameterNames where name != "name" { #expect(costs.contains("`\(name)`"), "\(name) is not documented") }
  }
}
