import MemoryModel

/// Checks invariants 1 and 2 (docs/invariants.md) for a set of devices:
/// 1. the device never sees more than the CPU — every device-mapped 4 KiB page is mapped by the
///    CPU to the same frame, and writable on the CPU if it is writable on the device;
/// 2. no stale mapping survives an invalidation — when an invalidation of `[a, b)` ends, no
///    device maps or caches any page of `[a, b)`.
/// Register it on an address space (after the devices) to check invariant 2 on every
/// invalidation; call ``check()`` after every step for invariant 1.
public final class SafetyOracle: MMUNotifier {
  /// A broken invariant.
  public struct Violation: Hashable, Sendable, CustomStringConvertible {
    /// 1 or 2.
    public var invariant: Int
    /// The device.
    public var device: String
    /// The virtual address.
    public var address: VirtualAddress
    /// The device mapping involved.
    public var deviceMapping: String
    /// What the CPU has there.
    public var cpuState: String
    /// A readable sentence.
    public var description: String {
      "invariant \(invariant) violated on \(device) at \(address): device maps \(deviceMapping), CPU has \(cpuState)"
    }
  }

  // The oracle's stored properties skip the dynamic exclusivity checks: it is used from one
  // thread, and no access to them is held across a call that could reach the oracle again (the
  // closures handed to a device's table and TLB only append a violation; the page-table
  // lookups of `check()` run no notifier).

  /// The devices watched.
  @exclusivity(unchecked) public private(set) var devices: [any MirroringDevice] = []
  /// `devices[i]` as a ``Device`` when it is one (nil otherwise), unretained: the invalidation
  /// receiver, which runs inside every COW fault, and ``check()`` read it without a dynamic cast
  /// or a retain/release per device; safe because `devices` keeps every watched device alive
  /// and never drops one.
  @exclusivity(unchecked) private var builtIn: ContiguousArray<Unmanaged<Device>?> = []
  /// Violations of invariant 2 found during invalidations.
  @exclusivity(unchecked) public private(set) var invalidationViolations: [Violation] = []
  /// Per watched device (by index in ``devices``; nil for one that is not a ``Device``), the
  /// mirrored space and the CPU and device page-table generations of its last clean check:
  /// invariant 1 depends on those two tables alone, so while neither changed the device is not
  /// checked again. Indexed like ``devices`` (which never drops one): no hashing per check.
  @exclusivity(unchecked) private var clean: [(space: ObjectIdentifier, cpu: UInt64, device: UInt64)?] = []

  /// Per watched device (by index, as ``clean``), the CPU table of the space in its ``clean``
  /// state as a clean check saw it (then or earlier: a tracker recorded earlier names a superset
  /// of the regions changed since): only the device mappings in the 2 MiB regions the CPU table
  /// changed since, and where the device table mapped since (its change record), are checked
  /// again. Nil: none recorded in that space (the next check with mappings checks them all).
  @exclusivity(unchecked) private var trackers: [PageTable.RegionTracker?] = []
  /// Ranges found changed, as (start, end) (scratch).
  @exclusivity(unchecked) private var regions: [(start: UInt64, end: UInt64)] = []

  /// Invariant 1 for the device mappings in the ranges changed since the device's last clean
  /// check at device-table generation `since`: the regions `space`'s table changed and the
  /// ranges the device table mapped since (elsewhere the CPU table and every device mapping, so
  /// the verdict, are as then). True when they all hold; false when the ranges cannot be told or one does not hold (the caller
  /// checks every mapping, which reports the violations in their order).
  private func checkChangedRegions(_ device: Device, _ space: AddressSpace, _ key: Int, since: UInt64) -> Bool {
    guard trackers[key] != nil else { return false }
    regions.removeAll(keepingCapacity: true)
    guard device.pageTable.forEachChangedRange(since: since, { regions.append(($0.rawValue, $1.rawValue)) }) else { return false }
    // Taken out of the array while it is brought up to date (one owner of its copies: no
    // copy-on-write of them), and put back when the changes could be told.
    var taken: PageTable.RegionTracker?
    swap(&taken, &trackers[key])
    guard var tracker = taken else { return false }
    taken = nil  // the one reference to its copies now: changed in place, not copied on write
    let told = space.pageTable.forEachChangedRegion(&tracker) { start, bytes in
      let (end, overflow) = start.rawValue.addingReportingOverflow(bytes)
      regions.append((start.rawValue, overflow ? UInt64.max : end))
    }
    guard told else { return false }
    trackers[key] = tracker
    regions.sort { $0.start < $1.start }
    var cursor = PageTable.LookupCursor()
    var index = 0
    while index < regions.count {
      // Overlapping or touching ranges visited as one (a mapping visited once).
      let start = regions[index].start
      var end = regions[index].end
      index += 1
      while index < regions.count && regions[index].start <= end {
        end = max(end, regions[index].end)
        index += 1
      }
      // Block by block: a small block's slots against the CPU entries of the same pages, one CPU
      // lookup per PTE table for all of them (only whether all hold matters here); a 2 MiB
      // mapping as one run.
      var holds = true
      let visited = device.pageTable.forEachSpan(overlapping: VirtualAddress(start), VirtualAddress(end)) { span in
        switch span {
        case .slots(let first, let slots, let count):
          holds = cpuCovers(slots: slots, count: count, from: first, space: space, cursor: &cursor)
        case .mapping(let mapping):
          holds = cpuCovers((mapping.start.rawValue, mapping.end.rawValue, mapping.pfn.rawValue, mapping.isWritable), space: space, cursor: &cursor)
        }
        return holds
      }
      if !holds { return false }
      if visited { continue }
      // With 1 GiB mappings: mappings that continue one another (the next page, the next frame,
      // the same permission) checked as one run: one CPU lookup per PTE table for the run, not
      // one per mapping. The table hands over such runs of its slots
      // (DevicePageTable.forEachRun), which are joined further across blocks here.
      var run: (start: UInt64, end: UInt64, pfn: UInt64, writable: Bool)?
      device.pageTable.forEachRun(overlapping: VirtualAddress(start), VirtualAddress(end)) { runStart, runEnd, pfn, writable in
        if let last = run, runStart == last.end, writable == last.writable, pfn == last.pfn &+ ((last.end - last.start) >> 12) {
          run = (last.start, runEnd, last.pfn, last.writable)
          return true
        }
        if let last = run, !cpuCovers(last, space: space, cursor: &cursor) {
          holds = false
          return false
        }
        run = (runStart, runEnd, pfn, writable)
        return true
      }
      if holds, let last = run { holds = cpuCovers(last, space: space, cursor: &cursor) }
      if !holds { return false }
    }
    return true
  }

  /// Whether invariant 1 holds for a run of device mappings: `[run.start, run.end)` mapping
  /// frames from `run.pfn` on, `run.writable` for all; page by page what
  /// ``checkCPUCovers(_:device:space:cursor:into:)`` checks for each mapping of the run (a huge
  /// CPU leaf checked at the run's first page in it: both map linearly, so the rest follows, as
  /// it does for each mapping there).
  private func cpuCovers(_ run: (start: UInt64, end: UInt64, pfn: UInt64, writable: Bool), space: AddressSpace,
                         cursor: inout PageTable.LookupCursor) -> Bool {
    var holds = true
    let writable = run.writable
    space.pageTable.forEachLookup(VirtualAddress(run.start), VirtualAddress(run.end), cursor: &cursor) { entries, level, first in
      var address = first.rawValue
      let span = level.entrySpan
      for entry in entries {
        let offset = (address & (span - 1)) >> 12
        let expected = run.pfn &+ ((address - run.start) >> 12)
        if entry.isHardwarePresent && !entry.isSwap {
          if (entry.pfn + offset).rawValue != expected || (writable && !entry.isWritable) {
            holds = false
            return false
          }
        } else if let type = entry.swapType, type == .devicePrivate || type == .deviceExclusive,
          (entry.pfn + offset).rawValue == expected, !writable || entry.isWritable
        {
          // Device memory and device-exclusive pages, as checkCPUCovers takes them.
        } else {
          holds = false
          return false
        }
        address += 1 << 12
      }
      return true
    }
    return holds
  }

  /// Whether invariant 1 holds for the mappings that fill `count` slots of a small block from
  /// address `from` (empty slots skipped): page by page what ``cpuCovers(_:space:cursor:)``
  /// checks for the runs those slots make (under a huge CPU leaf each page at its offset in it,
  /// which is what the run's first page there implies for the rest).
  private func cpuCovers(slots: UnsafeMutablePointer<DevicePageTable.Slot>, count: Int, from: UInt64, space: AddressSpace,
                         cursor: inout PageTable.LookupCursor) -> Bool {
    var holds = true
    let end = from &+ UInt64(count) << 12
    space.pageTable.forEachLookup(VirtualAddress(from), VirtualAddress(end), cursor: &cursor) { entries, level, first in
      let base = Int(truncatingIfNeeded: (first.rawValue &- from) >> 12)
      if level == .pte {
        for k in 0..<entries.count {
          let slot = slots[base &+ k]
          if slot.isEmpty { continue }
          if !Self.entryCovers(entries[k], offset: 0, pfn: slot.pfn, writable: slot.writable) {
            holds = false
            return false
          }
        }
        return true
      }
      // One entry for the rest of its span inside the slots.
      let span = level.entrySpan
      let spanEnd = min((first.rawValue & ~(span &- 1)) &+ span, end)
      let entry = entries[0]
      var address = first.rawValue
      var index = base
      while address < spanEnd {
        let slot = slots[index]
        if !slot.isEmpty && !Self.entryCovers(entry, offset: (address & (span &- 1)) >> 12, pfn: slot.pfn, writable: slot.writable) {
          holds = false
          return false
        }
        address &+= 4096
        index &+= 1
      }
      return true
    }
    return holds
  }

  /// Whether the CPU entry `entry`, at `offset` pages into what it maps, gives a device page of
  /// frame `pfn` (writable when `writable`) what invariant 1 asks: present with that frame
  /// (writable where the device writes), or a device-private or device-exclusive entry naming it.
  @inline(__always)
  private static func entryCovers(_ entry: PageTableEntry, offset: UInt64, pfn: UInt64, writable: Bool) -> Bool {
    if entry.isHardwarePresent && !entry.isSwap {
      return (entry.pfn + offset).rawValue == pfn && (!writable || entry.isWritable)
    }
    if let type = entry.swapType, type == .devicePrivate || type == .deviceExclusive {
      return (entry.pfn + offset).rawValue == pfn && (!writable || entry.isWritable)
    }
    return false
  }

  /// An oracle with no devices.
  public init() {}

  /// Watches `device`.
  public func watch(_ device: any MirroringDevice) {
    if !devices.contains(where: { $0 === device }) {
      devices.append(device)
      builtIn.append((device as? Device).map { Unmanaged.passUnretained($0) })
      clean.append(nil)
      trackers.append(nil)
    }
  }

  /// Invariant 1 for every watched device, plus the invariant-2 violations recorded so far
  /// (which are then forgotten).
  public func check() -> [Violation] {
    var violations = invalidationViolations
    invalidationViolations.removeAll()
    for index in devices.indices {
      if let unmanaged = builtIn[index] {
        // Not retained: `devices` holds every watched device for the oracle's lifetime.
        unmanaged._withUnsafeGuaranteedRef { checkBuiltIn($0, index, into: &violations) }
        continue
      }
      let device = devices[index]
      guard let space = device.mirroredSpace, !space.hasExited else { continue }
      var cursor = PageTable.LookupCursor()
      for mapping in device.deviceMappings { checkCPUCovers(mapping, device: device, space: space, cursor: &cursor, into: &violations) }
    }
    return violations
  }

  /// Invariant 1 for `devices[index]`, a built-in ``Device``: nothing when neither table changed
  /// since its last clean check, nothing but a new clean state when it maps nothing, the changed
  /// regions when they can be told and hold, else every mapping (which reports the violations).
  private func checkBuiltIn(_ device: Device, _ index: Int, into violations: inout [Violation]) {
    guard let space = device.mirroredSpace, !space.hasExited else { return }
    let state = (space: ObjectIdentifier(space), cpu: space.pageTable.changeGeneration, device: device.pageTable.generation)
    let last = clean[index]
    if let last, last == state { return }
    if device.pageTable.mappingCount == 0 {
      // No device mapping: invariant 1 holds whatever the CPU table holds, so there is nothing to
      // look at. The tracker is kept as it is when the space is the same (recorded at an earlier
      // clean check, it names every region changed since this one and more); for a first check
      // or another space it is recorded now, so that the mappings that come next are checked
      // where they and the CPU table changed (not all of them). The change record restarts:
      // every mapping after this check is in it.
      if last?.space != state.space || trackers[index] == nil { recordTracker(index, space) }
      clean[index] = state
      device.pageTable.restartChangeRecord()
      return
    }
    if let last, last.space == state.space, checkChangedRegions(device, space, index, since: last.device) {
      // The device mappings where either table changed are covered.
      clean[index] = state
      device.pageTable.restartChangeRecord()
      return
    }
    // Visit the page table in place: no array of every mapping after every step.
    let before = violations.count
    var cursor = PageTable.LookupCursor()
    device.pageTable.forEachMapping { checkCPUCovers($0, device: device, space: space, cursor: &cursor, into: &violations) }
    if violations.count == before {
      clean[index] = state
      recordTracker(index, space)
      device.pageTable.restartChangeRecord()
    } else {
      clean[index] = nil
      trackers[index] = nil
    }
  }

  /// Records `space`'s CPU table as the tracker of `devices[index]` (in the storage of the one it
  /// had, taken out of the array while it is filled: no copy-on-write of its copies).
  private func recordTracker(_ index: Int, _ space: AddressSpace) {
    var tracker: PageTable.RegionTracker?
    swap(&tracker, &trackers[index])
    var recorded = tracker ?? PageTable.RegionTracker()
    space.pageTable.record(&recorded)
    trackers[index] = recorded
  }

  /// Invariant 1 for one device mapping: the CPU maps every page of it to the same frame
  /// (writable where the device may write), or holds a device-private or device-exclusive entry
  /// naming it; the first page that breaks it is reported. One CPU lookup per PTE table or leaf
  /// (``PageTable/forEachLookup(_:_:cursor:_:)``: 4K mappings in a row share it), the PTEs of a table read in a row.
  private func checkCPUCovers(_ mapping: DeviceMapping, device: any MirroringDevice, space: AddressSpace,
                              cursor: inout PageTable.LookupCursor, into violations: inout [Violation]) {
    let writable = mapping.isWritable
    space.pageTable.forEachLookup(mapping.start, mapping.end, cursor: &cursor) { entries, level, first in
      var address = first
      let span = level.entrySpan
      for entry in entries {
        let offset = (address.rawValue & (span - 1)) >> 12
        let expected = mapping.pfn(for: address)
        if entry.isHardwarePresent && !entry.isSwap {
          let pfn = entry.pfn + offset
          if pfn != expected {
            violations.append(Violation(invariant: 1, device: device.name, address: address, deviceMapping: mapping.description,
                                        cpuState: "pfn=\(pfn) via \(level)"))
            return false
          }
          if writable && !entry.isWritable {
            violations.append(Violation(invariant: 1, device: device.name, address: address, deviceMapping: mapping.description,
                                        cpuState: "read-only \(level) mapping of pfn=\(pfn)"))
            return false
          }
        } else if let type = entry.swapType, type == .devicePrivate || type == .deviceExclusive,
          entry.pfn + offset == expected, !writable || entry.isWritable
        {
          // Device memory and device-exclusive pages: the CPU entry names the frame the device uses.
        } else {
          violations.append(Violation(invariant: 1, device: device.name, address: address, deviceMapping: mapping.description,
                                      cpuState: entry.isNone ? "no mapping" : "\(entry.swapType.map { "\($0) entry" } ?? "non-present entry") pfn=\(entry.pfn)"))
          return false
        }
        address = address + (1 << 12)
      }
      return true
    }
  }

  /// Nothing to check before the change.
  public func invalidateRangeStart(_ range: InvalidationRange, in space: AddressSpace) {}

  /// Invariant 2: after the invalidation, no device maps or caches a page of the range.
  public func invalidateRangeEnd(_ range: InvalidationRange, in space: AddressSpace) {
    if range.event == .migrate { return }  // an owner may keep its migrating pages
    for index in devices.indices {
      if let unmanaged = builtIn[index] {
        // Not retained: `devices` holds every watched device for the oracle's lifetime.
        unmanaged._withUnsafeGuaranteedRef { recordInvalidationViolations($0, range, space) }
        continue
      }
      let device = devices[index]
      guard device.mirroredSpace === space else { continue }
      for mapping in device.deviceMappings(overlapping: range.start, range.end) {
        invalidationViolations.append(Violation(invariant: 2, device: device.name, address: max(mapping.start, range.start),
                                                deviceMapping: mapping.description, cpuState: "invalidated by \(range)"))
      }
      for entry in device.cachedTranslations where entry.start < range.end && range.start < entry.start + entry.size.bytes {
        invalidationViolations.append(Violation(invariant: 2, device: device.name, address: max(entry.start, range.start),
                                                deviceMapping: "TLB entry \(entry.start) \(entry.size)", cpuState: "invalidated by \(range)"))
      }
    }
  }
}

extension SafetyOracle {
  /// Invariant 2 for a built-in ``Device`` after `range` was invalidated in `space`: every
  /// device mapping and TLB entry still overlapping it is a violation.
  @inline(__always)
  fileprivate func recordInvalidationViolations(_ device: Device, _ range: InvalidationRange, _ space: AddressSpace) {
    // Outside both bounds neither the table nor the TLB has anything there: no space to compare,
    // no visit (most invalidations, e.g. a COW fault's, are away from a device's mappings).
    if device.pageTable.isOutsideMappedBounds(range.start, range.end) && device.tlb.isOutsideFilledBounds(range.start, range.end) {
      return
    }
    guard device.mirroredSpace === space else { return }
    // In place: no arrays of the overlapping mappings and of every TLB entry.
    device.pageTable.forEachMapping(overlapping: range.start, range.end) { mapping in
      invalidationViolations.append(Violation(invariant: 2, device: device.name, address: max(mapping.start, range.start),
                                              deviceMapping: mapping.description, cpuState: "invalidated by \(range)"))
    }
    // Most invalidations find no entry: probe the range's sets first, list in slot order only then.
    guard device.tlb.hasEntry(overlapping: range.start, range.end) else { return }
    device.tlb.forEachEntry(overlapping: range.start, range.end) { start, size in
      invalidationViolations.append(Violation(invariant: 2, device: device.name, address: max(start, range.start),
                                              deviceMapping: "TLB entry \(start) \(size)", cpuState: "invalidated by \(range)"))
    }
  }
}
