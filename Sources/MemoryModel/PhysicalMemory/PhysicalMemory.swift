/// The machine's physical memory: a fixed number of 4 KiB frames, their `struct page`-like
/// descriptors in one flat array, a buddy allocator (orders 0 to ``maxBuddyOrder``) that can fail
/// and fragment, gigantic (1 GiB) allocations for hugetlb pools, the zero page and the huge zero
/// page, and sparse page contents.
///
/// A folio is named by its head PFN, never by an object: all folio state lives in the
/// descriptors, so a simulated frame costs 16 bytes however many GiB are simulated.
public final class PhysicalMemory {
  /// The largest order the buddy allocator hands out (`MAX_PAGE_ORDER` on x86-64: 4 MiB blocks).
  public static let maxBuddyOrder = 10

  /// Per-frame descriptors, indexed by PFN (host pages of untouched descriptors stay unbacked).
  @exclusivity(unchecked) var frames: FrameTable
  /// Head of each order's free list (a PFN, or -1).
  @exclusivity(unchecked) var freeListHead = BuddyOrderArray<Int64>(repeating: -1)
  /// Blocks on each order's free list.
  @exclusivity(unchecked) var freeBlocks = BuddyOrderArray<Int>(repeating: 0)
  /// Frames in the buddy allocator's free lists.
  @exclusivity(unchecked) public internal(set) var freeFrameCount: Int = 0
  /// Whole-folio (PMD or PUD) mapping counts of large folios, by head PFN (Linux keeps
  /// `_entire_mapcount` in the first tail page; the model keeps it beside the array).
  @exclusivity(unchecked) var entireMapCounts: [UInt32: Int32] = [:]
  /// Contents of frames that have been written with data, by PFN, stored as patterns where they
  /// are patterns; absent frames read as zeros.
  @exclusivity(unchecked) var contents: [UInt32: PageData] = [:]
  /// The frames that have an entry in ``contents`` (a bit test before any hash lookup).
  /// Unchecked exclusivity: it is only read and written inside this class's own methods, which
  /// never call out while they hold an access to it.
  @exclusivity(unchecked) var hasContents = FrameBitmap()
  /// At least the number of frames marked lazily freeable (``setLazyFree(_:_:)`` counts each
  /// mark it sets and clears, ``freeFolio(_:)`` each it wipes; nothing else sets one): while it is
  /// zero no frame is marked, and a CPU write need not read the frame's descriptor to find out.
  @exclusivity(unchecked) var lazyFreeMarks = 0
  /// The frames ``fragment(percent:)`` holds, by 2 MiB region.
  var fragmentFrames: [Int: Int] = [:]
  /// The PFN of the shared zero page.
  @exclusivity(unchecked) public private(set) var zeroPage = PFN(0)
  /// The head PFN of the huge zero page (order 9).
  @exclusivity(unchecked) public private(set) var hugeZeroPage = PFN(0)
  /// Allocation statistics.
  @exclusivity(unchecked) public internal(set) var statistics = Statistics()

  /// Counters of allocator activity.
  public struct Statistics: Sendable, Equatable {
    /// Successful folio allocations, by order (index 0 to 18).
    public var allocations = [Int](repeating: 0, count: 19)
    /// Failed folio allocations, by order.
    public var failures = [Int](repeating: 0, count: 19)
    /// Folios freed, by order.
    public var frees = [Int](repeating: 0, count: 19)
  }

  /// The number of frames, device memory included.
  public var frameCount: Int { frames.count }
  /// The number of frames of system RAM.
  public let ramFrameCount: Int
  /// The state a fresh machine of this size starts from, when the frame table goes back to the
  /// pool (FrameTablePool.swift) at the end.
  private(set) var template: FrameTemplate?
  /// Whether the frame table came from the pool (for tests).
  private(set) var reusesPooledFrameTable = false
  /// Device frames' ranges, kinds, and the first frame of each that its device memory never
  /// handed out (frames from there on keep the zero descriptors they were appended with, and
  /// ``kind(of:)`` gives them their range's kind).
  @exclusivity(unchecked) var deviceFrameKinds: [(frames: Range<Int>, kind: FolioKind, firstUnused: Int)] = []

  /// Creates physical memory of `bytes` (rounded down to 4 KiB), all free but for the zero page
  /// and the huge zero page.
  /// - Precondition: `bytes` holds at least 4 MiB and at most 16 TiB.
  public init(bytes: UInt64) {
    let count = Int(bytes >> PageSize.shift4K)
    precondition(count >= 1024 && count <= Int(UInt32.max), "physical memory must be 4 MiB to 16 TiB")
    ramFrameCount = count
    let pooled = count <= FrameTablePool.maxPooledRAMFrames
    if pooled, let (table, template) = FrameTablePool.shared.take(ramFrames: count) {
      frames = table
      reusesPooledFrameTable = true
      start(from: template)
      return
    }
    frames = FrameTable(count: count)
    var pfn = 0
    while pfn < count {
      var order = Self.maxBuddyOrder
      while order > 0 && (pfn & ((1 << order) - 1) != 0 || pfn + (1 << order) > count) { order -= 1 }
      pushFree(pfn, order: order)
      pfn += 1 << order
    }
    guard let zero = allocateFolio(order: 0, kind: .zero), let hugeZero = allocateFolio(order: 9, kind: .zero)
    else { preconditionFailure("cannot allocate the zero pages") }
    zeroPage = zero
    hugeZeroPage = hugeZero
    frames[zero.index].refCount = 1
    frames[hugeZero.index].refCount = 1
    if pooled {
      template = FrameTablePool.shared.template(ramFrames: count) ?? FrameTablePool.shared.remember(FrameTemplate(capturing: self))
      frames.markBaseline()
    }
  }

  /// Takes the allocator's state from `template`, whose descriptors the frame table holds.
  private func start(from template: FrameTemplate) {
    for order in 0...Self.maxBuddyOrder {
      freeListHead[order] = template.freeListHead[order]
      freeBlocks[order] = template.freeBlocks[order]
    }
    freeFrameCount = template.freeFrameCount
    statistics = template.statistics
    zeroPage = template.zeroPage
    hugeZeroPage = template.hugeZeroPage
    self.template = template
  }

  deinit {
    if let template {
      FrameTablePool.shared.give(frames, template: template)
    } else {
      frames.release()
    }
    freeListHead.release()
    freeBlocks.release()
    hasContents.release()
  }

  /// Bytes of physical memory.
  public var bytes: UInt64 { UInt64(ramFrameCount) << PageSize.shift4K }
}

// MARK: - Folio metadata

extension PhysicalMemory {
  /// Whether `pfn` names a frame of this memory.
  public func contains(_ pfn: PFN) -> Bool { pfn.rawValue < UInt64(frames.count) }

  /// The head of the folio that contains `pfn`.
  public func folioHead(of pfn: PFN) -> PFN { PFN(UInt64(frames[pfn.index].head)) }

  /// The order of the folio whose head is `head`.
  public func order(ofFolio head: PFN) -> Int { Int(frames[head.index].order) }

  /// What the folio containing `pfn` holds (`.free` for a free frame).
  @inline(__always)
  public func kind(of pfn: PFN) -> FolioKind {
    let kind = frames[pfn.index].kind
    if kind == .free && pfn.index >= ramFrameCount { return unusedDeviceFrameKind(pfn.index) }
    return kind
  }

  /// The kind of frame `index` above RAM whose descriptor is zero: its range's kind when its
  /// device memory never handed it out, else `.free` (a descriptor that was cleared).
  @inline(never)
  func unusedDeviceFrameKind(_ index: Int) -> FolioKind {
    for range in deviceFrameKinds where range.frames.contains(index) { return index >= range.firstUnused ? range.kind : .free }
    return .free
  }

  /// Device frames below `end` of the range that holds `start` are handed out from now on.
  func markDeviceFramesUsed(_ start: Int, upTo end: Int) {
    for i in deviceFrameKinds.indices where deviceFrameKinds[i].frames.contains(start) {
      deviceFrameKinds[i].firstUnused = max(deviceFrameKinds[i].firstUnused, end)
    }
  }

  /// The reference count of the folio whose head is `head`.
  public func referenceCount(ofFolio head: PFN) -> Int { Int(frames[head.index].refCount) }

  /// How many PTEs map the 4 KiB page `pfn`.
  public func pteMapCount(of pfn: PFN) -> Int { Int(frames[pfn.index].mapCount) }

  /// How many PMD or PUD entries map the whole folio whose head is `head`.
  public func entireMapCount(ofFolio head: PFN) -> Int {
    guard frames[head.index].order != 0, !entireMapCounts.isEmpty else { return 0 }
    return Int(entireMapCounts[UInt32(truncatingIfNeeded: head.rawValue)] ?? 0)
  }

  /// How many page-table entries map `pfn` in all: its own PTE mappings plus its folio's
  /// whole-folio mappings (Linux's `folio_mapcount` of that page, `page_mapcount`).
  public func mapCount(of pfn: PFN) -> Int {
    pteMapCount(of: pfn) + entireMapCount(ofFolio: folioHead(of: pfn))
  }

  /// Whether the frame is the shared zero page or part of the huge zero page.
  public func isZeroPage(_ pfn: PFN) -> Bool { frames[pfn.index].kind == .zero }

  /// Whether the anonymous page `pfn` is marked exclusive to one process (`PageAnonExclusive`).
  public func isAnonExclusive(_ pfn: PFN) -> Bool { frames[pfn.index].flags.contains(.anonExclusive) }

  /// Whether the folio whose head is `head` waits on the deferred-split queue.
  public func isOnDeferredSplitQueue(_ head: PFN) -> Bool { frames[head.index].flags.contains(.deferredSplit) }

  /// Whether the frame is allocated (part of a folio, a page table or reserved).
  public func isAllocated(_ pfn: PFN) -> Bool { kind(of: pfn) != .free }

  /// A value describing the folio that contains `pfn`.
  public func folio(containing pfn: PFN) -> FolioInfo {
    let head = folioHead(of: pfn)
    let descriptor = frames[head.index]
    return FolioInfo(
      head: head, order: Int(descriptor.order), kind: descriptor.kind,
      referenceCount: Int(descriptor.refCount), entireMapCount: entireMapCount(ofFolio: head),
      isOnDeferredSplitQueue: descriptor.flags.contains(.deferredSplit))
  }

  /// Pages of the folio whose head is `head` that at least one PTE or whole-folio entry maps.
  public func mappedPageCount(ofFolio head: PFN) -> Int {
    if entireMapCount(ofFolio: head) > 0 { return 1 << order(ofFolio: head) }
    var mapped = 0
    for i in 0..<(1 << order(ofFolio: head)) where frames[head.index + i].mapCount > 0 { mapped += 1 }
    return mapped
  }

  /// Whether some page of the folio whose head is `head` is mapped by a PTE and some is not
  /// (``mappedPageCount(ofFolio:)`` strictly between 0 and the folio's size when no whole-folio
  /// mapping exists), stopping at the first page that differs from the head.
  func hasMappedAndUnmappedPages(ofFolio head: PFN) -> Bool {
    let first = head.index
    let headMapped = frames[first].mapCount > 0
    for i in 1..<(1 << order(ofFolio: head)) where (frames[first + i].mapCount > 0) != headMapped { return true }
    return false
  }

  // Internal mutators used by the memory model.

  func addReference(_ head: PFN, _ count: Int32 = 1) {
    frames[head.index].refCount += count
  }

  func setAnonExclusive(_ pfn: PFN, _ exclusive: Bool) {
    if exclusive { frames[pfn.index].flags.insert(.anonExclusive) } else { frames[pfn.index].flags.remove(.anonExclusive) }
  }

  func addPTEMapping(_ pfn: PFN, _ delta: Int32) { frames[pfn.index].mapCount += delta }

  /// A PTE now maps `pfn`: counts the mapping and its folio's reference (nothing for a zero
  /// page) and returns the frame's kind (``addPTEMapping(_:_:)`` and ``addReference(_:_:)`` in
  /// one pass over the two descriptors).
  @inline(__always)
  func countPTEMapping(_ pfn: PFN) -> FolioKind {
    let kind = self.kind(of: pfn)
    guard kind != .zero else { return kind }
    let page = frames.mutableDescriptors(pfn.index, count: 1)
    page.pointee.mapCount += 1
    let head = Int(page.pointee.head)
    frames.mutableDescriptors(head, count: 1).pointee.refCount += 1
    return kind
  }

  func addEntireMapping(_ head: PFN, _ delta: Int32) {
    let key = UInt32(truncatingIfNeeded: head.rawValue)
    let value = (entireMapCounts[key] ?? 0) + delta
    entireMapCounts[key] = value == 0 ? nil : value
  }

  func setDeferredSplit(_ head: PFN, _ queued: Bool) {
    if queued { frames[head.index].flags.insert(.deferredSplit) } else { frames[head.index].flags.remove(.deferredSplit) }
  }

  func setPageCache(_ head: PFN, _ inCache: Bool) {
    if inCache { frames[head.index].flags.insert(.pageCache) } else { frames[head.index].flags.remove(.pageCache) }
  }

  func isInPageCache(_ head: PFN) -> Bool { frames[head.index].flags.contains(.pageCache) }

  func setLazyFree(_ pfn: PFN, _ lazy: Bool) {
    let was = frames[pfn.index].flags.contains(.lazyFree)
    if lazy {
      frames[pfn.index].flags.insert(.lazyFree)
      if !was { lazyFreeMarks += 1 }
    } else {
      frames[pfn.index].flags.remove(.lazyFree)
      if was { lazyFreeMarks -= 1 }
    }
  }

  @inline(__always)
  func isLazyFree(_ pfn: PFN) -> Bool { lazyFreeMarks > 0 && frames[pfn.index].flags.contains(.lazyFree) }

  /// Drops `count` references to a folio; returns true when the count reached zero (the caller
  /// then frees it, since only the caller knows where a hugetlb folio goes back to).
  @discardableResult
  func dropReference(_ head: PFN, _ count: Int32 = 1) -> Bool {
    frames[head.index].refCount -= count
    precondition(frames[head.index].refCount >= 0, "folio \(head) reference count went negative")
    return frames[head.index].refCount == 0
  }
}

/// A description of one folio at one moment.
public struct FolioInfo: Hashable, Sendable {
  /// The head PFN, which names the folio.
  public var head: PFN
  /// The folio's order (0 for a 4 KiB folio, 9 for a PMD-sized THP, 18 for a 1 GiB hugetlb page).
  public var order: Int
  /// What the folio holds.
  public var kind: FolioKind
  /// The folio's reference count.
  public var referenceCount: Int
  /// How many PMD/PUD entries map the whole folio.
  public var entireMapCount: Int
  /// Whether it waits on the deferred-split queue.
  public var isOnDeferredSplitQueue: Bool
  /// The number of 4 KiB pages.
  public var pageCount: Int { 1 << order }
}
