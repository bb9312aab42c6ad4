import MemoryModel
import Testing
@testable import Workloads

@Suite struct AccessStreamTests {
  func collect(_ spec: WorkloadSpec, seed: UInt64 = 7, sizes: [UInt64]? = nil) -> [DeviceAccess] {
    let sizes = sizes ?? spec.regions.map(\.size.bytes)
    var bases: [VirtualAddress] = []
    var next = VirtualAddress(1 << 32)
    for size in sizes {
      bases.append(next)
      next = next + size + (2 << 20)
    }
    var stream = AccessStream(spec: spec, bases: bases, sizes: sizes, seed: seed)
    var result: [DeviceAccess] = []
    while let access = stream.next() { result.append(access) }
    return result
  }

  @Test func everyPatternIsDeterministicForItsSeedAndStaysInItsRegions() {
    for pattern in AccessPattern.allCases where pattern != .trace {
      let spec = WorkloadSpec(name: "w", pattern: pattern, regions: [RegionSpec(size: ByteCount(4 << 20)), RegionSpec(size: ByteCount(8 << 20))],
                              accesses: 2000, writeFraction: 0.3, gridWidth: 64, tile: 8)
      let a = collect(spec, seed: 7)
      let b = collect(spec, seed: 7)
      #expect(a.count == 2000, "\(pattern)")
      #expect(a == b, "\(pattern) is not deterministic")
      let low = VirtualAddress(1 << 32)
      let high = low + (4 << 20) + (2 << 20) + (8 << 20)
      #expect(a.allSatisfy { $0.address >= low && $0.address < high }, "\(pattern) leaves its regions")
      let gap = (low + (4 << 20))..<(low + (6 << 20))
      #expect(!a.contains { gap.contains($0.address) }, "\(pattern) touches the gap between regions")
    }
    let random = WorkloadSpec(name: "r", pattern: .random, accesses: 100)
    #expect(collect(random, seed: 1) != collect(random, seed: 2))
  }

  @Test func sequentialStridedAndPointerChaseShapes() {
    let seq = collect(WorkloadSpec(name: "s", pattern: .sequential, regions: [RegionSpec(size: ByteCount(1 << 20))], accesses: 300, accessSize: 4096))
    #expect(seq[1].address - seq[0].address == 4096)
    #expect(seq[256].address == seq[0].address)  // wraps after 1 MiB
    let strided = collect(WorkloadSpec(name: "t", pattern: .strided, regions: [RegionSpec(size: ByteCount(1 << 20))], accesses: 512, accessSize: 64, stride: 65536))
    #expect(strided[1].address - strided[0].address == 65536)
    #expect(strided[16].address - strided[0].address == 64)  // shifted by one access on the wrap
    // Pointer chasing visits every node once before repeating (one cycle).
    let chase = collect(WorkloadSpec(name: "p", pattern: .pointerChase, regions: [RegionSpec(size: ByteCount(64 << 10))], accesses: 1024, accessSize: 64))
    #expect(Set(chase.map(\.address)).count == 1024)
  }

  @Test func zipfIsSkewedAndStencilsAndGathersHaveTheirShape() {
    let zipf = collect(WorkloadSpec(name: "z", pattern: .zipf, regions: [RegionSpec(size: ByteCount(64 << 20))], accesses: 20000))
    var pages: [UInt64: Int] = [:]
    for a in zipf { pages[a.address.rawValue >> 12, default: 0] += 1 }
    let hottest = pages.values.max() ?? 0
    #expect(hottest > 20000 / 16384 * 50, "the hottest page has only \(hottest) accesses")
    let stencil = collect(WorkloadSpec(name: "st", pattern: .stencil2D, regions: [RegionSpec(size: ByteCount(1 << 20)), RegionSpec(size: ByteCount(1 << 20))],
                                       accesses: 60, gridWidth: 256))
    #expect(stencil.filter(\.write).count == 10)  // 5 reads and 1 write per point
    #expect(stencil[3].address - stencil[1].address == 16)  // left and right neighbours, 8-byte elements
    let scatter = collect(WorkloadSpec(name: "sc", pattern: .scatter, regions: [RegionSpec(size: ByteCount(1 << 20)), RegionSpec(size: ByteCount(4 << 20))], accesses: 100))
    #expect(scatter.enumerated().allSatisfy { $0.element.write == ($0.offset % 2 == 1) })
    let gemm = collect(WorkloadSpec(name: "g", pattern: .gemm, regions: [RegionSpec(size: ByteCount(3 << 20))], accesses: 3000, tile: 8))
    #expect(gemm.contains { $0.write } && gemm.contains { !$0.write })
  }

  @Test func badParametersAreNamed() {
    var spec = WorkloadSpec(name: "bad", pattern: .trace)
    spec.writeFraction = 2
    spec.accessSize = 3000
    let problems = spec.problems().joined(separator: "\n")
    #expect(problems.contains("'writeFraction'"))
    #expect(problems.contains("'accessSize'"))
    #expect(problems.contains("needs 'trace'"))
  }
}
