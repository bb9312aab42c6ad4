import DeviceMirror
import Testing
@testable import Workloads

/// The cost model reproduces the published figures its defaults come from, within 10%.
@Suite struct CostModelTests {
  func within10Percent(_ modelled: Double, _ published: Double) -> Bool { abs(modelled - published) <= 0.1 * published }

  /// One device fault on a 2 MiB THP that gpusvm migrates to device memory, with the given ladder.
  func xeFault(ladder: String) throws -> RunResult {
    let workload = WorkloadSpec(name: "xe-2M", pattern: .sequential, regions: [RegionSpec(size: ByteCount(2 << 20))], accesses: 1,
                                placement: "migrate")
    let runner = WorkloadRunner(workload: workload, policy: .preset(.gpusvm), ladder: StudySpec.ladder(named: ladder)!, seed: 1,
                                memoryBytes: 256 << 20)
    return try runner.run()
  }

  @Test func xeTwoMegabyteFaultWithAndWithoutDeviceTHP() throws {
    let small = try xeFault(ladder: "4K")
    let large = try xeFault(ladder: "xe")
    #expect(small.faults == 1 && large.faults == 1)
    #expect(small.pagesToDevice == 512 && large.pagesToDevice == 512)
    #expect(small.mappingsCreated["4K"] == 512 && large.mappingsCreated["2M"] == 1)
    // Xe GT stats per 2 MiB fault: 966 µs with 4K device pages, 132 µs with a 2M device THP.
    #expect(within10Percent(small.time.faultPath / 1000, 966), "4K: \(small.time.faultPath / 1000) µs")
    #expect(within10Percent(large.time.faultPath / 1000, 132), "2M: \(large.time.faultPath / 1000) µs")
    // Their parts: get_pages 9 / 1 µs, bind 10 / 2 µs, device copy 223 / 106 µs.
    #expect(within10Percent((small.time.hmmWalk + small.time.dmaMap) / 1000, 9))
    #expect(within10Percent(small.time.pageTableUpdate / 1000, 10))
    #expect(within10Percent(large.time.pageTableUpdate / 1000, 2))
    #expect(within10Percent(small.time.copy / 1000, 223))
    #expect(within10Percent(large.time.copy / 1000, 106))
    // The latency of the one fault adds the far-fault latency.
    #expect(large.faultLatencies == [DeviceCostModel().farFaultLatencyNS + large.time.faultPath])
  }

  @Test func uvmSmartFigures() {
    let model = DeviceCostModel()
    #expect(within10Percent(model.farFaultLatencyNS, 66645 / 1.481))
    // PCIe curve: 4 KB 1.8 µs, 64 KB 5.9 µs, 1 MB 82 µs, 2 MB 327 µs (halved speed).
    for (bytes, micros) in [(UInt64(4) << 10, 1.8), (64 << 10, 5.9), (1 << 20, 82), (2 << 20, 327)] as [(UInt64, Double)] {
      let ns = DeviceCostModel.pcieNS(bytes: bytes, a: model.pcieA, b: model.pcieB)
      #expect(within10Percent(ns / 1000, micros), "\(bytes) bytes: \(ns / 1000) µs")
    }
    // Page walks: 100 cycles for 4K (4 levels), 66 for 2M (3 levels), at 1481 MHz.
    #expect(within10Percent(model.walkNS(.size4K), 100 / 1.481))
    #expect(within10Percent(model.walkNS(.size2M), 66 / 1.481))
  }

  @Test func parametersOverrideByNameAndUnknownOnesAreRefused() throws {
    let model = try JSONDecoder().decode(DeviceCostModel.self, from: Data(#"{"name":"slow","farFaultLatencyNS":90000,"transfer":"pcie"}"#.utf8))
    #expect(model.name == "slow" && model.farFaultLatencyNS == 90000 && model.transfer == .pcie)
    #expect(model.hmmEntryNS == DeviceCostModel().hmmEntryNS)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(DeviceCostModel.self, from: Data(#"{"farFault":1}"#.utf8)) }
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(DeviceCostModel.self, from: Data(#"{"hmmEntryNS":-1}"#.utf8)) }
  }

  @Test func faultsShareOneFarFaultLatencyPerBatch() throws {
    var cost = DeviceCostModel()
    cost.faultBatchSize = 4
    // 16 faults (one per 2 MiB window) in batches of 4: 4 far-fault latencies.
    let workload = WorkloadSpec(name: "s", pattern: .sequential, regions: [RegionSpec(size: ByteCount(32 << 20))], accesses: 8192, accessSize: 4096)
    let result = try WorkloadRunner(workload: workload, policy: .plain("map-order"), cost: cost, memoryBytes: 256 << 20).run()
    #expect(result.faults == 16)
    #expect(result.time.farFault == 4 * cost.farFaultLatencyNS)
  }
}

import Foundation
