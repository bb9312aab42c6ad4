/// The buddy allocator: free lists per order threaded through the free blocks' own descriptors
/// (as Linux threads them through `page->lru`), allocation by splitting, freeing by merging.
extension PhysicalMemory {
  func pushFree(_ pfn: Int, order: Int) {
    let block = frames.mutableDescriptors(pfn, count: 1)
    block.pointee.flags = .buddy
    block.pointee.order = UInt8(order)
    block.pointee.kind = .free
    let next = freeListHead[order]
    block.pointee.refCount = Int32(truncatingIfNeeded: next)  // next
    block.pointee.mapCount = -1  // prev
    if next >= 0 { frames[Int(next)].mapCount = Int32(pfn) }
    freeListHead[order] = Int64(pfn)
    freeBlocks[order] += 1
    freeFrameCount += 1 << order
  }

  func removeFree(_ pfn: Int, order: Int) {
    let next = Int(frames[pfn].refCount)
    let prev = Int(frames[pfn].mapCount)
    if prev >= 0 { frames[prev].refCount = Int32(next) } else { freeListHead[order] = Int64(next) }
    if next >= 0 { frames[next].mapCount = Int32(prev) }
    let block = frames.mutableDescriptors(pfn, count: 1)
    block.pointee.flags = []
    block.pointee.refCount = 0
    block.pointee.mapCount = 0
    freeBlocks[order] -= 1
    freeFrameCount -= 1 << order
  }

  private func isFreeBlock(_ pfn: Int, order: Int) -> Bool {
    pfn < frames.count && frames[pfn].flags.contains(.buddy) && Int(frames[pfn].order) == order
  }

  /// Takes a free block of exactly `order` frames, splitting a larger one if needed.
  private func takeBlock(order: Int) -> Int? {
    var k = order
    while k <= Self.maxBuddyOrder && freeListHead[k] < 0 { k += 1 }
    guard k <= Self.maxBuddyOrder else { return nil }
    let pfn = Int(freeListHead[k])
    removeFree(pfn, order: k)
    while k > order {
      k -= 1
      pushFree(pfn + (1 << k), order: k)
    }
    return pfn
  }

  /// Allocates a folio of `1 << order` frames (orders up to ``maxBuddyOrder`` from the buddy
  /// allocator, order 18 as a gigantic page). Returns nil when no block is free, as
  /// `folio_alloc()` does; the reference count starts at zero and callers take references.
  public func allocateFolio(order: Int, kind: FolioKind) -> PFN? {
    precondition(kind != .free, "a folio must have a kind")
    let pfn: Int?
    if order <= Self.maxBuddyOrder { pfn = takeBlock(order: order) } else { pfn = takeGigantic(order: order) }
    guard let pfn else {
      statistics.failures[order] += 1
      return nil
    }
    statistics.allocations[order] += 1
    formFolio(head: pfn, order: order, kind: kind)
    return PFN(UInt64(pfn))
  }

  func formFolio(head: Int, order: Int, kind: FolioKind) {
    let head32 = UInt32(head)
    let folio = frames.mutableDescriptors(head, count: 1 << order)
    folio[0] = FrameDescriptor(refCount: 0, mapCount: 0, head: head32, order: UInt8(order), kind: kind, flags: .head)
    guard order > 0 else { return }
    // The tails are one 16-byte pattern: stored as its two words (field by field, a tail is
    // five stores).
    var tail = FrameDescriptor(refCount: 0, mapCount: 0, head: head32, order: 0, kind: kind, flags: .tail)
    let (low, high) = withUnsafeBytes(of: &tail) { ($0.load(as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self)) }
    let words = UnsafeMutableRawPointer(folio + 1).assumingMemoryBound(to: UInt64.self)
    for i in 0..<((1 << order) - 1) {
      words[2 * i] = low
      words[2 * i + 1] = high
    }
  }

  /// Returns a folio's frames to the buddy allocator, merging buddies.
  /// - Precondition: the folio is mapped by no page table and holds no references.
  public func freeFolio(_ head: PFN) {
    let start = head.index
    let order = Int(frames[start].order)
    precondition(frames[start].flags.contains(.head), "freeing \(head), which is not a folio head")
    precondition(entireMapCount(ofFolio: head) == 0, "freeing folio \(head) while it is mapped")
    statistics.frees[order] += 1
    if !contents.isEmpty && hasContents.containsAny(start..<(start + (1 << order))) {
      for i in start..<(start + (1 << order)) where hasContents.contains(i) {
        contents[UInt32(i)] = nil
        hasContents.remove(i)
      }
    }
    if order > 0 { entireMapCounts[UInt32(start)] = nil }
    let folio = frames.mutableDescriptors(start, count: 1 << order)
    for i in 0..<(1 << order) {
      precondition(folio[i].mapCount == 0, "freeing frame \(start + i) while PTEs map it")
      if folio[i].flags.contains(.lazyFree) { lazyFreeMarks -= 1 }
      folio[i] = FrameDescriptor()
    }
    if order > Self.maxBuddyOrder {
      var pfn = start
      while pfn < start + (1 << order) {
        releaseBlock(pfn, order: Self.maxBuddyOrder)
        pfn += 1 << Self.maxBuddyOrder
      }
    } else {
      releaseBlock(start, order: order)
    }
  }

  private func releaseBlock(_ start: Int, order: Int) {
    var pfn = start
    var k = order
    while k < Self.maxBuddyOrder {
      let buddy = pfn ^ (1 << k)
      guard isFreeBlock(buddy, order: k) else { break }
      removeFree(buddy, order: k)
      pfn = min(pfn, buddy)
      k += 1
    }
    pushFree(pfn, order: k)
  }

  /// Allocates a naturally aligned run of `1 << order` frames larger than the buddy allocator's
  /// largest block, as `alloc_contig_pages()` does for gigantic hugetlb pages: the first aligned
  /// range made only of free maximal blocks.
  private func takeGigantic(order: Int) -> Int? {
    let size = 1 << order
    let step = 1 << Self.maxBuddyOrder
    var base = 0
    while base + size <= frames.count {
      var pfn = base
      while pfn < base + size && isFreeBlock(pfn, order: Self.maxBuddyOrder) { pfn += step }
      if pfn == base + size {
        pfn = base
        while pfn < base + size {
          removeFree(pfn, order: Self.maxBuddyOrder)
          pfn += step
        }
        return base
      }
      base += size
    }
    return nil
  }

  /// Takes the free frame `pfn` out of the allocator (splitting the block that holds it), as a
  /// reserved frame. Returns false if the frame is not free.
  @discardableResult
  func reserveFrame(_ pfn: Int) -> Bool {
    var order = 0
    var blockStart = pfn
    while order <= Self.maxBuddyOrder {
      blockStart = pfn & ~((1 << order) - 1)
      if isFreeBlock(blockStart, order: order) { break }
      order += 1
    }
    guard order <= Self.maxBuddyOrder else { return false }
    removeFree(blockStart, order: order)
    var start = blockStart
    while order > 0 {
      order -= 1
      let half = 1 << order
      if pfn < start + half {
        pushFree(start + half, order: order)
      } else {
        pushFree(start, order: order)
        start += half
      }
    }
    formFolio(head: pfn, order: 0, kind: .reserved)
    frames[pfn].refCount = 1
    return true
  }

  /// Fragments physical memory the way long-running systems are: in `percent` of the 2 MiB
  /// regions one free frame in the middle is taken away, so that no order-9 block can be formed
  /// there. Regions are chosen by a fixed spread (deterministic, no seed needed). Each call sets
  /// the level anew: frames taken by an earlier call for regions no longer chosen are given back
  /// (`fragment(percent: 0)` undoes every earlier call).
  /// - Returns: the number of frames held afterwards.
  @discardableResult
  public func fragment(percent: Int) -> Int {
    let percent = max(0, min(100, percent))
    let regions = ramFrameCount >> 9
    for (region, pfn) in fragmentFrames.sorted(by: { $0.key < $1.key }) where (region &* 37) % 100 >= percent {
      freeFolio(PFN(UInt64(pfn)))
      fragmentFrames[region] = nil
    }
    for region in 0..<regions where (region &* 37) % 100 < percent && fragmentFrames[region] == nil {
      let pfn = (region << 9) + 256
      if reserveFrame(pfn) { fragmentFrames[region] = pfn }
    }
    return fragmentFrames.count
  }

  /// The number of free blocks of exactly `order` in the buddy allocator (as `/proc/buddyinfo`).
  public func freeBlockCount(order: Int) -> Int { freeBlocks[order] }
}
