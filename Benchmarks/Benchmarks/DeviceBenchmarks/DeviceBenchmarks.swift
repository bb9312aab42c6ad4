// Benchmarks of the device hot paths: device accesses that hit the TLB (accesses per second),
// the device fault path for 2 MiB windows mapped with one 2M device page (map-order) against
// 512 4K device pages (base), and migrating 1 GiB to device memory and back with 2M folios
// against 4K pages.

import Benchmark
import DeviceMirror
import HMM
import MemoryModel

private let nsPerAccess = BenchmarkMetric.custom("ns per access x100", polarity: .prefersSmaller, useScalingFactor: false)
private let usPerWindow = BenchmarkMetric.custom("ns per 2M window", polarity: .prefersSmaller, useScalingFactor: false)
private let nsPerPage = BenchmarkMetric.custom("ns per 4K page migrated", polarity: .prefersSmaller, useScalingFactor: false)

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

/// A process with `bytes` of THP-backed anonymous memory, faulted in.
private func thpProcess(_ bytes: UInt64, memory: UInt64 = .gib(4), hugepage: Bool = true) -> (MemorySystem, AddressSpace, VirtualAddress) {
  var settings = MemorySystem.Settings()
  settings.thp = hugepage ? .madvise : .never
  let system = MemorySystem(memoryBytes: memory, settings: settings)
  do {
    let space = try system.createProcess(name: "bench")
    let start = try space.mmap(.init(length: bytes, protection: .readWrite, alignment: PageSize.size2M.bytes))
    if hugepage { try space.madvise(start, bytes, .hugepage) }
    try space.touch(start, bytes, write: true)
    return (system, space, start)
  } catch {
    fatalError("setup failed: \(error)")
  }
}

let benchmarks: @Sendable () -> Void = {
  let configuration = Benchmark.Configuration(
    metrics: [.wallClock, .mallocCountTotal], warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)

  // 1,000,000 accesses to 8 MiB mapped by four 2M device pages: every access hits the TLB.
  Benchmark("device access, TLB hit (1M accesses)",
            configuration: .init(metrics: [.wallClock, .mallocCountTotal, nsPerAccess], units: [nsPerAccess: .count],
                                 warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)) { benchmark in
    let (system, space, start) = thpProcess(.mib(8), memory: .gib(1))
    let device = Device(name: "gpu0", ownerID: 1, pageSizes: .nvidia, policy: MapOrderPolicy())
    do {
      try device.mirror(space)
      try device.touch(start, .mib(8), write: false)
    } catch { fatalError("\(error)") }
    let count = 1_000_000
    var sink: UInt64 = 0
    let ns = elapsedNanoseconds(benchmark) {
      var offset: UInt64 = 0
      for _ in 0..<count {
        do { sink &+= try device.access(start + offset, write: false).rawValue } catch { fatalError("\(error)") }
        offset = (offset &+ 4096 &* 37) & (.mib(8) - 1)
      }
    }
    benchmark.measurement(nsPerAccess, ns * 100 / count)
    blackHole(sink)
    precondition(device.counters.tlbMisses == 4)
    _ = system
    space.exit()
  }

  // The device fault path: 64 windows of 2 MiB, each one device fault through HMM.
  for (name, policy) in [("map-order: one 2M device page", MapOrderPolicy() as any MappingPolicy),
                         ("base: 512 4K device pages", BasePolicy())] {
    Benchmark("device fault, 2M window, \(name)",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal, usPerWindow], units: [usPerWindow: .count],
                                   warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)) { benchmark in
      let (_, space, start) = thpProcess(.mib(128), memory: .gib(1))
      let device = Device(name: "gpu0", ownerID: 1, pageSizes: .nvidia, policy: policy, faultWindow: .mib(2))
      do { try device.mirror(space) } catch { fatalError("\(error)") }
      let ns = elapsedNanoseconds(benchmark) {
        var address = start
        for _ in 0..<64 {
          do { try device.handleFault(at: address, write: false) } catch { fatalError("\(error)") }
          address = address + .mib(2)
        }
      }
      benchmark.measurement(usPerWindow, ns / 64)
      precondition(device.counters.faults == 64)
      space.exit()
    }
  }

  // Migrating 1 GiB to device memory and back, 2M folios (THP) against 4K pages.
  for hugepage in [true, false] {
    Benchmark("migrate 1 GiB to device and back, \(hugepage ? "2M folios" : "4K pages")",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal, nsPerPage], units: [nsPerPage: .count],
                                   warmupIterations: 0, maxDuration: .seconds(30), maxIterations: 5)) { benchmark in
      let (system, space, start) = thpProcess(.gib(1), memory: .gib(3), hugepage: hugepage)
      let dev = DMirrorDevice(number: 0, ownerID: 7, system: system, memoryBytes: .gib(1))
      let file: DMirror
      do { file = try DMirror(device: dev, space: space) } catch { fatalError("\(error)") }
      var toDevice: DMirrorCommandResult?
      var toSystem: DMirrorCommandResult?
      let ns = elapsedNanoseconds(benchmark) {
        toDevice = file.migrateToDevice(start, pages: 262_144, readBack: false)
        toSystem = file.migrateToSystem(start, pages: 262_144)
      }
      precondition(toDevice?.returnCode == 0 && toSystem?.returnCode == 0, "migration failed")
      benchmark.measurement(nsPerPage, ns / (2 * 262_144))
      space.exit()
    }
  }
  _ = configuration
}
