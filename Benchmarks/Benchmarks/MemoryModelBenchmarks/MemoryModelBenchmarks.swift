// Benchmarks of MemoryModel's hot paths (DESIGN.md, "Performance principles"): the anonymous
// fault path with 4 KiB pages and with THP, process exit (zap and free), the snapshot of a
// faulted range, the raw page-table walk, and the invariant check.
//
// Every benchmark works on 1 GiB of private anonymous memory, that is 262,144 pages of 4 KiB
// or 512 PMD-sized folios. Besides the standard metrics each one reports the custom metric
// `ps per 4K page`: the measured region's wall-clock time in picoseconds divided by 262,144
// (picoseconds so that the cheap walks do not round to zero; divide by 1000 for ns).
//
// Each benchmark runs in its own process (BenchmarkTool spawns one per benchmark), so a
// fixture built lazily on the first iteration lives exactly as long as that benchmark.

import Benchmark
import MemoryModel

// MARK: - Shape of the workload

/// The mapping every benchmark works on.
private let mappingBytes: UInt64 = .gib(1)
/// 4 KiB pages in the mapping.
private let pageCount = Int(mappingBytes / 4096)
/// Physical memory of the simulated machine: room for the mapping and its page tables.
private let memoryBytes: UInt64 = .gib(2)

/// Picoseconds per 4 KiB page of the measured region.
private let picosecondsPerPage = BenchmarkMetric.custom("ps per 4K page", polarity: .prefersSmaller,
                                                        useScalingFactor: false)

private let metrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal, .peakMemoryResident, picosecondsPerPage]

// MARK: - Fixtures

/// A machine with one process that has mapped 1 GiB of private anonymous memory read-write.
private struct Fixture {
  let system: MemorySystem
  let space: AddressSpace
  let start: VirtualAddress
  var end: VirtualAddress { start + mappingBytes }

  /// Maps the memory; with `hugepage`, THP runs in `madvise` mode and the range has
  /// `MADV_HUGEPAGE`, otherwise THP is `never`.
  init(hugepage: Bool) {
    var settings = MemorySystem.Settings()
    settings.thp = hugepage ? .madvise : .never
    system = MemorySystem(memoryBytes: memoryBytes, settings: settings)
    do {
      space = try system.createProcess(name: "bench")
      start = try space.mmap(.init(length: mappingBytes, protection: .readWrite, alignment: PageSize.size2M.bytes))
      if hugepage { try space.madvise(start, mappingBytes, .hugepage) }
    } catch {
      fatalError("fixture setup failed: \(error)")
    }
  }

  /// Writes every page (the fault loop the fault benchmarks measure).
  func touchAll() {
    do { try space.touch(start, mappingBytes, write: true) } catch { fatalError("touch failed: \(error)") }
  }

  /// Ends the process, outside the measured region. This breaks the reference cycle between the
  /// machine and its address spaces, so a fault benchmark does not leak one machine per iteration.
  func tearDown() {
    space.exit()
  }

  /// Checks that the mapping is fully resident the way it should be; cheap, not measured.
  func verifyFaulted(hugepage: Bool) {
    precondition(space.residentPages.anonymous == pageCount,
                 "expected \(pageCount) resident pages, found \(space.residentPages.anonymous)")
    precondition(system.events.thpFaultAlloc == (hugepage ? pageCount / 512 : 0),
                 "expected \(hugepage ? pageCount / 512 : 0) THP faults, found \(system.events.thpFaultAlloc)")
  }
}

/// Holds a fixture built on first use and shared by the iterations of one benchmark.
private final class LazyFixture {
  private let hugepage: Bool
  private var fixture: Fixture?

  init(hugepage: Bool) { self.hugepage = hugepage }

  /// The fixture, faulted in completely (built and faulted on the first call).
  var faulted: Fixture {
    if let fixture { return fixture }
    let made = Fixture(hugepage: hugepage)
    made.touchAll()
    made.verifyFaulted(hugepage: hugepage)
    fixture = made
    return made
  }
}

// MARK: - Visitors

/// The cheapest useful visitor: counts present PTEs, leaves and holes.
private struct CountingVisitor: PageTableVisitor {
  var presentPTEs = 0
  var leaves = 0
  var holes = 0

  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    for entry in entries where entry.isPresent { presentPTEs += 1 }
    return .continue
  }

  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress,
                          end: VirtualAddress) -> WalkControl {
    leaves += 1
    return .continue
  }

  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl {
    holes += 1
    return .continue
  }
}

// MARK: - Timing

/// Runs `body` as the measured region and reports its time per 4 KiB page of the mapping.
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

/// The measured work, kept out of line so that a profile of the suite's executable
/// (`perf record -g .build/release/MemoryModelBenchmarks --filter …`) shows it as a single frame.
@inline(never)
private func measuredRegion<R>(_ body: () -> R) -> R {
  body()
}

// MARK: - Benchmarks

let benchmarks: @Sendable () -> Void = {
  // A fault or exit benchmark needs a fresh machine each iteration (0.1–0.3 s of setup on
  // this machine), so it runs few iterations; the walks are cheap and reuse one faulted fixture.
  let faultConfiguration = Benchmark.Configuration(
    metrics: metrics, units: [picosecondsPerPage: .count], warmupIterations: 1,
    maxDuration: .seconds(20), maxIterations: 10)
  let walkConfiguration = Benchmark.Configuration(
    metrics: metrics, units: [picosecondsPerPage: .count], warmupIterations: 2,
    maxDuration: .seconds(5), maxIterations: 50)

  // 262,144 anonymous write faults, each allocating and mapping one 4 KiB page.
  Benchmark("fault 1 GiB anon, 4K pages", configuration: faultConfiguration) { benchmark in
    let fixture = Fixture(hugepage: false)
    measurePerPage(benchmark) { fixture.touchAll() }
    fixture.verifyFaulted(hugepage: false)
    fixture.tearDown()
  }

  // 512 PMD faults (each allocating and mapping a 2 MiB folio); `touch` still makes one
  // access per 4 KiB page, so 261,632 of the 262,144 accesses hit an existing PMD leaf.
  Benchmark("fault 1 GiB anon, THP", configuration: faultConfiguration) { benchmark in
    let fixture = Fixture(hugepage: true)
    measurePerPage(benchmark) { fixture.touchAll() }
    fixture.verifyFaulted(hugepage: true)
    fixture.tearDown()
  }

  // The THP fault path alone: one write per 2 MiB, so exactly 512 accesses, all faults.
  Benchmark("fault 1 GiB anon, THP, one write per 2M", configuration: faultConfiguration) { benchmark in
    let fixture = Fixture(hugepage: true)
    measurePerPage(benchmark) {
      do {
        var address = fixture.start
        while address < fixture.end {
          try fixture.space.access(address, write: true)
          address = address + PageSize.size2M.bytes
        }
      } catch {
        fatalError("access failed: \(error)")
      }
    }
    fixture.verifyFaulted(hugepage: true)
    fixture.tearDown()
  }

  // Process exit after faulting 1 GiB with 4 KiB pages: zapping 262,144 PTEs, dropping the
  // pages' map and reference counts, freeing them to the buddy allocator, freeing the tables.
  Benchmark("exit 1 GiB anon, 4K pages", configuration: faultConfiguration) { benchmark in
    let fixture = Fixture(hugepage: false)
    fixture.touchAll()
    fixture.verifyFaulted(hugepage: false)
    measurePerPage(benchmark) { fixture.tearDown() }
    precondition(fixture.system.memory.freeFrameCount + 513 >= fixture.system.memory.frameCount,
                 "exit left \(fixture.system.memory.frameCount - fixture.system.memory.freeFrameCount) frames allocated")
  }

  // The same with 512 PMD-mapped THPs.
  Benchmark("exit 1 GiB anon, THP", configuration: faultConfiguration) { benchmark in
    let fixture = Fixture(hugepage: true)
    fixture.touchAll()
    fixture.verifyFaulted(hugepage: true)
    measurePerPage(benchmark) { fixture.tearDown() }
  }

  let small = LazyFixture(hugepage: false)
  let huge = LazyFixture(hugepage: true)

  // snapshot(start, end) over 262,144 PTE-mapped pages (consecutive PFNs, so few runs).
  Benchmark("snapshot walk 1 GiB, 4K-mapped", configuration: walkConfiguration) { benchmark in
    let fixture = small.faulted
    let runs = measurePerPage(benchmark) { fixture.space.snapshot(fixture.start, fixture.end) }
    precondition(runs.reduce(0) { $0 + $1.pageCount } == pageCount, "snapshot lost pages")
    blackHole(runs)
  }

  // snapshot(start, end) over 512 PMD leaves.
  Benchmark("snapshot walk 1 GiB, THP-mapped", configuration: walkConfiguration) { benchmark in
    let fixture = huge.faulted
    let runs = measurePerPage(benchmark) { fixture.space.snapshot(fixture.start, fixture.end) }
    precondition(runs.reduce(0) { $0 + $1.pageCount } == pageCount, "snapshot lost pages")
    blackHole(runs)
  }

  // The raw walker: 512 PTE tables handed to a visitor that counts present entries.
  Benchmark("page-table walk 1 GiB", configuration: walkConfiguration) { benchmark in
    let fixture = small.faulted
    var visitor = CountingVisitor()
    measurePerPage(benchmark) { fixture.space.pageTable.walk(fixture.start, fixture.end, &visitor) }
    precondition(visitor.presentPTEs == pageCount, "walk saw \(visitor.presentPTEs) present PTEs")
    blackHole(visitor)
  }

  // The raw walker over 512 PMD leaves.
  Benchmark("page-table walk 1 GiB, THP-mapped", configuration: walkConfiguration) { benchmark in
    let fixture = huge.faulted
    var visitor = CountingVisitor()
    measurePerPage(benchmark) { fixture.space.pageTable.walk(fixture.start, fixture.end, &visitor) }
    precondition(visitor.leaves == pageCount / 512, "walk saw \(visitor.leaves) leaves")
    blackHole(visitor)
  }

  // The invariant check tests and scenarios run after every step, over 262,144 PTEs.
  Benchmark("checkInvariants 1 GiB, 4K-mapped", configuration: faultConfiguration) { benchmark in
    let fixture = small.faulted
    let violations = measurePerPage(benchmark) { fixture.system.checkInvariants() }
    precondition(violations.isEmpty, "invariants broken: \(violations)")
  }
}
