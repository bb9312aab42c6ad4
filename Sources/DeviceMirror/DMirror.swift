import HMM
import MemoryModel

/// The `dmirror` test device of `lib/test_hmm.c` (`/dev/hmm_dmirrorN`): the device memory kind
/// and the owner token that `dev_private_owner` compares with. Each ``DMirror`` is one open file
/// of it.
public final class DMirrorDevice: DevicePagemapOps {
  /// `HMM_DMIRROR_MEMORY_DEVICE_PRIVATE` (1) or `_COHERENT` (2).
  public enum MemoryType: Int, Sendable {
    /// Device-private memory (`/dev/hmm_dmirror0`, `1`).
    case devicePrivate = 1
    /// Device-coherent memory (`/dev/hmm_dmirror2`, `3`).
    case deviceCoherent = 2
  }

  /// The device number (0–3).
  public let number: Int
  /// Its memory type.
  public let memoryType: MemoryType
  /// The owner token (`pagemap.owner = mdevice`).
  public let ownerID: Int
  /// The device's memory (one chunk of `DEVMEM_CHUNK_SIZE`, 256 MiB, by default).
  public let deviceMemory: DeviceMemory?
  /// The machine.
  public let system: MemorySystem?
  /// Bytes and pages migrated each way.
  public internal(set) var migrationCounters = MigrationCounters()
  /// The open files, in opening order. Not weak references: a weakly referenced object gets a
  /// side table, and every retain and release of it then takes the runtime's slow path (one per
  /// invalidation delivered to the file). A ``DMirror`` removes itself from this list in its
  /// `deinit`, so every element is alive, as the weak references' non-nil elements were.
  var files: [OpenFile] = []

  /// One element of ``files``.
  struct OpenFile {
    /// The file (alive: see ``files``).
    unowned(unsafe) let mirror: DMirror
    /// The file's identity, for its `deinit` to find it without loading `mirror`.
    let identity: ObjectIdentifier

    init(mirror: DMirror) {
      self.mirror = mirror
      self.identity = ObjectIdentifier(mirror)
    }
  }

  /// Creates device `number` without device memory (devices 0 and 1 are private, 2 and 3
  /// coherent, as the module makes them).
  public init(number: Int, ownerID: Int) {
    self.number = number
    self.memoryType = number < 2 ? .devicePrivate : .deviceCoherent
    self.ownerID = ownerID
    self.deviceMemory = nil
    self.system = nil
  }

  /// Creates device `number` with `memoryBytes` of device memory in `system`
  /// (`dmirror_allocate_chunk` at module load).
  public init(number: Int, ownerID: Int, system: MemorySystem, memoryBytes: UInt64 = 256 << 20) {
    self.number = number
    self.memoryType = number < 2 ? .devicePrivate : .deviceCoherent
    self.ownerID = ownerID
    self.system = system
    let pages = Int(memoryBytes >> 12) / 512 * 512
    self.deviceMemory = system.addDeviceMemory(owner: ownerID, kind: number < 2 ? .devicePrivate : .deviceCoherent, pages: max(pages, 512))
    self.deviceMemory?.ops = self
  }

  /// `hmm_dmirror<N>`.
  public var name: String { "hmm_dmirror\(number)" }

  /// The open files of this device.
  public var openFiles: [DMirror] { files.map(\.mirror) }
}

/// Pages and bytes a device moved.
public struct MigrationCounters: Sendable, Equatable {
  /// Pages moved to device memory.
  public var pagesToDevice = 0
  /// Pages moved back to system memory.
  public var pagesToSystem = 0
  /// Bytes moved to device memory.
  public var bytesToDevice: UInt64 { UInt64(pagesToDevice) * 4096 }
  /// Bytes moved back to system memory.
  public var bytesToSystem: UInt64 { UInt64(pagesToSystem) * 4096 }
}

/// `struct hmm_dmirror_cmd` after an ioctl.
public struct DMirrorCommandResult: Hashable, Sendable {
  /// 0, or the negative error number the ioctl returned.
  public var returnCode: Int32
  /// `cpages` (left unchanged — zero here — when the ioctl failed, as the driver does not copy back).
  public var cpages: UInt64
  /// `faults`.
  public var faults: UInt64
  /// Pages copied to the caller's `ptr` (READ, MIGRATE and EXCLUSIVE data), kept as patterns
  /// where they are patterns.
  public var pages: [PageData]
  /// Bytes copied to the caller's `ptr` by SNAPSHOT (one per page).
  public var bytes: [UInt8]

  /// A result with bytes (SNAPSHOT) or nothing copied out.
  public init(returnCode: Int32, cpages: UInt64, faults: UInt64, data: [UInt8]) {
    self.returnCode = returnCode
    self.cpages = cpages
    self.faults = faults
    self.pages = []
    self.bytes = data
  }

  /// A result with pages copied out.
  public init(returnCode: Int32, cpages: UInt64, faults: UInt64, pages: [PageData]) {
    self.returnCode = returnCode
    self.cpages = cpages
    self.faults = faults
    self.pages = pages
    self.bytes = []
  }

  /// Everything copied to the caller's `ptr`, as bytes (expands ``pages``: for tests and small
  /// ranges).
  public var data: [UInt8] {
    guard !pages.isEmpty else { return bytes }
    var result: [UInt8] = []
    result.reserveCapacity(pages.count * 4096)
    for page in pages { page.append(0, 4096, to: &result) }
    return result
  }

  /// The error, if the ioctl failed.
  public var errno: Errno? { returnCode == 0 ? nil : Errno(rawValue: -returnCode) }
}

/// `HMM_DMIRROR_PROT_*`: the snapshot byte per page.
public enum DMirrorProt {
  /// `HMM_DMIRROR_PROT_ERROR`.
  public static let error: UInt8 = 0xFF
  /// `HMM_DMIRROR_PROT_NONE`.
  public static let none: UInt8 = 0x00
  /// `HMM_DMIRROR_PROT_READ`.
  public static let read: UInt8 = 0x01
  /// `HMM_DMIRROR_PROT_WRITE`.
  public static let write: UInt8 = 0x02
  /// `HMM_DMIRROR_PROT_PMD`: the page is mapped by a PMD with these permissions.
  public static let pmd: UInt8 = 0x04
  /// `HMM_DMIRROR_PROT_PUD`.
  public static let pud: UInt8 = 0x08
  /// `HMM_DMIRROR_PROT_ZERO`: the zero page.
  public static let zero: UInt8 = 0x10
  /// `HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL`.
  public static let devicePrivateLocal: UInt8 = 0x20
  /// `HMM_DMIRROR_PROT_DEV_PRIVATE_REMOTE`.
  public static let devicePrivateRemote: UInt8 = 0x30
  /// `HMM_DMIRROR_PROT_DEV_COHERENT_LOCAL`.
  public static let deviceCoherentLocal: UInt8 = 0x40
  /// `HMM_DMIRROR_PROT_DEV_COHERENT_REMOTE`.
  public static let deviceCoherentRemote: UInt8 = 0x50
}

/// One open file of a dmirror device (`struct dmirror`): a device page table of 4 KiB entries
/// (the xarray, tagged read/write/atomic), an interval notifier over the opener's whole address
/// space, and the READ, WRITE and SNAPSHOT ioctls with test_hmm's exact semantics and counters.
public final class DMirror: MirroringDevice, IntervalNotifierOps {
  /// A page-table entry's tag (`DPT_XA_TAG_*`).
  public enum Tag: Sendable, Hashable {
    /// Untagged: read-only.
    case read
    /// `DPT_XA_TAG_WRITE`.
    case write
    /// `DPT_XA_TAG_ATOMIC`: exclusive access for device atomics.
    case atomic
  }

  /// The device this file opened.
  public let device: DMirrorDevice
  /// The address space of the process that opened it.
  public let space: AddressSpace
  /// `dmirror->pt`: virtual page number → (frame, tag). Unchecked (it is read and written in
  /// every invalidation): every access is a single subscript, `count`, `keys`, `contains`,
  /// `removeAll` or a copy for a `for` loop, none of which runs code that touches it again.
  @exclusivity(unchecked) public internal(set) var pageTable: [UInt64: (pfn: PFN, tag: Tag)] = [:]
  /// `dmirror->flags` (`HMM_DMIRROR_FLAG_FAIL_ALLOC` is bit 0).
  public var flags: UInt64 = 0
  /// Attempts of `dmirror_range_fault`'s loop before `-EBUSY` (the driver's 1000 ms timeout).
  public var retryBudget = 64
  /// Pages per `hmm_range_fault()` call in the fault and snapshot paths (`pfns[32]`).
  public static let chunkPages = 32
  /// The driver loop `dmirror_range_fault` runs (`HMM.DriverLoopVariant.correct` unless a
  /// known-wrong one is chosen for demonstration).
  public var driverLoopVariant = DriverLoopVariant.correct
  /// Hears every interleaving point of this file's driver loops (nil: none; see
  /// `HMM.DriverLoop`).
  public var scheduler: ((DriverLoopPoint) -> Void)?
  let notifier: IntervalNotifier
  /// The notifier's callbacks, which reach this file while it lives (cleared in `deinit`).
  private let forwarder: Forwarder

  /// `open("/dev/hmm_dmirrorN")` by the process of `space`: inserts a notifier over
  /// `[0, ULONG_MAX & PAGE_MASK)`.
  /// - Throws: `-EINVAL` when the process has exited.
  public init(device: DMirrorDevice, space: AddressSpace) throws(HMMError) {
    self.device = device
    self.space = space
    let forwarder = Forwarder()
    self.forwarder = forwarder
    self.notifier = try IntervalNotifier.insert(into: space, start: VirtualAddress(0), length: UInt64.max & ~4095, ops: forwarder)
    forwarder.target = self
    device.files.append(DMirrorDevice.OpenFile(mirror: self))
  }

  /// The file is gone: its notifier (still in the tree unless closed) only moves the sequence
  /// from now on, and the device forgets it — what weak references to it gave before.
  deinit {
    forwarder.target = nil
    let identity = ObjectIdentifier(self)
    device.files.removeAll { $0.identity == identity }
  }

  /// `close()`: removes the notifier.
  public func close() {
    notifier.remove()
    pageTable.removeAll()
  }

  /// The device's name.
  public var name: String { device.name }
  /// The mirrored address space, while the process lives.
  public var mirroredSpace: AddressSpace? { space.hasExited ? nil : space }
  /// The entries as 4 KiB device mappings.
  public var deviceMappings: [DeviceMapping] {
    pageTable.keys.sorted().map { key in
      let entry = pageTable[key]!
      return DeviceMapping(start: VirtualAddress(key << 12), size: .size4K, pfn: entry.pfn, isWritable: entry.tag != .read)
    }
  }
  /// The 4 KiB entries in `[start, end)`, looked up page by page for small ranges.
  public func deviceMappings(overlapping start: VirtualAddress, _ end: VirtualAddress) -> [DeviceMapping] {
    let first = start.rawValue >> 12
    let last = (end.rawValue &- 1) >> 12
    var result: [DeviceMapping] = []
    if last &- first < UInt64(pageTable.count) {
      var key = first
      while key <= last {
        if let entry = pageTable[key] {
          result.append(DeviceMapping(start: VirtualAddress(key << 12), size: .size4K, pfn: entry.pfn, isWritable: entry.tag != .read))
        }
        key += 1
      }
    } else {
      for (key, entry) in pageTable where key >= first && key <= last {
        result.append(DeviceMapping(start: VirtualAddress(key << 12), size: .size4K, pfn: entry.pfn, isWritable: entry.tag != .read))
      }
    }
    return result
  }

  /// dmirror has no TLB.
  public var cachedTranslations: [(start: VirtualAddress, size: DevicePageSize)] { [] }

  /// `dmirror_interval_invalidate`: ignore migrations this device started; otherwise set the
  /// sequence and erase every entry of `[start >> 12, end >> 12]`.
  public func invalidate(_ notifier: IntervalNotifier, range: InvalidationRange, currentSequence: UInt64) -> Bool {
    if range.event == .migrate && range.owner == device.ownerID { return true }
    if driverLoopVariant.setsSequence { notifier.setSequence(currentSequence) }
    let first = range.start.rawValue >> 12
    let last = range.end.rawValue >> 12  // xa_for_each_range is inclusive of `end >> PAGE_SHIFT`
    if UInt64(pageTable.count) < last &- first {
      for key in pageTable.keys where key >= first && key <= last { pageTable[key] = nil }
    } else {
      var key = first
      while key <= last {
        pageTable[key] = nil
        key += 1
      }
    }
    return true
  }

  // MARK: - ioctls

  /// The common prologue: `addr` page aligned, `npages` non-zero and not wrapping.
  func validate(_ address: VirtualAddress, _ pages: UInt64) -> Int32? {
    guard address.isAligned(to: 4096) else { return -Errno.EINVAL.rawValue }
    let (bytes, overflow1) = pages.multipliedReportingOverflow(by: 4096)
    let (_, overflow2) = address.rawValue.addingReportingOverflow(bytes)
    guard pages > 0, !overflow1, !overflow2 else { return -Errno.EINVAL.rawValue }
    return nil
  }

  /// `HMM_DMIRROR_READ`: copies `pages` pages at `address` through the device into the result's
  /// data, faulting missing entries in (one `faults` per `dmirror_fault` call).
  public func read(_ address: VirtualAddress, pages: UInt64) -> DMirrorCommandResult {
    if let error = validate(address, pages) { return DMirrorCommandResult(returnCode: error, cpages: 0, faults: 0, data: []) }
    let end = address + pages * 4096
    var bounce: [PageData] = []
    var faults: UInt64 = 0
    var start = address
    var returnCode: Int32 = 0
    while true {
      let missing = copyIn(start, end, into: &bounce)
      guard let missing else { break }
      start = missing
      returnCode = fault(start, end, write: false)
      if returnCode != 0 { break }
      faults += 1
    }
    guard returnCode == 0 else { return DMirrorCommandResult(returnCode: returnCode, cpages: 0, faults: 0, data: []) }
    return DMirrorCommandResult(returnCode: 0, cpages: UInt64(bounce.count), faults: faults, pages: bounce)
  }

  /// `dmirror_do_read`: appends pages from `start` until one has no entry; returns it.
  func copyIn(_ start: VirtualAddress, _ end: VirtualAddress, into bounce: inout [PageData]) -> VirtualAddress? {
    var address = start
    while address < end {
      guard let entry = pageTable[address.rawValue >> 12] else { return address }
      bounce.append(space.system.memory.page(entry.pfn))
      address = address + 4096
    }
    return nil
  }

  /// `HMM_DMIRROR_WRITE`: copies `data` (`pages` pages) through the device to `address`; every
  /// entry must be writable, else the device faults for write.
  public func write(_ address: VirtualAddress, pages: UInt64, data: [UInt8]) -> DMirrorCommandResult {
    if let error = validate(address, pages) { return DMirrorCommandResult(returnCode: error, cpages: 0, faults: 0, data: []) }
    precondition(UInt64(data.count) == pages * 4096, "WRITE copies exactly npages pages")
    let pageData = stride(from: 0, to: data.count, by: 4096).map { PageData.bytes(Array(data[$0..<($0 + 4096)])) }
    return write(address, pages: pages, pageData: pageData)
  }

  /// `HMM_DMIRROR_WRITE` of whole pages kept as `MemoryModel.PageData`.
  /// - Precondition: `pageData` holds `pages` pages.
  public func write(_ address: VirtualAddress, pages: UInt64, pageData data: [PageData]) -> DMirrorCommandResult {
    if let error = validate(address, pages) { return DMirrorCommandResult(returnCode: error, cpages: 0, faults: 0, data: []) }
    precondition(UInt64(data.count) == pages, "WRITE copies exactly npages pages")
    let end = address + pages * 4096
    var faults: UInt64 = 0
    var start = address
    var copied: UInt64 = 0
    while true {
      var missing: VirtualAddress?
      var cursor = start
      while cursor < end {
        guard let entry = pageTable[cursor.rawValue >> 12], entry.tag == .write else {
          missing = cursor
          break
        }
        space.system.memory.setPage(entry.pfn, data[Int((cursor - address) >> 12)])
        copied += 1
        cursor = cursor + 4096
      }
      guard let missing else { break }
      start = missing
      let returnCode = fault(start, end, write: true)
      if returnCode != 0 { return DMirrorCommandResult(returnCode: returnCode, cpages: 0, faults: 0, data: []) }
      faults += 1
    }
    return DMirrorCommandResult(returnCode: 0, cpages: copied, faults: faults, data: [])
  }

  /// `dmirror_fault`: `hmm_range_fault()` in chunks of ``chunkPages`` with the driver loop, then
  /// stores the pages (`dmirror_do_fault`). Returns 0 or a negative error number. A process that
  /// has exited gives `-EINVAL`, the error the driver's other ioctls return when
  /// `mmget_not_zero()` fails (test_hmm.c's `dmirror_fault` returns 0 there, which makes READ and
  /// WRITE retry forever; the model stops instead — docs/architecture.md).
  func fault(_ start: VirtualAddress, _ end: VirtualAddress, write: Bool) -> Int32 {
    guard !space.hasExited else { return -Errno.EINVAL.rawValue }
    var address = start
    while address < end {
      let chunkEnd = min(address + UInt64(Self.chunkPages) * 4096, end)
      var range = HMMRange(notifier: notifier, notifierSequence: 0, start: address, end: chunkEnd,
                           defaultFlags: write ? [.requestFault, .requestWrite] : .requestFault, devicePrivateOwner: device.ownerID)
      do {
        try HMM.faultAndCommit(&range, retryBudget: retryBudget, variant: driverLoopVariant, scheduler: scheduler) {
          (range: inout HMMRange) throws(HMMError) in
          var page = range.start
          for entry in range.pfns {
            guard entry.isValid, !entry.isError else { throw .fault(page) }
            if entry.isWritable {
              pageTable[page.rawValue >> 12] = (entry.pfn, .write)
            } else if write {
              throw .fault(page)  // WARN_ON(range->default_flags & HMM_PFN_WRITE)
            } else {
              pageTable[page.rawValue >> 12] = (entry.pfn, .read)
            }
            page = page + 4096
          }
        }
      } catch {
        return error.returnCode
      }
      address = chunkEnd
    }
    return 0
  }

  /// `HMM_DMIRROR_SNAPSHOT`: one `HMM_DMIRROR_PROT_*` byte per page from `hmm_range_fault()`
  /// without faulting, in chunks with a temporary notifier each.
  public func snapshot(_ address: VirtualAddress, pages: UInt64) -> DMirrorCommandResult {
    if let error = validate(address, pages) { return DMirrorCommandResult(returnCode: error, cpages: 0, faults: 0, data: []) }
    guard !space.hasExited else { return DMirrorCommandResult(returnCode: -Errno.EINVAL.rawValue, cpages: 0, faults: 0, data: []) }
    let end = address + pages * 4096
    var bytes: [UInt8] = []
    var cursor = address
    while cursor < end {
      if space.vmaIndex(containing: cursor) == nil {
        // A hole: hmm_range_fault() without REQ_FAULT reports every page of it as none, and a
        // chunk of it can change nothing; fill it at once instead of a chunk at a time.
        let vmas = space.vmas
        var low = 0
        var high = vmas.count
        while low < high {
          let mid = (low + high) / 2
          if vmas[mid].end <= cursor { low = mid + 1 } else { high = mid }
        }
        let next = low < vmas.count ? max(vmas[low].start, cursor) : end
        let holeEnd = min(next, end)
        bytes.append(contentsOf: repeatElement(DMirrorProt.none, count: Int((holeEnd - cursor) >> 12)))
        cursor = holeEnd
        continue
      }
      let chunkEnd = min(cursor + UInt64(Self.chunkPages) * 4096, end)
      let ops = SnapshotOps()
      let temporary: IntervalNotifier
      do {
        temporary = try IntervalNotifier.insert(into: space, start: cursor, length: chunkEnd - cursor, ops: ops)
      } catch {
        return DMirrorCommandResult(returnCode: error.returnCode, cpages: 0, faults: 0, data: [])
      }
      defer { temporary.remove() }
      var range = HMMRange(notifier: temporary, notifierSequence: 0, start: cursor, end: chunkEnd, devicePrivateOwner: device.ownerID)
      do {
        try HMM.faultAndCommit(&range, retryBudget: retryBudget) { (range: inout HMMRange) throws(HMMError) in
          for entry in range.pfns { bytes.append(protection(of: entry)) }
        }
      } catch {
        return DMirrorCommandResult(returnCode: error.returnCode, cpages: 0, faults: 0, data: [])
      }
      cursor = chunkEnd
    }
    return DMirrorCommandResult(returnCode: 0, cpages: pages, faults: 0, data: bytes)
  }

  /// `dmirror_mkentry`: the snapshot byte of one output entry.
  public func protection(of entry: HMMPFN) -> UInt8 {
    if entry.isError { return DMirrorProt.error }
    guard entry.isValid else { return DMirrorProt.none }
    var byte: UInt8 = 0
    let memory = space.system.memory
    if let owner = space.system.devicePrivateOwner(of: entry.pfn) {
      byte = owner == device.ownerID ? DMirrorProt.devicePrivateLocal : DMirrorProt.devicePrivateRemote
    } else if let region = space.system.deviceMemory(containing: entry.pfn), region.kind == .deviceCoherent {
      byte = region.owner == device.ownerID ? DMirrorProt.deviceCoherentLocal : DMirrorProt.deviceCoherentRemote
    } else if memory.contains(entry.pfn) && entry.pfn == memory.zeroPage {
      byte = DMirrorProt.zero
    }
    byte |= entry.isWritable ? DMirrorProt.write : DMirrorProt.read
    if entry.mapOrder + 12 == 21 {
      byte |= DMirrorProt.pmd
    } else if entry.mapOrder + 12 == 30 {
      byte |= DMirrorProt.pud
    }
    return byte
  }

  /// `HMM_DMIRROR_FLAGS`: sets the flags word.
  public func setFlags(_ flags: UInt64) -> DMirrorCommandResult {
    self.flags = flags
    return DMirrorCommandResult(returnCode: 0, cpages: 0, faults: 0, data: [])
  }
}

/// The snapshot's temporary notifier only moves the sequence.
private final class SnapshotOps: IntervalNotifierOps {
  func invalidate(_ notifier: IntervalNotifier, range: InvalidationRange, currentSequence: UInt64) -> Bool {
    notifier.setSequence(currentSequence)
    return true
  }
}

/// Lets `DMirror` hand itself to the notifier after initialisation (the notifier keeps its ops
/// strongly; the forwarder does not keep the mirror, so closing frees it). Not a weak
/// reference (that would give the mirror a side table and every retain of it the runtime's slow
/// path): the mirror sets `target` to nil in its `deinit`, so a non-nil target is alive.
private final class Forwarder: IntervalNotifierOps {
  unowned(unsafe) var target: DMirror?
  func invalidate(_ notifier: IntervalNotifier, range: InvalidationRange, currentSequence: UInt64) -> Bool {
    guard let target else {
      notifier.setSequence(currentSequence)
      return true
    }
    return target.invalidate(notifier, range: range, currentSequence: currentSequence)
  }
}
