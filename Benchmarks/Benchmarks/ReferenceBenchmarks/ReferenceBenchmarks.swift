// The C reference beside HMMKit's hmm_range_fault(), measured in one run over the same memory
// (issue 16): 1 GiB of anonymous memory faulted in by the model with 4 KiB pages or with PMD
// THPs, then copied leaf by leaf, with the model's PFNs and raw entries, into a real x86-64
// 4-level page table in memory (HMMReferenceWalk). Each iteration times the C walk and
// `HMM.rangeFault` (no fault requested) alternately, `rounds` times each, and reports the
// fastest of each and their ratio, so that both see the same machine load.
//
// The same run measures issue 16's two other targets: device accesses that hit the TLB (the
// DeviceBenchmarks workload: 1M accesses over 8 MiB of 2M device pages) and the 4K anonymous
// write-fault path (1 GiB, THP `never`: 262,144 faults), each as wall-clock time and as the
// benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), which other processes' load does not
// inflate by preemption.
//
// Custom metrics: `C ps per entry` and `Swift ps per entry` (picoseconds per 4 KiB output entry,
// divide by 1000 for ns) and `Swift/C x100` (100 = as fast as C). The outputs of the two walks
// are compared entry for entry before the first measurement.

#if canImport(Glibc)
import Glibc
#endif
import Benchmark
import DeviceMirror
import HMM
import HMMReferenceWalk
import MemoryModel

private let mappingBytes: UInt64 = .gib(1)
private let entries = Int(mappingBytes / 4096)
private let rounds = 5
private let cPicoseconds = BenchmarkMetric.custom("C ps per entry", polarity: .prefersSmaller, useScalingFactor: false)
private let swiftPicoseconds = BenchmarkMetric.custom("Swift ps per entry", polarity: .prefersSmaller, useScalingFactor: false)
private let ratio = BenchmarkMetric.custom("Swift/C x100", polarity: .prefersSmaller, useScalingFactor: false)

/// Ops that only move the sequence.
private final class Ops: IntervalNotifierOps {
  func invalidate(_ notifier: IntervalNotifier, range: InvalidationRange, currentSequence: UInt64) -> Bool {
    notifier.setSequence(currentSequence)
    return true
  }
}

/// Copies the model's leaves into the C page table.
private struct LeafCopier: PageTableVisitor {
  let table: OpaquePointer

  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    for (i, entry) in entries.enumerated() where !entry.isNone {
      precondition(hmmref_set_leaf(table, start.rawValue + UInt64(i) << 12, 1, entry.rawValue) == 0, "C table full")
    }
    return .continue
  }

  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
    let span = level.entrySpan
    precondition(start.rawValue & (span - 1) == 0, "the mapping must cover whole leaves")
    precondition(hmmref_set_leaf(table, start.rawValue, level == .pmd ? 2 : 3, entry.rawValue) == 0, "C table full")
    return .continue
  }

  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl { .continue }
}

/// 1 GiB faulted in, the same leaves in a C page table, and an output array for each walk.
private final class Fixture {
  let system: MemorySystem
  let space: AddressSpace
  let start: VirtualAddress
  let notifier: IntervalNotifier
  let table: OpaquePointer
  let zeroPFN: UInt64
  var range: HMMRange
  var cOutput: [UInt64]

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
    // Table frames numbered above every model frame: 1 PGD + 1 PUD + 1 PMD + 512 PTE tables at most.
    guard let table = hmmref_create(1024, 1 << 32) else { fatalError("no memory for the C page table") }
    self.table = table
    zeroPFN = system.memory.zeroPage.rawValue
    var copier = LeafCopier(table: table)
    space.pageTable.walk(start, start + mappingBytes, &copier)
    range = HMMRange(notifier: notifier, notifierSequence: notifier.readBegin(), start: start, end: start + mappingBytes)
    cOutput = [UInt64](repeating: 0, count: entries)
    walkC()
    walkSwift()
    for i in 0..<entries where cOutput[i] != range.pfns[i].rawValue {
      fatalError("entry \(i): C \(String(cOutput[i], radix: 16)), hmm_range_fault \(range.pfns[i])")
    }
    precondition(range.pfns[12345].isValid && range.pfns[12345].mapOrder == (hugepage ? 9 : 0))
  }

  func walkC() {
    let (start, end, zero, table) = (start.rawValue, start.rawValue + mappingBytes, zeroPFN, table)
    cOutput.withUnsafeMutableBufferPointer { hmmref_range_fault(table, start, end, zero, $0.baseAddress) }
  }

  func walkSwift() {
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

private let wallPicoseconds = BenchmarkMetric.custom("wall ps per op", polarity: .prefersSmaller, useScalingFactor: false)
private let cpuPicoseconds = BenchmarkMetric.custom("thread CPU ps per op", polarity: .prefersSmaller, useScalingFactor: false)

/// The calling thread's CPU time in nanoseconds.
private func threadCPUNanoseconds() -> Int {
  var time = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
  return time.tv_sec * 1_000_000_000 + time.tv_nsec
}

/// Measures `body` (which performs `operations` operations) and reports wall-clock and thread CPU
/// picoseconds per operation.
private func measurePerOperation(_ benchmark: Benchmark, operations: Int, _ body: () -> Void) {
  let clock = ContinuousClock()
  benchmark.startMeasurement()
  let cpuBegan = threadCPUNanoseconds()
  let began = clock.now
  body()
  let (seconds, attoseconds) = (clock.now - began).components
  let cpu = threadCPUNanoseconds() - cpuBegan
  benchmark.stopMeasurement()
  benchmark.measurement(wallPicoseconds, Int(seconds * 1_000_000_000_000 + attoseconds / 1_000_000) / operations)
  benchmark.measurement(cpuPicoseconds, cpu * 1000 / operations)
}

/// Picoseconds `body` takes.
private func picoseconds(_ body: () -> Void) -> Int {
  let clock = ContinuousClock()
  let began = clock.now
  body()
  let (seconds, attoseconds) = (clock.now - began).components
  return Int(seconds * 1_000_000_000_000 + attoseconds / 1_000_000)
}

let benchmarks: @Sendable () -> Void = {
  let configuration = Benchmark.Configuration(
    metrics: [.wallClock, cPicoseconds, swiftPicoseconds, ratio],
    units: [cPicoseconds: .count, swiftPicoseconds: .count, ratio: .count],
    warmupIterations: 2, maxDuration: .seconds(10), maxIterations: 30)

  for hugepage in [false, true] {
    Benchmark("C reference vs hmm_range_fault, 1 GiB, \(hugepage ? "PMD THPs" : "4K PTEs")",
              configuration: configuration) { benchmark in
      let f = fixture(hugepage: hugepage)
      var c = Int.max
      var swift = Int.max
      benchmark.startMeasurement()
      for _ in 0..<rounds {
        c = min(c, picoseconds { f.walkC() })
        swift = min(swift, picoseconds { f.walkSwift() })
      }
      benchmark.stopMeasurement()
      benchmark.measurement(cPicoseconds, c / entries)
      benchmark.measurement(swiftPicoseconds, swift / entries)
      benchmark.measurement(ratio, swift * 100 / max(c, 1))
      blackHole(f.cOutput[12345])
    }
  }

  let targetConfiguration = Benchmark.Configuration(
    metrics: [.wallClock, wallPicoseconds, cpuPicoseconds], units: [wallPicoseconds: .count, cpuPicoseconds: .count],
    warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)

  // 1,000,000 device accesses to 8 MiB mapped by four 2M device pages: every one hits the TLB.
  Benchmark("target: device access, TLB hit", configuration: targetConfiguration) { benchmark in
    var settings = MemorySystem.Settings()
    settings.thp = .madvise
    let system = MemorySystem(memoryBytes: .gib(1), settings: settings)
    let device = Device(name: "gpu0", ownerID: 1, pageSizes: .nvidia, policy: MapOrderPolicy())
    let space: AddressSpace
    let start: VirtualAddress
    do {
      space = try system.createProcess(name: "bench")
      start = try space.mmap(.init(length: .mib(8), protection: .readWrite, alignment: PageSize.size2M.bytes))
      try space.madvise(start, .mib(8), .hugepage)
      try space.touch(start, .mib(8), write: true)
      try device.mirror(space)
      try device.touch(start, .mib(8), write: false)
    } catch { fatalError("\(error)") }
    let count = 1_000_000
    var sink: UInt64 = 0
    measurePerOperation(benchmark, operations: count) {
      var offset: UInt64 = 0
      for _ in 0..<count {
        do { sink &+= try device.access(start + offset, write: false).rawValue } catch { fatalError("\(error)") }
        offset = (offset &+ 4096 &* 37) & (.mib(8) - 1)
      }
    }
    blackHole(sink)
    precondition(device.counters.tlbMisses == 4)
    space.exit()
  }

  // 262,144 write faults on fresh 4 KiB anonymous pages (THP `never`), each allocating a page.
  Benchmark("target: 4K anonymous write fault", configuration: targetConfiguration) { benchmark in
    var settings = MemorySystem.Settings()
    settings.thp = .never
    let system = MemorySystem(memoryBytes: .gib(2), settings: settings)
    let space: AddressSpace
    let start: VirtualAddress
    do {
      space = try system.createProcess(name: "bench")
      start = try space.mmap(.init(length: mappingBytes, protection: .readWrite, alignment: PageSize.size2M.bytes))
    } catch { fatalError("\(error)") }
    measurePerOperation(benchmark, operations: entries) {
      do { try space.touch(start, mappingBytes, write: true) } catch { fatalError("\(error)") }
    }
    precondition(space.residentPages.anonymous == entries && system.events.thpFaultAlloc == 0)
    space.exit()
  }
}
