/// A device's memory (`struct dev_pagemap` with its pages): frames outside system RAM, of kind
/// device-private or device-coherent, with a simple allocator of 4 KiB pages and 2 MiB folios
/// (free lists, as test_hmm keeps) that can fail. Pages return here when their last reference
/// goes.
public final class DeviceMemory {
  /// The owner token (`pgmap->owner`) that `dev_private_owner` and `pgmap_owner` compare with.
  public let owner: Int
  /// Private or coherent.
  public let kind: FolioKind
  /// The frames.
  public let pfns: Range<UInt64>
  /// What the owning driver does when the CPU touches one of its device-private pages.
  public weak var ops: (any DevicePagemapOps)?
  /// Free 2 MiB chunks given back, used last-in first-out before any chunk not handed out yet.
  @exclusivity(unchecked) var freeHuge: [UInt64] = []
  @exclusivity(unchecked) var freeSmall: [UInt64] = []
  /// The first chunk never handed out: chunks from here on are free, and their descriptors are
  /// still the zeros ``PhysicalMemory`` appended (handed out in ascending order, as test_hmm's
  /// free list gives them).
  @exclusivity(unchecked) var nextUnused: UInt64
  /// When set, the next allocation fails once (test_hmm's `HMM_DMIRROR_FLAG_FAIL_ALLOC`).
  /// Unchecked exclusivity (it is read on every device allocation): a plain flag, read and
  /// written whole, never passed `inout` or held across a call.
  @exclusivity(unchecked) public var failNextAllocation = false
  /// Whether the memory was removed (`RELEASE`); nothing can be allocated any more. Unchecked
  /// as ``failNextAllocation`` is.
  @exclusivity(unchecked) public internal(set) var isRemoved = false

  init(owner: Int, kind: FolioKind, pfns: Range<UInt64>) {
    self.owner = owner
    self.kind = kind
    self.pfns = pfns
    nextUnused = pfns.lowerBound
  }

  /// Free frames.
  public var freePageCount: Int { (freeHuge.count + Int((pfns.upperBound - nextUnused) / 512)) * 512 + freeSmall.count }
  /// The frames handed out at some time (the others are free and were never used).
  public var usedPFNs: Range<UInt64> { pfns.lowerBound..<nextUnused }
  /// Frames in all.
  public var pageCount: Int { pfns.count }
}

/// The driver side of device-private memory (`struct dev_pagemap_ops`).
public protocol DevicePagemapOps: AnyObject {
  /// `migrate_to_ram`: the CPU faulted on a device-private entry at `address` in `space`; move
  /// the page (or its folio) back to system memory. Return false if it could not be done
  /// (the fault then fails with `SIGBUS`).
  func migrateToRAM(_ space: AddressSpace, address: VirtualAddress, pfn: PFN) -> Bool
}

extension MemorySystem {
  /// Adds `pages` frames of device memory of `kind` (device-private or device-coherent) owned by
  /// `owner` (`memremap_pages`). The frames get PFNs above system RAM, 2 MiB aligned.
  /// - Precondition: `kind` is a device kind and `pages` a positive multiple of 512.
  @discardableResult
  public func addDeviceMemory(owner: Int, kind: FolioKind, pages: Int, ops: (any DevicePagemapOps)? = nil) -> DeviceMemory {
    precondition(kind.isDevice && pages > 0 && pages % 512 == 0, "device memory comes in 2 MiB chunks")
    let range = memory.appendDeviceFrames(pages, kind: kind)
    let region = DeviceMemory(owner: owner, kind: kind, pfns: range)
    region.ops = ops
    deviceMemories.append(region)
    if kind == .devicePrivate { registerDevicePagemap(DevicePagemap(pfns: range, owner: owner)) }
    return region
  }

  /// The device memory that holds `pfn`.
  public func deviceMemory(containing pfn: PFN) -> DeviceMemory? {
    deviceMemories.first { $0.pfns.contains(pfn.rawValue) }
  }

  /// Allocates a device folio of order 0 or 9 from `region`; nil when none is free, when the
  /// region was removed, or when a one-shot failure was requested.
  public func allocateDeviceFolio(_ region: DeviceMemory, order: Int) -> PFN? {
    precondition(order == 0 || order == 9, "device folios are 4 KiB or 2 MiB")
    guard !region.isRemoved else { return nil }
    if region.failNextAllocation {
      region.failNextAllocation = false
      return nil
    }
    let head: UInt64
    if order == 9 {
      guard let chunk = takeDeviceChunk(region, whole: true) else { return nil }
      head = chunk
    } else {
      if region.freeSmall.isEmpty, let chunk = takeDeviceChunk(region, whole: false) {
        region.freeSmall = Array((chunk..<(chunk + 512)).reversed())
      }
      guard let page = region.freeSmall.popLast() else { return nil }
      head = page
    }
    memory.formFolio(head: Int(head), order: order, kind: region.kind)
    memory.clearFolioContents(PFN(head))
    return PFN(head)
  }

  /// A free 2 MiB chunk of `region` (one given back first), nil when none is left. A chunk
  /// handed out for the first time gets its free device frames' descriptors, unless the caller
  /// makes it one folio (`whole`), which writes them all.
  private func takeDeviceChunk(_ region: DeviceMemory, whole: Bool) -> UInt64? {
    if let chunk = region.freeHuge.popLast() { return chunk }
    guard region.nextUnused < region.pfns.upperBound else { return nil }
    let chunk = region.nextUnused
    region.nextUnused += 512
    memory.markDeviceFramesUsed(Int(chunk), upTo: Int(chunk) + 512)
    if !whole {
      for pfn in Int(chunk)..<Int(chunk + 512) { memory.frames[pfn] = FrameDescriptor(kind: region.kind) }
    }
    return chunk
  }

  /// Returns a device folio to its region.
  func releaseDeviceFolio(_ head: PFN) {
    guard let region = deviceMemory(containing: head) else { preconditionFailure("\(head) is not device memory") }
    let order = memory.order(ofFolio: head)
    memory.clearFolioContents(head)
    memory.entireMapCounts[UInt32(truncatingIfNeeded: head.rawValue)] = nil
    for i in 0..<(1 << order) {
      memory.frames[head.index + i] = FrameDescriptor(kind: region.kind)
    }
    if order == 9 {
      region.freeHuge.append(head.rawValue)
    } else {
      region.freeSmall.append(head.rawValue)
    }
  }

  /// Marks `region` removed (`memunmap_pages` after the driver evicted everything): nothing more
  /// can be allocated from it.
  public func removeDeviceMemory(_ region: DeviceMemory) {
    region.isRemoved = true
  }
}

extension PhysicalMemory {
  /// Appends device frames after RAM (2 MiB aligned) and returns their PFNs. Their descriptors
  /// stay zero (``FrameTable/appendUnused(count:)``) until the device memory hands them out;
  /// ``kind(of:)`` gives them `kind` meanwhile.
  func appendDeviceFrames(_ pages: Int, kind: FolioKind) -> Range<UInt64> {
    let start = (frames.count + 511) & ~511
    // Padding frames between RAM and the device range are reserved.
    if start > frames.count { frames.append(FrameDescriptor(kind: kind), count: start - frames.count) }
    frames.appendUnused(count: pages)
    deviceFrameKinds.append((start..<(start + pages), kind, start))
    return UInt64(start)..<UInt64(start + pages)
  }

  /// Whether `pfn` is device memory.
  public func isDeviceMemory(_ pfn: PFN) -> Bool { contains(pfn) && kind(of: pfn).isDevice }
}
