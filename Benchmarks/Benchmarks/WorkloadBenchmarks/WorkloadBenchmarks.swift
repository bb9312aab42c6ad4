// Device accesses simulated per second for a streaming workload over 16 GiB of THP-backed
// memory mirrored by a map-order device (one 2M device page per THP): the device faults every
// 2 MiB (8,192 faults through hmm_range_fault) and hits its TLB in between. Setup (the CPU
// faulting the 16 GiB in) is outside the measurement; the device's faults are inside it.
// Also: the same stream access by access (Device.access per address, 64 B and 4 KiB steps),
// and the default study (`hmmkit study`), end to end.

import Benchmark
import DeviceMirror
import MemoryModel
import Workloads

private let accessesPerSecond = BenchmarkMetric.custom("M accesses per s", polarity: .prefersLarger, useScalingFactor: false)

private func elapsedNanoseconds(_ benchmark: Benchmark, _ body: () -> Void) -> Int {
  let clock = ContinuousClock()
  benchmark.startMeasurement()
  let began = clock.now
  body()
  let elapsed = clock.now - began
  benchmark.stopMeasurement()
  let (seconds, attoseconds) = elapsed.components
  return Int(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
}

/// 16 GiB of PMD-mapped THPs in a 17 GiB machine, and a fresh map-order device mirroring it.
private func sixteenGiB() -> (AddressSpace, VirtualAddress, Device) {
  let system = MemorySystem(memoryBytes: .gib(17))
  do {
    let space = try system.createProcess(name: "bench")
    let start = try space.mmap(.init(length: .gib(16), protection: .readWrite, alignment: PageSize.size2M.bytes))
    try space.madvise(start, .gib(16), .hugepage)
    try space.touch(start, .gib(16), write: true)
    let device = Device(name: "gpu0", ownerID: 1, pageSizes: .nvidia, policy: MapOrderPolicy())
    try device.mirror(space)
    return (space, start, device)
  } catch {
    fatalError("setup failed: \(error)")
  }
}

let benchmarks: @Sendable () -> Void = {
  let configuration = Benchmark.Configuration(
    metrics: [.wallClock, accessesPerSecond], units: [accessesPerSecond: .count], warmupIterations: 0,
    maxDuration: .seconds(30), maxIterations: 3)

  // 268,435,456 reads of 64 bytes, through Device.stream.
  Benchmark("stream 16 GiB THP, 64 B reads (Device.stream)", configuration: configuration) { benchmark in
    let (space, start, device) = sixteenGiB()
    let count = Int(UInt64.gib(16) / 64)
    var done = 0
    let ns = elapsedNanoseconds(benchmark) {
      done = (try? device.stream(from: start, step: 64, count: count, write: false)) ?? 0
    }
    precondition(done == count && device.counters.faults == 8192, "the stream did not complete")
    benchmark.measurement(accessesPerSecond, Int(Double(count) / Double(ns) * 1000))
    withExtendedLifetime(space) {}
  }

  // The same 268,435,456 reads, one Device.access call each.
  Benchmark("stream 16 GiB THP, 64 B reads (Device.access each)", configuration: configuration) { benchmark in
    let (space, start, device) = sixteenGiB()
    let count = Int(UInt64.gib(16) / 64)
    var failed = 0
    let ns = elapsedNanoseconds(benchmark) {
      var address = start
      for _ in 0..<count {
        do { try device.access(address, write: false) } catch { failed += 1 }
        address = address + 64
      }
    }
    precondition(failed == 0 && device.counters.faults == 8192, "the stream did not complete")
    benchmark.measurement(accessesPerSecond, Int(Double(count) / Double(ns) * 1000))
    withExtendedLifetime(space) {}
  }

  // 4,194,304 reads of 4 KiB steps, one Device.access call each: 512 accesses per device fault,
  // so the fault path (hmm_range_fault over 512 entries, one 2M mapping) dominates.
  Benchmark("stream 16 GiB THP, 4 KiB steps (Device.access each)", configuration: configuration) { benchmark in
    let (space, start, device) = sixteenGiB()
    let count = Int(UInt64.gib(16) / 4096)
    var failed = 0
    let ns = elapsedNanoseconds(benchmark) {
      var address = start
      for _ in 0..<count {
        do { try device.access(address, write: false) } catch { failed += 1 }
        address = address + 4096
      }
    }
    precondition(failed == 0 && device.counters.faults == 8192, "the stream did not complete")
    benchmark.measurement(accessesPerSecond, Int(Double(count) / Double(ns) * 1000))
    withExtendedLifetime(space) {}
  }

  // The built-in study (28 runs) end to end, as `hmmkit study` runs it.
  Benchmark("default study (28 runs)", configuration: .init(metrics: [.wallClock], warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 3)) { benchmark in
    benchmark.startMeasurement()
    let result = try? StudyRunner(study: .defaultStudy).run()
    benchmark.stopMeasurement()
    precondition(result?.runs.count == 28, "the study failed")
  }
}
