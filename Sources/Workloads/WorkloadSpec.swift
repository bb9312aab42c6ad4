/// One workload of a study: memory regions, an access stream and the CPU's activity.
public struct WorkloadSpec: Hashable, Sendable, Codable {
  /// The name shown in reports.
  public var name: String
  /// The access stream's shape.
  public var pattern: AccessPattern
  /// The regions the stream covers (one 64 MiB THP region by default).
  public var regions: [RegionSpec]
  /// Device accesses to simulate.
  public var accesses: Int
  /// Bytes per access (the step of sequential streams, the node size of pointer chasing).
  public var accessSize: ByteCount
  /// The step of `strided`.
  public var stride: ByteCount
  /// The share of accesses that write (patterns with their own writes ignore it).
  public var writeFraction: Double
  /// The Zipf exponent.
  public var zipfExponent: Double
  /// Elements per grid row for stencils.
  public var gridWidth: Int
  /// Elements per tile side for GEMM.
  public var tile: Int
  /// The lackey log for `trace`.
  public var trace: String?
  /// CPU activity interleaved with the stream.
  public var cpu: [CPUEventSpec]
  /// Where device faults put data: `system` or `migrate` (to device memory).
  public var placement: String

  /// A workload with defaults for everything but the name and pattern.
  public init(name: String, pattern: AccessPattern, regions: [RegionSpec] = [RegionSpec()], accesses: Int = 100_000,
              accessSize: ByteCount = 64, stride: ByteCount = 4096, writeFraction: Double = 0, zipfExponent: Double = 0.99,
              gridWidth: Int = 1024, tile: Int = 64, trace: String? = nil, cpu: [CPUEventSpec] = [], placement: String = "system") {
    self.name = name
    self.pattern = pattern
    self.regions = regions
    self.accesses = accesses
    self.accessSize = accessSize
    self.stride = stride
    self.writeFraction = writeFraction
    self.zipfExponent = zipfExponent
    self.gridWidth = gridWidth
    self.tile = tile
    self.trace = trace
    self.cpu = cpu
    self.placement = placement
  }

  enum CodingKeys: String, CodingKey {
    case name, pattern, regions, accesses, accessSize, stride, writeFraction, zipfExponent, gridWidth, tile, trace, cpu, placement
  }

  /// Reads a workload; every field but `name` and `pattern` has a default.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let defaults = WorkloadSpec(name: "", pattern: .sequential)
    name = try c.decode(String.self, forKey: .name)
    pattern = try c.decode(AccessPattern.self, forKey: .pattern)
    regions = try c.decodeIfPresent([RegionSpec].self, forKey: .regions) ?? defaults.regions
    accesses = try c.decodeIfPresent(Int.self, forKey: .accesses) ?? defaults.accesses
    accessSize = try c.decodeIfPresent(ByteCount.self, forKey: .accessSize) ?? defaults.accessSize
    stride = try c.decodeIfPresent(ByteCount.self, forKey: .stride) ?? defaults.stride
    writeFraction = try c.decodeIfPresent(Double.self, forKey: .writeFraction) ?? defaults.writeFraction
    zipfExponent = try c.decodeIfPresent(Double.self, forKey: .zipfExponent) ?? defaults.zipfExponent
    gridWidth = try c.decodeIfPresent(Int.self, forKey: .gridWidth) ?? defaults.gridWidth
    tile = try c.decodeIfPresent(Int.self, forKey: .tile) ?? defaults.tile
    trace = try c.decodeIfPresent(String.self, forKey: .trace)
    cpu = try c.decodeIfPresent([CPUEventSpec].self, forKey: .cpu) ?? []
    placement = try c.decodeIfPresent(String.self, forKey: .placement) ?? defaults.placement
  }

  /// What is wrong with the parameters, if anything (a sentence naming the field).
  public func problems() -> [String] {
    var result: [String] = []
    if regions.isEmpty && pattern != .trace { result.append("workload '\(name)': 'regions' is empty") }
    for (i, region) in regions.enumerated() where region.size.bytes < 4096 || region.size.bytes % 4096 != 0 {
      result.append("workload '\(name)': region \(i) size \(region.size) is not a positive multiple of 4K")
    }
    if accesses < 0 { result.append("workload '\(name)': 'accesses' must not be negative") }
    if accessSize.bytes == 0 || accessSize.bytes > 4096 || 4096 % accessSize.bytes != 0 {
      result.append("workload '\(name)': 'accessSize' \(accessSize) must divide 4K")
    }
    if stride.bytes == 0 { result.append("workload '\(name)': 'stride' must be positive") }
    if !(0...1).contains(writeFraction) { result.append("workload '\(name)': 'writeFraction' must be between 0 and 1") }
    if zipfExponent <= 0 { result.append("workload '\(name)': 'zipfExponent' must be positive") }
    if gridWidth < 3 { result.append("workload '\(name)': 'gridWidth' must be at least 3") }
    if tile < 1 { result.append("workload '\(name)': 'tile' must be positive") }
    if pattern == .trace && trace == nil { result.append("workload '\(name)': pattern 'trace' needs 'trace' (a lackey log)") }
    if placement != "system" && placement != "migrate" { result.append("workload '\(name)': 'placement' must be system or migrate") }
    for event in cpu {
      if event.region < 0 || (event.region >= regions.count && pattern != .trace) {
        result.append("workload '\(name)': cpu event '\(event.op.rawValue)' names region \(event.region), but there are \(regions.count)")
      }
      if !(0...1).contains(event.at) { result.append("workload '\(name)': cpu event 'at' must be between 0 and 1") }
    }
    return result
  }
}

/// One memory region of a workload: a private anonymous mapping.
public struct RegionSpec: Hashable, Sendable, Codable {
  /// Its size.
  public var size: ByteCount
  /// Whether it has `MADV_HUGEPAGE` (THP in the default `madvise` mode).
  public var thp: Bool
  /// Whether the CPU writes it before the device starts (so THP-backed memory is PMD-mapped).
  public var populate: Bool

  /// A region.
  public init(size: ByteCount = ByteCount(64 << 20), thp: Bool = true, populate: Bool = true) {
    self.size = size
    self.thp = thp
    self.populate = populate
  }

  enum CodingKeys: String, CodingKey { case size, thp, populate }

  /// Reads a region (`thp` and `populate` default to true).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    size = try c.decodeIfPresent(ByteCount.self, forKey: .size) ?? ByteCount(64 << 20)
    thp = try c.decodeIfPresent(Bool.self, forKey: .thp) ?? true
    populate = try c.decodeIfPresent(Bool.self, forKey: .populate) ?? true
  }
}

/// CPU activity at a point of the stream.
public struct CPUEventSpec: Hashable, Sendable, Codable {
  /// What the CPU does.
  public enum Operation: String, Hashable, Sendable, Codable, CaseIterable {
    /// Writes (or reads, with `write: false`) every page of the span.
    case touch
    /// `mprotect(PROT_READ)` over the span (it stays read-only).
    case mprotect
    /// `fork()`: every private writable page becomes copy-on-write; the child stays alive.
    case fork
    /// khugepaged collapses each 2 MiB of the span it can (`max_ptes_none` rules).
    case collapse
    /// NUMA-balancing-style hinting: the span becomes inaccessible, then accessible again and
    /// the CPU touches it (modelled as two mprotects and a read).
    case numaProtect = "numa-protect"
    /// `free()` then reuse: `MADV_DONTNEED` over the span, then the CPU writes it again.
    case freeReuse = "free-reuse"
  }

  /// The operation.
  public var op: Operation
  /// When: the fraction of the stream done before it runs (0 = before the first access).
  public var at: Double
  /// The region.
  public var region: Int
  /// Where the span starts in the region.
  public var offset: ByteCount
  /// The span's length.
  public var length: ByteCount
  /// Repeat the span every `every` bytes up to the region's end (0 = once).
  public var every: ByteCount
  /// For `touch`: write or read.
  public var write: Bool

  /// An event.
  public init(op: Operation, at: Double = 0, region: Int = 0, offset: ByteCount = 0, length: ByteCount = 4096,
              every: ByteCount = 0, write: Bool = true) {
    self.op = op
    self.at = at
    self.region = region
    self.offset = offset
    self.length = length
    self.every = every
    self.write = write
  }

  enum CodingKeys: String, CodingKey { case op, at, region, offset, length, every, write }

  /// Reads an event; only `op` is required.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    op = try c.decode(Operation.self, forKey: .op)
    at = try c.decodeIfPresent(Double.self, forKey: .at) ?? 0
    region = try c.decodeIfPresent(Int.self, forKey: .region) ?? 0
    offset = try c.decodeIfPresent(ByteCount.self, forKey: .offset) ?? 0
    length = try c.decodeIfPresent(ByteCount.self, forKey: .length) ?? 4096
    every = try c.decodeIfPresent(ByteCount.self, forKey: .every) ?? 0
    write = try c.decodeIfPresent(Bool.self, forKey: .write) ?? true
  }
}
