// Benchmarks of HMM's hot paths: hmm_range_fault() without faulting over 1 GiB of populated
// memory mapped by 4 KiB PTEs and by PMD THPs (ns per 4 KiB output entry), and the two run
// builders over the same output: by map order (what nouveau/drm_gpusvm do) and by scanning
// every entry (RDMA ODP before the map order).
//
// Custom metric `ps per entry`: the measured region's wall-clock time in picoseconds divided
// by 262,144 entries (divide by 1000 for ns).

import Benchmark
import HMM
import MemoryModel

private let mappingBytes: UInt64 = .gib(1)
private let entries = Int(mappingBytes / 4096)
private let picosecondsPerEntry = BenchmarkMetric.custom("ps per entry", polarity: .prefersSmaller, useScalingFactor: false)
private let metrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal, picosecondsPerEntry]

/// Ops that only move the sequence.
private final class Ops: IntervalNotifierOps {
  func invalidate(_ notifier: IntervalNotifier, range: InvalidationRange, currentSequence: UInt64) -> Bool {
    notifier.setSequence(currentSequence)
    return true
  }
}

/// 1 GiB faulted in with 4 KiB pages or THPs, a notifier over it, and an output array.
private final class Fixture {
  let system: MemorySystem
  let space: AddressSpace
  let start: VirtualAddress
  let notifier: IntervalNotifier
  var range: HMMRange

  init(hugepage: Bool) {
    var settings = MemorySystem.Settings()
    settings.thp = hugepage ? .madvise : .never
    system = MemorySystem(memoryBytes: .gib(2), settings: settings)
    do {
      space = try system.createProcess(name: "bench")
      start = try space.mmap(.init(length: mappingBytes, protection: .readWrite, alignment: PageSize.size2M.bytes))
      if hugepage { try space.madvise(start, mappingBytes, .hugepage) }
      try space.touch(start, mappingBytes, write: true)
      notifier = try IntervalNotifier.insert(into: space, start: start, length: mappingBytes, ops: Ops())
    } catch {
      fatalError("fixture setup failed: \(error)")
    }
    range = HMMRange(notifier: notifier, notifierSequence: notifier.readBegin(), start: start, end: start + mappingBytes)
  }

  func fault() {
    range.notifierSequence = notifier.readBegin()
    do { try HMM.rangeFault(&range) } catch { fatalError("hmm_range_fault failed: \(error)") }
  }
}

nonisolated(unsafe) private var fixtures: [Bool: Fixture] = [:]

private func fixture(hugepage: Bool) -> Fixture {
  if let made = fixtures[hugepage] { return made }
  let made = Fixture(hugepage: hugepage)
  fixtures[hugepage] = made
  return made
}

@discardableResult
private func measurePerEntry<R>(_ benchmark: Benchmark, _ body: () -> R) -> R {
  let clock = ContinuousClock()
  benchmark.startMeasurement()
  let began = clock.now
  let result = body()
  let elapsed = clock.now - began
  benchmark.stopMeasurement()
  let (seconds, attoseconds) = elapsed.components
  benchmark.measurement(picosecondsPerEntry, Int(seconds * 1_000_000_000_000 + attoseconds / 1_000_000) / entries)
  return result
}

let benchmarks: @Sendable () -> Void = {
  let configuration = Benchmark.Configuration(
    metrics: metrics, units: [picosecondsPerEntry: .count], warmupIterations: 2, maxDuration: .seconds(5), maxIterations: 50)

  Benchmark("hmm_range_fault 1 GiB, 4K PTEs, no fault", configuration: configuration) { benchmark in
    let f = fixture(hugepage: false)
    measurePerEntry(benchmark) { f.fault() }
    precondition(f.range.pfns[12345].isValid && f.range.pfns[12345].mapOrder == 0)
  }

  Benchmark("hmm_range_fault 1 GiB, PMD THPs, no fault", configuration: configuration) { benchmark in
    let f = fixture(hugepage: true)
    measurePerEntry(benchmark) { f.fault() }
    precondition(f.range.pfns[12345].isValid && f.range.pfns[12345].mapOrder == 9)
  }

  Benchmark("runs by map order, 1 GiB of PMD THPs", configuration: configuration) { benchmark in
    let f = fixture(hugepage: true)
    f.fault()
    let runs = measurePerEntry(benchmark) { HMM.runsByMapOrder(f.range.pfns, start: f.start) }
    precondition(runs.count == 512)
    blackHole(runs)
  }

  Benchmark("runs by scanning, 1 GiB of PMD THPs", configuration: configuration) { benchmark in
    let f = fixture(hugepage: true)
    f.fault()
    let runs = measurePerEntry(benchmark) { HMM.runsByScanning(f.range.pfns, start: f.start) }
    precondition(runs.count == 512)
    blackHole(runs)
  }
}
