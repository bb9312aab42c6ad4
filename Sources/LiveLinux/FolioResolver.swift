/// Finds the folio of a PFN in `/proc/kpageflags`, reading the file in 64-entry blocks (512 bytes: the kernel computes every entry read, so a
/// scattered set of frames costs what it touches; coalesced when consecutive) and remembering the last folio, so that a walk costs O(pages)
/// memory reads and O(blocks) `pread`s. Internal.
struct FolioResolver {
  /// Entries per cached block.
  static let blockEntries = 64
  /// Blocks kept before the cache is dropped.
  static let maximumBlocks = 65536

  private(set) var isAvailable: Bool
  private(set) var failure: LiveLinuxError?
  private var blocks: [UInt64: [UInt64]] = [:]
  private var last: LiveFolio?

  init(enabled: Bool) { isAvailable = enabled }

  /// Reads the blocks holding `pfns` that are not cached yet, one `pread` per run of consecutive blocks.
  mutating func prefetch(_ pfns: [UInt64], from source: some ProcessMemorySource) {
    guard isAvailable, !pfns.isEmpty else { return }
    var wanted = Set<UInt64>()
    for pfn in pfns where pfn != 0 {
      let block = pfn / UInt64(Self.blockEntries)
      if blocks[block] == nil { wanted.insert(block) }
    }
    let sorted = wanted.sorted()
    var index = 0
    while index < sorted.count {
      var count = 1
      while index + count < sorted.count && sorted[index + count] == sorted[index] + UInt64(count) && count < 64 { count += 1 }
      read(blocks: sorted[index], count: count, from: source)
      index += count
    }
  }

  private mutating func read(blocks first: UInt64, count: Int, from source: some ProcessMemorySource) {
    if blocks.count + count > Self.maximumBlocks { blocks.removeAll(keepingCapacity: true) }
    var buffer = [UInt64](repeating: 0, count: count * Self.blockEntries)
    do {
      try buffer.withUnsafeMutableBufferPointer { (pointer) throws(LiveLinuxError) in
        try source.readPageFlags(firstPFN: first * UInt64(Self.blockEntries), into: pointer)
      }
    } catch {
      isAvailable = false
      failure = error
      return
    }
    for k in 0..<count {
      blocks[first + UInt64(k)] = Array(buffer[(k * Self.blockEntries)..<((k + 1) * Self.blockEntries)])
    }
  }

  /// The flags of one frame, reading its block if needed; nil when `kpageflags` is unavailable.
  mutating func flags(_ pfn: UInt64, from source: some ProcessMemorySource) -> KernelPageFlags? {
    guard isAvailable else { return nil }
    let block = pfn / UInt64(Self.blockEntries)
    if blocks[block] == nil { read(blocks: block, count: 1, from: source) }
    guard let entries = blocks[block] else { return nil }
    return KernelPageFlags(rawValue: entries[Int(pfn % UInt64(Self.blockEntries))])
  }

  /// The folio holding `pfn`: a page without `KPF_COMPOUND_*` is its own order-0 folio; a tail's
  /// head is the first of `pfn` rounded down to 2, 4, 8, … frames that has `KPF_COMPOUND_HEAD`
  /// (folios are naturally aligned); the order is the first k with frame `head + 2^k` no longer
  /// a tail. Nil when `kpageflags` is unavailable or inconsistent (a folio split under the read).
  mutating func folio(of pfn: UInt64, from source: some ProcessMemorySource) -> LiveFolio? {
    if let last, pfn >= last.head.rawValue, pfn - last.head.rawValue < (UInt64(1) << UInt64(last.order)) {
      return last
    }
    guard let flags = flags(pfn, from: source) else { return nil }
    let result: LiveFolio?
    if !flags.isCompound {
      result = LiveFolio(head: .init(pfn), order: 0, flags: flags)
    } else {
      var head: UInt64? = flags.contains(.compoundHead) ? pfn : nil
      var shift: UInt64 = 1
      while head == nil && shift <= 18 {
        let candidate = pfn & ~((UInt64(1) << shift) - 1)
        guard let candidateFlags = self.flags(candidate, from: source) else { return nil }
        if candidateFlags.contains(.compoundHead) { head = candidate }
        shift += 1
      }
      if let head, let headFlags = self.flags(head, from: source) {
        var order = 1
        while order < 18, let next = self.flags(head + (UInt64(1) << UInt64(order)), from: source),
          next.contains(.compoundTail)
        {
          order += 1
        }
        result = pfn - head < (UInt64(1) << UInt64(order)) ? LiveFolio(head: .init(head), order: order, flags: headFlags) : nil
      } else {
        result = nil
      }
    }
    last = result
    return result
  }
}
