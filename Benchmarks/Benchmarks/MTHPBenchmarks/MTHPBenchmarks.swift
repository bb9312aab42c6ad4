// The anonymous fault path with 64 KiB multi-size THP (hugepages-64kB=always): 1 GiB of
// private anonymous memory faulted as 16,384 order-4 folios, each mapped by 16 PTEs
// (alloc_anon_folio()). Reported like MemoryModelBenchmarks' fault benchmarks, with the custom
// metric `ps per 4K page` (the measured region's picoseconds divided by 262,144).

import Benchmark
import MemoryModel

private let mappingBytes: UInt64 = .gib(1)
private let pageCount = Int(mappingBytes / 4096)
private let memoryBytes: UInt64 = .gib(2)
private let picosecondsPerPage = BenchmarkMetric.custom("ps per 4K page", polarity: .prefersSmaller,
                                                        useScalingFactor: false)
private let metrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal, .peakMemoryResident, picosecondsPerPage]

/// A machine with THP `never` at the top and hugepages-64kB `always`, and 1 GiB mapped.
private struct Fixture {
  let system: MemorySystem
  let space: AddressSpace
  let start: VirtualAddress
  var end: VirtualAddress { start + mappingBytes }

  init() {
    var settings = MemorySystem.Settings()
    settings.thp = .never
    settings.mthp[4] = .always
    system = MemorySystem(memoryBytes: memoryBytes, settings: settings)
    do {
      space = try system.createProcess(name: "bench")
      start = try space.mmap(.init(length: mappingBytes, protection: .readWrite, alignment: PageSize.size2M.bytes))
    } catch {
      fatalError("fixture setup failed: \(error)")
    }
  }

  func verify() {
    precondition(space.residentPages.anonymous == pageCount, "expected \(pageCount) resident pages")
    precondition(system.mthpStats.anonFaultAlloc[4] == pageCount / 16,
                 "expected \(pageCount / 16) 64K folios, found \(system.mthpStats.anonFaultAlloc[4])")
  }
}

@discardableResult
private func measurePerPage<R>(_ benchmark: Benchmark, _ body: () -> R) -> R {
  let clock = ContinuousClock()
  benchmark.startMeasurement()
  let began = clock.now
  let result = measuredRegion(body)
  let elapsed = clock.now - began
  benchmark.stopMeasurement()
  let (seconds, attoseconds) = elapsed.components
  let picoseconds = seconds * 1_000_000_000_000 + attoseconds / 1_000_000
  benchmark.measurement(picosecondsPerPage, Int(picoseconds) / pageCount)
  return result
}

@inline(never)
private func measuredRegion<R>(_ body: () -> R) -> R { body() }

let benchmarks: @Sendable () -> Void = {
  let configuration = Benchmark.Configuration(
    metrics: metrics, units: [picosecondsPerPage: .count], warmupIterations: 1,
    maxDuration: .seconds(20), maxIterations: 10)

  // `touch` makes one write per 4 KiB page: 16,384 faults each allocating, zeroing and mapping
  // a 64 KiB folio with 16 PTEs, and 245,760 accesses that find their PTE present.
  Benchmark("fault 1 GiB anon, 64K mTHP", configuration: configuration) { benchmark in
    let fixture = Fixture()
    measurePerPage(benchmark) {
      do { try fixture.space.touch(fixture.start, mappingBytes, write: true) } catch { fatalError("touch failed: \(error)") }
    }
    fixture.verify()
    fixture.space.exit()
  }

  // The mTHP fault path alone: one write per 64 KiB, 16,384 accesses, all faults.
  Benchmark("fault 1 GiB anon, 64K mTHP, one write per 64K", configuration: configuration) { benchmark in
    let fixture = Fixture()
    measurePerPage(benchmark) {
      do {
        var address = fixture.start
        while address < fixture.end {
          try fixture.space.access(address, write: true)
          address = address + 65536
        }
      } catch {
        fatalError("access failed: \(error)")
      }
    }
    fixture.verify()
    fixture.space.exit()
  }
}
