import MemoryModel

/// One device access of a stream.
public struct DeviceAccess: Hashable, Sendable {
  /// The address.
  public var address: VirtualAddress
  /// Whether it writes.
  public var write: Bool
  /// An access.
  public init(address: VirtualAddress, write: Bool) {
    self.address = address
    self.write = write
  }
}

/// Generates a workload's device accesses over placed regions, deterministically from a seed.
public struct AccessStream: IteratorProtocol {
  let spec: WorkloadSpec
  let bases: [VirtualAddress]
  let sizes: [UInt64]
  let total: UInt64
  var random: SplitMix64
  var index = 0
  var pending: [DeviceAccess] = []
  var pendingIndex = 0
  // Pattern state.
  var zipfCDF: [Double] = []
  var zipfMultiplier: UInt64 = 1
  var chain: [UInt32] = []
  var chainNode = 0
  var point = 0
  var trace: [DeviceAccess] = []

  /// A stream over regions starting at `bases` with `sizes` (one per region of `spec`); a trace
  /// stream replays `trace` instead.
  public init(spec: WorkloadSpec, bases: [VirtualAddress], sizes: [UInt64], seed: UInt64, trace: [DeviceAccess] = []) {
    self.spec = spec
    self.bases = bases
    self.sizes = sizes
    self.total = sizes.reduce(0, +)
    self.random = SplitMix64(seed: seed)
    self.trace = trace
    switch spec.pattern {
    case .zipf: prepareZipf()
    case .pointerChase: prepareChain()
    default: break
    }
  }

  /// The address at `offset` into the regions laid end to end.
  func address(_ offset: UInt64) -> VirtualAddress {
    var rest = offset % max(total, 1)
    for (i, size) in sizes.enumerated() {
      if rest < size { return bases[i] + rest }
      rest -= size
    }
    return bases[0]
  }

  /// The address at `offset` into region `region` (wrapping inside it).
  func address(region: Int, _ offset: UInt64) -> VirtualAddress { bases[region] + offset % sizes[region] }

  mutating func writeDraw() -> Bool { spec.writeFraction > 0 && random.unit() < spec.writeFraction }

  mutating func prepareZipf() {
    // Ranks over pages, at most 2^20 of them (larger regions group pages per rank).
    let pages = max(1, total >> 12)
    let ranks = Int(min(pages, 1 << 20))
    zipfCDF = [Double](repeating: 0, count: ranks)
    var sum = 0.0
    for r in 0..<ranks {
      sum += 1 / pow(Double(r + 1), spec.zipfExponent)
      zipfCDF[r] = sum
    }
    for r in 0..<ranks { zipfCDF[r] /= sum }
    // Scatter ranks over the ranks' slots with a multiplier coprime to their number.
    var m: UInt64 = 2_654_435_761 % UInt64(ranks)
    if m == 0 { m = 1 }
    while gcd(m, UInt64(ranks)) != 1 { m += 1 }
    zipfMultiplier = m
  }

  func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 { b == 0 ? a : gcd(b, a % b) }

  mutating func prepareChain() {
    let nodes = Int(min(max(1, total / spec.accessSize.bytes), 1 << 22))
    chain = (0..<nodes).map { UInt32($0) }
    // Sattolo: one cycle through every node.
    var i = nodes - 1
    while i > 0 {
      let j = Int(random.below(UInt64(i)))
      chain.swapAt(i, j)
      i -= 1
    }
  }

  /// The next access, or nil after `accesses` of them (or the end of a trace).
  public mutating func next() -> DeviceAccess? {
    guard index < spec.accesses else { return nil }
    if spec.pattern == .trace {
      guard !trace.isEmpty else { return nil }
      let access = trace[index % trace.count]
      index += 1
      return access
    }
    if pendingIndex < pending.count {
      index += 1
      pendingIndex += 1
      return pending[pendingIndex - 1]
    }
    let step = spec.accessSize.bytes
    let i = UInt64(index)
    switch spec.pattern {
    case .sequential:
      index += 1
      return DeviceAccess(address: address(i * step), write: writeDraw())
    case .strided:
      index += 1
      let raw = i &* spec.stride.bytes
      let shift = (raw / max(total, 1)) &* step
      return DeviceAccess(address: address((raw % total + shift) / step * step), write: writeDraw())
    case .random:
      index += 1
      return DeviceAccess(address: address(random.below(max(1, total / step)) * step), write: writeDraw())
    case .zipf:
      index += 1
      let u = random.unit()
      var low = 0
      var high = zipfCDF.count - 1
      while low < high {
        let mid = (low + high) / 2
        if zipfCDF[mid] < u { low = mid + 1 } else { high = mid }
      }
      let ranks = UInt64(zipfCDF.count)
      let slot = UInt64(low) &* zipfMultiplier % ranks
      let pagesPerRank = max(1, (total >> 12) / ranks)
      let page = slot * pagesPerRank + random.below(pagesPerRank)
      let inPage = random.below(4096 / step) * step
      return DeviceAccess(address: address(page << 12 + inPage), write: writeDraw())
    case .pointerChase:
      index += 1
      chainNode = Int(chain[chainNode])
      return DeviceAccess(address: address(UInt64(chainNode) * step), write: writeDraw())
    case .stencil2D, .stencil3D, .gather, .scatter, .gemm:
      refill()
      return next()
    case .trace:
      return nil
    }
  }

  /// Fills `pending` with the next group of accesses of a grouped pattern.
  mutating func refill() {
    pending.removeAll(keepingCapacity: true)
    pendingIndex = 0
    let last = bases.count - 1
    switch spec.pattern {
    case .stencil2D:
      let w = UInt64(spec.gridWidth)
      let elements = sizes[0] / 8
      let rows = max(3, elements / w)
      let interior = (w - 2) * (rows - 2)
      let p = UInt64(point) % max(interior, 1)
      point += 1
      let x = 1 + p % (w - 2)
      let y = 1 + p / (w - 2)
      for (dx, dy) in [(0, -1), (-1, 0), (0, 0), (1, 0), (0, 1)] as [(Int64, Int64)] {
        let e = UInt64(Int64(y) + dy) * w + UInt64(Int64(x) + dx)
        pending.append(DeviceAccess(address: address(region: 0, e * 8), write: false))
      }
      pending.append(DeviceAccess(address: address(region: last, (y * w + x) * 8), write: true))
    case .stencil3D:
      let w = UInt64(spec.gridWidth)
      let plane = w * w
      let depth = max(3, sizes[0] / 8 / plane)
      let interior = (w - 2) * (w - 2) * (depth - 2)
      let p = UInt64(point) % max(interior, 1)
      point += 1
      let x = 1 + p % (w - 2)
      let y = 1 + (p / (w - 2)) % (w - 2)
      let z = 1 + p / ((w - 2) * (w - 2))
      let centre = z * plane + y * w + x
      for delta in [-Int64(plane), -Int64(w), -1, 0, 1, Int64(w), Int64(plane)] {
        pending.append(DeviceAccess(address: address(region: 0, UInt64(Int64(centre) + delta) * 8), write: false))
      }
      pending.append(DeviceAccess(address: address(region: last, centre * 8), write: true))
    case .gather, .scatter:
      let i = UInt64(point)
      point += 1
      pending.append(DeviceAccess(address: address(region: 0, i * 8), write: false))
      let slots = max(1, sizes[last] / spec.accessSize.bytes)
      var mix = SplitMix64(seed: i ^ 0xA5A5_5A5A_DEAD_BEEF)
      let slot = mix.below(slots)
      pending.append(DeviceAccess(address: address(region: last, slot * spec.accessSize.bytes), write: spec.pattern == .scatter))
    case .gemm:
      let t = UInt64(spec.tile)
      // Three square matrices of 8-byte elements laid end to end.
      let n = max(t, UInt64(Double(total / 24).squareRoot()) / t * t)
      let matrix = n * n * 8
      let tiles = n / t
      let step = UInt64(point)
      point += 1
      let k = step % tiles
      let j = (step / tiles) % tiles
      let i = (step / (tiles * tiles)) % tiles
      let chunk = spec.accessSize.bytes
      for r in 0..<t {
        for c in stride(from: UInt64(0), to: t * 8, by: Int(chunk)) {
          pending.append(DeviceAccess(address: address(((i * t + r) * n + k * t) * 8 + c), write: false))
          pending.append(DeviceAccess(address: address(matrix + ((k * t + r) * n + j * t) * 8 + c), write: false))
          pending.append(DeviceAccess(address: address(2 * matrix + ((i * t + r) * n + j * t) * 8 + c), write: k == tiles - 1))
        }
      }
    default:
      break
    }
  }
}

import Foundation
