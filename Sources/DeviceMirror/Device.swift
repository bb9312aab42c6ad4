import HMM
import MemoryModel

/// A configurable device that mirrors one process's address space through HMM into its own page
/// table, with a ladder of page sizes, a mapping policy and a TLB: the SVM part of a GPU or
/// accelerator driver (drm_gpusvm, nouveau, amdkfd) as a model.
///
/// An access looks in the TLB, then walks the device page table; when no translation allows it,
/// the device faults: it takes the fault window around the address (aligned, clipped to the
/// VMA), runs the driver loop of `hmm_range_fault()` over it and lets the policy choose the
/// device mappings. Invalidations remove every device mapping that overlaps the range — a large
/// mapping only partly inside is removed whole, and refaults later — and shoot the TLB down.
///
/// The stored properties the fault path reads on every fault are `@exclusivity(unchecked)`: each
/// is a plain value (or a closure, or a counter struct) that is only read, assigned whole, or
/// changed by a one-statement `+=`; none is ever passed `inout` or held in an access across a
/// call, so no two accesses to one of them can overlap.
public final class Device: MirroringDevice, IntervalNotifierOps, DevicePagemapOps {
  /// Where a device fault puts the data.
  public enum Placement: String, Sendable, CaseIterable {
    /// Keep it in system memory; the device maps system pages.
    case system
    /// Migrate it to device memory on the device's first touch (private anonymous memory only).
    case migrate
  }

  /// The device's name.
  public let name: String
  /// The owner token the device passes as `dev_private_owner`.
  public let ownerID: Int
  /// The page sizes its MMU can map.
  public let pageSizes: DevicePageSizes
  /// How it chooses mappings.
  public var policy: any MappingPolicy {
    didSet { policyChanged() }
  }
  /// The policy as ``DriverFaultRules``, if it is one (found once per policy, not per fault).
  @exclusivity(unchecked) var rules: (any DriverFaultRules)?
  /// Which built-in policy the policy is, if it is one (its mappings go to ``mappingBuffer``).
  @exclusivity(unchecked) var builtInPolicy: BuiltInPolicy?
  /// Whether a fault that needs no CPU fault takes the short path (tests turn it off to compare
  /// it with the whole path).
  @exclusivity(unchecked) var allowsFaultShortcut = true
  /// The mappings of the last fault, kept for the next one (no array per fault).
  @exclusivity(unchecked) var mappingBuffer: [DeviceMapping] = []
  /// Whether the policy is ``PTEBatchPolicy``.
  @exclusivity(unchecked) var policyIsPTEBatch = false
  /// The bytes a device fault asks HMM for (a power of two).
  public let faultWindow: UInt64
  /// Attempts of the driver loop before a fault fails with `-EBUSY`.
  @exclusivity(unchecked) public var retryBudget = 16
  /// The driver loop the fault path runs (`HMM.DriverLoopVariant.correct` unless a
  /// known-wrong one is chosen for demonstration).
  @exclusivity(unchecked) public var driverLoopVariant = DriverLoopVariant.correct
  /// Hears every interleaving point of the fault path's driver loop (nil: none).
  @exclusivity(unchecked) public var scheduler: ((DriverLoopPoint) -> Void)?
  /// The device page table.
  public let pageTable = DevicePageTable()
  /// The TLB.
  @exclusivity(unchecked) public internal(set) var tlb: DeviceTLB
  /// Counters.
  @exclusivity(unchecked) public internal(set) var counters = DeviceCounters()
  /// Where device faults put data.
  @exclusivity(unchecked) public var placement: Placement
  /// The order its `hmm_range_fault()` calls ask for on PTE-mapped pages (`hmm-order=`; the
  /// `pte-batch` policy always asks for `HMM.HMMOrderHint.pteBatch`).
  @exclusivity(unchecked) public var hmmOrderHint = HMMOrderHint.mapOrder
  /// Device-private memory (created when mirroring starts, if `deviceMemoryBytes` > 0).
  @exclusivity(unchecked) public private(set) var deviceMemory: DeviceMemory?
  /// What ``deviceMemory`` calls back (it holds its ops weakly; see ``DevicePagemapForwarder``).
  private var pagemapForwarder: DevicePagemapForwarder?
  /// Bytes of device memory to create.
  public let deviceMemoryBytes: UInt64
  /// Pages migrated each way.
  @exclusivity(unchecked) public internal(set) var migration = MigrationCounters()
  /// The mirrored address space.
  @exclusivity(unchecked) public private(set) var mirroredSpace: AddressSpace?
  @exclusivity(unchecked) var notifier: IntervalNotifier?
  /// The output buffer of the last fault's `hmm_range_fault()`, kept for the next one (no
  /// allocation per fault).
  @exclusivity(unchecked) var pfnBuffer: [HMMPFN] = []
  /// The walk ahead of a run of one-page faults (Device+RunFault.swift), kept for the next run.
  @exclusivity(unchecked) var runPFNs: [HMMPFN] = []
  /// Whether the last fault committed its window's first walk directly (no CPU fault): the
  /// pages after it are then walked ahead (Device+RunFault.swift).
  @exclusivity(unchecked) var faultCommittedDirectly = false
  /// Whether runs of one-page faults may take the walk ahead (tests turn it off to compare).
  @exclusivity(unchecked) var allowsRunFaults = true

  /// Creates a device.
  /// - Parameters:
  ///   - name: the device's name (in reports and oracle violations).
  ///   - ownerID: the owner token it passes as `dev_private_owner`.
  ///   - pageSizes: the page sizes its MMU can map.
  ///   - policy: how it turns `hmm_range_fault()` results into mappings.
  ///   - faultWindow: bytes faulted per device fault; nil for the largest page size up to 2M.
  ///   - tlbGeometry: TLB arrays per size; nil for ``DeviceTLB/defaultGeometry(for:)``.
  ///   - placement: where device faults put the data.
  ///   - deviceMemoryBytes: device-private memory to create when mirroring starts (at least
  ///     2 MiB for any; rounded down to whole 2 MiB).
  /// - Precondition: `faultWindow` is a power of two of at least 4 KiB.
  public init(name: String, ownerID: Int, pageSizes: DevicePageSizes, policy: any MappingPolicy,
              faultWindow: UInt64? = nil, tlbGeometry: [DevicePageSize: DeviceTLB.Geometry]? = nil,
              placement: Placement = .system, deviceMemoryBytes: UInt64 = 0) {
    let window = faultWindow ?? pageSizes.largest(atMostOrder: 9).bytes
    precondition(window >= 4096 && window & (window - 1) == 0, "the fault window must be a power of two")
    self.name = name
    self.ownerID = ownerID
    self.pageSizes = pageSizes
    self.policy = policy
    self.faultWindow = window
    self.tlb = tlbGeometry.map { DeviceTLB(geometry: $0) } ?? DeviceTLB(defaultFor: pageSizes)
    self.placement = placement
    self.deviceMemoryBytes = deviceMemoryBytes
    policyChanged()
  }

  /// Caches what the fault and invalidation paths ask of the policy.
  private func policyChanged() {
    builtInPolicy = BuiltInPolicy(policy)
    // The built-in policies have no driver rules: no cast to the protocol (a conformance
    // lookup) for them.
    rules = builtInPolicy == nil ? policy as? any DriverFaultRules : nil
    policyIsPTEBatch = policy is PTEBatchPolicy
  }

  /// Starts mirroring `space`: one interval notifier over its whole user address space.
  /// - Throws: `-EINVAL` when the process has exited; `-EBUSY`-free otherwise.
  public func mirror(_ space: AddressSpace) throws(HMMError) {
    stopMirroring()
    notifier = try IntervalNotifier.insert(into: space, start: VirtualAddress(0), length: VirtualAddress.userSpaceEnd.rawValue, ops: self)
    mirroredSpace = space
    if deviceMemory == nil && deviceMemoryBytes >= 2 << 20 {
      let forwarder = DevicePagemapForwarder(self)
      pagemapForwarder = forwarder
      deviceMemory = space.system.addDeviceMemory(owner: ownerID, kind: .devicePrivate,
                                                  pages: Int(deviceMemoryBytes >> 12) / 512 * 512, ops: forwarder)
    }
  }

  /// Stops mirroring: removes the notifier and every mapping.
  public func stopMirroring() {
    notifier?.remove()
    notifier = nil
    mirroredSpace = nil
    pageTable.clear()
    tlb.invalidate(VirtualAddress(0), VirtualAddress(UInt64.max))
  }

  /// Every device mapping.
  public var deviceMappings: [DeviceMapping] { pageTable.mappings }
  /// Every TLB entry.
  public var cachedTranslations: [(start: VirtualAddress, size: DevicePageSize)] { tlb.entries }

  /// One device access: TLB, then page-table walk, then a device fault.
  /// - Returns: the frame reached.
  /// - Throws: the `HMMError` of a fault that could not be resolved (`-EFAULT`, `-EPERM`,
  ///   `-EBUSY`).
  @discardableResult
  public func access(_ address: VirtualAddress, write: Bool) throws(HMMError) -> PFN {
    counters.accesses += 1
    if let hit = tlb.lookup(address), !write || hit.writable {
      counters.tlbHits += 1
      return hit.pfn
    }
    return try translateMissed(address, write: write)
  }

  /// The rest of an access whose TLB lookup gave nothing usable: count the miss, walk the
  /// device page table, and fault (replaying the access) when the walk finds no translation.
  func translateMissed(_ address: VirtualAddress, write: Bool) throws(HMMError) -> PFN {
    counters.tlbMisses += 1
    if let pfn = walk(address, write: write) { return pfn }
    return try faultAndReplay(address, write: write)
  }

  /// The rest of a missed access whose walk found no translation: fault, then walk again.
  func faultAndReplay(_ address: VirtualAddress, write: Bool) throws(HMMError) -> PFN {
    // The device replays the faulting access after the fault is handled; an invalidation that
    // landed after the fault programmed the table (possible only when a scheduler runs CPU
    // commands between the driver loop's steps) makes it fault again.
    for _ in 0..<max(1, retryBudget) {
      let invalidations = counters.invalidations
      try handleFault(at: address, write: write)
      if let pfn = walk(address, write: write) { return pfn }
      guard counters.invalidations != invalidations else { break }
    }
    throw .fault(address)
  }

  /// Walks the device page table and fills the TLB on success.
  @inline(__always)
  func walk(_ address: VirtualAddress, write: Bool) -> PFN? {
    guard let mapping = pageTable.lookup(address) else {
      counters.walkSteps += 4
      return nil
    }
    counters.walkSteps += Self.walkLevels(mapping.size)
    guard !write || mapping.isWritable else { return nil }
    tlb.fill(mapping)
    return mapping.pfn(for: address)
  }

  /// Levels a walk visits to reach a leaf of `size` (a 4-level device table, as GPUs have).
  static func walkLevels(_ size: DevicePageSize) -> Int {
    switch size {
    case .size4K, .size64K: 4
    case .size2M: 3
    case .size1G: 2
    }
  }

  /// A device fault at `address`: HMM over the fault window, then the policy's mappings.
  public func handleFault(at address: VirtualAddress, write: Bool) throws(HMMError) {
    if try faultWithoutCPUFault(at: address, write: write) { return }
    counters.faults += 1
    guard let space = mirroredSpace, let notifier, let vma = space.vma(containing: address) else {
      throw .fault(address)
    }
    var start = max(address.alignedDown(to: faultWindow), vma.start)
    var end = min(address.alignedDown(to: faultWindow) + faultWindow, vma.end)
    let rules = self.rules
    if let rules { (start, end) = try rules.faultRange(at: address, vma: vma, window: (start, end)) }
    counters.faultWindows += 1
    if placement == .migrate, let region = deviceMemory, vma.isAnonymous, !vma.isShared {
      if write && vma.protection.contains(.write) { try breakCOWForWrite(space, start, end) }
      migrateToDevice(space, start, end, region, writable: vma.protection.contains(.write))
    }
    if allowsWindowWalk {
      let flags: HMMPFN = write ? [.requestFault, .requestWrite] : .requestFault
      if let walk = HMM.walkWindow(space, vma, start, end, defaultFlags: flags, owner: ownerID, into: &pfnBuffer) {
        try finishFault(after: walk, space, notifier, start, end, flags: flags)
        return
      }
    }
    var range = HMMRange(notifier: notifier, notifierSequence: 0, start: start, end: end,
                         defaultFlags: write ? [.requestFault, .requestWrite] : .requestFault, devicePrivateOwner: ownerID,
                         reusing: &pfnBuffer)
    range.orderHint = policyIsPTEBatch ? .pteBatch : hmmOrderHint
    let memory = space.system.memory
    let result: HMM.DriverLoopResult
    do {
      result = try HMM.faultAndCommit(&range, retryBudget: retryBudget, variant: driverLoopVariant, scheduler: scheduler) {
        (range: inout HMMRange) throws(HMMError) in
        commitMappings(range.pfns, start: range.start, memory: memory)
      }
    } catch {
      counters.hmmCalls += 1
      throw error
    }
    countDriverLoop(result)
    try rules?.validate(range.pfns, start: range.start)
    swap(&pfnBuffer, &range.pfns)
  }

  /// Moves `[start, end)` to device memory before mapping it (first-touch placement).
  private func migrateToDevice(_ space: AddressSpace, _ start: VirtualAddress, _ end: VirtualAddress, _ region: DeviceMemory,
                               writable: Bool) {
    guard var m = try? space.migrateVMASetup(start: start, end: end, select: [.system, .compound], pgmapOwner: ownerID) else { return }
    // The migration's own invalidation is ignored (owner match): drop the old translations here.
    unmapForMigration(start, end)
    DeviceMigration.allocateOnDevice(&m, region: region, system: space.system, failLarge: false, vmaWritable: writable)
    space.migrateVMAPages(&m)
    for i in 0..<m.pageCount where m.src[i].isMigrating && m.dst[i].isValid {
      migration.pagesToDevice += m.dst[i].isCompound ? 512 : 1
    }
    space.migrateVMAFinalize(&m)
  }

  /// Drops the device's mappings of `[start, end)` (whole) and shoots down the TLB over what they
  /// covered (the range itself when there were none).
  private func unmapForMigration(_ start: VirtualAddress, _ end: VirtualAddress) {
    let extent = unmapCounted(start, end)
    tlb.invalidate(extent?.low ?? start, extent?.high ?? end)
  }

  /// Drops the device's mappings that overlap `[start, end)` (whole), counting them by size in
  /// ``DeviceCounters/mappingsRemoved``; returns the range they covered, nil when there were none.
  private func unmapCounted(_ start: VirtualAddress, _ end: VirtualAddress) -> (low: VirtualAddress, high: VirtualAddress)? {
    // Nothing mapped there (most invalidations a device hears): what the unmap would find, with
    // no call and no closure context for it.
    if pageTable.isOutsideMappedBounds(start, end) { return nil }
    var extent: (low: VirtualAddress, high: VirtualAddress)?
    pageTable.unmap(start, end) { mapping in
      counters.removed[mapping.size] += 1
      extent = (min(extent?.low ?? mapping.start, mapping.start), max(extent?.high ?? mapping.end, mapping.end))
    }
    return extent
  }

  /// `migrate_to_ram`: the CPU touched one of this device's pages; move it back and drop the
  /// device's translations of it.
  public func migrateToRAM(_ space: AddressSpace, address: VirtualAddress, pfn: PFN) -> Bool {
    DeviceMigration.migrateToRAM(space, address: address, owner: ownerID, failLarge: false) { start, pages in
      let end = start + UInt64(pages) * 4096
      unmapForMigration(start, end)
      migration.pagesToSystem += pages
    }
  }

  /// Reads `count` bytes at `address` through the device (faulting as needed).
  public func read(_ address: VirtualAddress, count: Int) throws(HMMError) -> [UInt8] {
    guard let memory = mirroredSpace?.system.memory else { throw .fault(address) }
    var result: [UInt8] = []
    guard count > 0 else { return result }
    result.reserveCapacity(count)
    let total = UInt64(count)
    try accessPages(from: address, pages: Self.pagesTouched(address, total), write: false) { _, pfn, n in
      for i in 0..<n {
        let offset = result.isEmpty ? Int(address.rawValue & 4095) : 0
        let chunk = min(count &- result.count, 4096 &- offset)
        memory.read(pfn + UInt64(i), offset: offset, count: chunk, into: &result)
      }
      return n
    }
    return result
  }

  /// Writes `bytes` at `address` through the device (faulting as needed).
  public func write(_ address: VirtualAddress, bytes: [UInt8]) throws(HMMError) {
    guard let memory = mirroredSpace?.system.memory else { throw .fault(address) }
    guard !bytes.isEmpty else { return }
    var index = 0
    try accessPages(from: address, pages: Self.pagesTouched(address, UInt64(bytes.count)), write: true) { _, pfn, n in
      for i in 0..<n {
        let offset = index == 0 ? Int(address.rawValue & 4095) : 0
        let chunk = min(bytes.count &- index, 4096 &- offset)
        memory.write(pfn + UInt64(i), offset: offset, bytes: bytes[index..<(index + chunk)])
        index += chunk
      }
      return n
    }
  }

  /// Touches every page of `[address, address + length)` (no data), in order.
  public func touch(_ address: VirtualAddress, _ length: UInt64, write: Bool) throws(HMMError) {
    let first = address.alignedDown(to: 4096)
    guard address + length > first else { return }
    try accessPages(from: first, pages: Int((address + length - first + 4095) >> 12), write: write) { _, _, n in n }
  }

  /// The interval notifier callback: unmap every overlapping device mapping (whole), shoot the
  /// TLB down, and store the sequence.
  public func invalidate(_ notifier: IntervalNotifier, range: InvalidationRange, currentSequence: UInt64) -> Bool {
    let range = rules?.widened(range) ?? range
    counters.invalidations += 1
    if range.event == .migrate && range.owner == ownerID { return true }
    if driverLoopVariant.setsSequence { notifier.setSequence(currentSequence) }
    let extent = unmapCounted(range.start, range.end)
    tlb.invalidate(min(range.start, extent?.low ?? range.start), max(range.end, extent?.high ?? range.end))
    if range.event == .release { mirroredSpace = nil }
    return true
  }
}

extension Device {
  /// Adds a driver loop's `hmm_range_fault` calls, entries filled and retries to the counters.
  func countDriverLoop(_ result: HMM.DriverLoopResult) {
    counters.hmmCalls += result.calls
    counters.entriesWalked += result.entriesFilled
    counters.busyRetries += result.busyRetries + result.sequenceRetries
  }
}
