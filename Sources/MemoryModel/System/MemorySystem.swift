/// The simulated machine's memory-management state, the model's kernel: physical memory,
/// settings, files and their page caches, hugetlb pools, the deferred-split queue, and every
/// process's address space.
///
/// Simplifications (stated once here): no real locking or concurrency (every operation runs to
/// completion), no real time (khugepaged and deferred split run only when asked), no swap
/// device and no reclaim.
public final class MemorySystem {
  /// Physical memory.
  public let memory: PhysicalMemory
  /// Tunables, as `/sys/kernel/mm/transparent_hugepage/*` and friends set them.
  @exclusivity(unchecked) public var settings: Settings
  /// Address spaces by PID, in creation order.
  public private(set) var addressSpaces: [AddressSpace] = []
  /// Files by ID.
  @exclusivity(unchecked) public internal(set) var files: [Int: File] = [:] {
    didSet { lastFileID = 0 }
  }
  /// The last ``file(id:)`` lookup (`lastFileID` 0 when none: file IDs start at 1), forgotten
  /// whenever ``files`` changes, so that the faults of a run over one file hash nothing.
  /// Unchecked exclusivity: only ``file(id:)`` and the observer of ``files`` touch them.
  @exclusivity(unchecked) private var lastFileID = 0
  @exclusivity(unchecked) private var lastFile: File?
  /// Free hugetlb pages per page size (head PFNs, used last-in first-out).
  var hugetlbFree: [PageSize: [PFN]] = [:]
  /// hugetlb pages per page size, free or in use.
  public internal(set) var hugetlbTotal: [PageSize: Int] = [:]
  /// Surplus hugetlb pages per page size (in use, beyond `nr_hugepages` after a shrink).
  var hugetlbSurplus: [PageSize: Int] = [:]
  /// Large anonymous folios waiting to be split (`deferred_split_folio()`), in queue order.
  @exclusivity(unchecked) public internal(set) var deferredSplitQueue: [PFN] = []
  /// References and pins GUP callers hold, by folio head (`MemorySystem+Pinning.swift`).
  @exclusivity(unchecked) var gupHolds: [UInt32: GUPHolds] = [:]
  /// Counters of events, as `/proc/vmstat` keeps them.
  @exclusivity(unchecked) public internal(set) var events = VMEvents()
  /// Per-size THP counters (`transparent_hugepage/hugepages-<size>kB/stats/`).
  @exclusivity(unchecked) public internal(set) var mthpStats = MTHPStats()
  /// Device memories, in the order they were added.
  @exclusivity(unchecked) public internal(set) var deviceMemories: [DeviceMemory] = []
  /// Registered device-private page ranges.
  /// Unchecked exclusivity (``devicePrivateOwner(of:)`` reads it on every device-private entry
  /// a walk meets): only ``registerDevicePagemap(_:)`` changes it, by one append that calls
  /// nothing while it holds the array.
  @exclusivity(unchecked) public internal(set) var devicePagemaps: [DevicePagemap] = []
  var nextPID = 1
  /// The invariant check's per-frame counters, kept between checks.
  @exclusivity(unchecked) var invariantScratch: InvariantScratch?
  var nextFileID = 1
  @exclusivity(unchecked) var nextAnonID = 1

  /// Creates a machine with `bytes` of physical memory and the given settings.
  public init(memoryBytes: UInt64 = .gib(4), settings: Settings = Settings()) {
    self.memory = PhysicalMemory(bytes: memoryBytes)
    self.settings = settings
  }

  /// Tunables of the memory model.
  public struct Settings: Sendable, Equatable {
    /// `/sys/kernel/mm/transparent_hugepage/enabled`.
    public var thp: THPMode = .madvise
    /// `/sys/kernel/mm/transparent_hugepage/use_zero_page`.
    public var useHugeZeroPage = true
    /// `fault_around_bytes` (debugfs): read faults on file mappings map up to this many bytes of
    /// already-cached neighbours (64 KiB by default; 4 KiB disables it).
    public var faultAroundBytes: UInt64 = 65536
    /// `/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none` (for `collapse` by
    /// khugepaged; `MADV_COLLAPSE` ignores it, as Linux does).
    public var maxPTEsNone = 511
    /// `/sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/enabled`, per order.
    public var mthp = MTHPSettings()
    /// Creates the default settings (THP in `madvise` mode).
    public init() {}
  }

  /// `transparent_hugepage/enabled`.
  public enum THPMode: String, Sendable, CaseIterable {
    /// THP for every eligible area.
    case always
    /// THP only for areas with `MADV_HUGEPAGE`.
    case madvise
    /// No THP faults.
    case never
  }

  /// Event counters (`/proc/vmstat` names in the comments).
  public struct VMEvents: Sendable, Equatable {
    /// `thp_fault_alloc`.
    public var thpFaultAlloc = 0
    /// `thp_fault_fallback`: a THP fault could not get a PMD-sized folio.
    public var thpFaultFallback = 0
    /// `thp_split_pmd`.
    public var thpSplitPMD = 0
    /// `thp_split_page`: folios split.
    public var thpSplitPage = 0
    /// `thp_split_page_failed`: splits refused because the folio had extra references (a GUP
    /// reference or pin: `can_split_folio()`).
    public var thpSplitPageFailed = 0
    /// `thp_deferred_split_page`: folios queued for deferred split.
    public var thpDeferredSplitPage = 0
    /// `thp_collapse_alloc`.
    public var thpCollapseAlloc = 0
    /// `thp_zero_page_alloc` uses: huge zero page mapped.
    public var thpZeroPageMapped = 0
    /// COW copies made on write faults.
    public var cowCopies = 0
    /// Page faults handled.
    public var pageFaults = 0
  }

  /// The address space with `pid`, if it is alive.
  public func addressSpace(pid: Int) -> AddressSpace? { addressSpaces.first { $0.pid == pid } }

  /// Creates a new process with an empty address space.
  /// - Throws: `ENOMEM` when no frame is free for its page global directory.
  public func createProcess(name: String) throws(SyscallError) -> AddressSpace {
    let space = try AddressSpace(system: self, pid: nextPID, name: name)
    nextPID += 1
    addressSpaces.append(space)
    return space
  }

  func remove(_ space: AddressSpace) {
    addressSpaces.removeAll { $0 === space }
  }

  func newAnonID() -> Int {
    defer { nextAnonID += 1 }
    return nextAnonID
  }

  /// Creates a file.
  /// - Parameters:
  ///   - name: the file's name (scenarios refer to it by this name).
  ///   - kind: regular, shmem or hugetlbfs.
  ///   - size: its size in bytes.
  ///   - largeFolios: let its page cache hold PMD-sized folios where the extent allows.
  ///   - hugetlbPageSize: the page size of a hugetlbfs file.
  public func createFile(name: String, kind: File.Kind = .regular, size: UInt64, largeFolios: Bool = false,
                         hugetlbPageSize: PageSize? = nil) -> File {
    let file = File(id: nextFileID, name: name, kind: kind, size: size, largeFolios: largeFolios,
                    hugetlbPageSize: kind == .hugetlb ? (hugetlbPageSize ?? .size2M) : nil)
    nextFileID += 1
    files[file.id] = file
    return file
  }

  /// The file with `id`.
  public func file(id: Int) -> File? {
    if id == lastFileID && id != 0 { return lastFile }
    let file = files[id]
    lastFileID = id
    lastFile = file
    return file
  }

  /// The file named `name`.
  public func file(named name: String) -> File? { files.values.first { $0.name == name && !$0.isDeleted } }
}

extension MemorySystem {
  /// A registered range of device-private PFNs and its owner (`struct dev_pagemap` with
  /// `MEMORY_DEVICE_PRIVATE`, whose `owner` `hmm_range_fault()` compares with
  /// `dev_private_owner`). Device memory itself arrives with the migration work.
  public struct DevicePagemap: Hashable, Sendable {
    /// The PFNs the device's pages use (outside system RAM).
    public var pfns: Range<UInt64>
    /// The owner token.
    public var owner: Int
  }

  /// Registers device-private PFNs (`memremap_pages`).
  public func registerDevicePagemap(_ pagemap: DevicePagemap) { devicePagemaps.append(pagemap) }

  /// The owner of a device-private PFN, if one is registered.
  public func devicePrivateOwner(of pfn: PFN) -> Int? {
    devicePagemaps.first { $0.pfns.contains(pfn.rawValue) }?.owner
  }
}

extension MemorySystem {
  /// Ends every process (each raises its `release` invalidation), so that the machine and its
  /// address spaces no longer keep each other alive.
  public func shutdown() {
    for space in addressSpaces { space.exit() }
  }

  /// Drops every process without ending it, for a machine nobody looks at again (a fuzz case's
  /// at its end): no `release` invalidation, nothing zapped or freed one folio at a time. Each
  /// address space loses its subscribers and leaves the system, so that nothing the machine
  /// holds refers back to it: the address spaces, their page tables and the machine are freed
  /// with the caller's last references, and the frame table goes back to its pool as it is
  /// (FrameTablePool.swift restores it in the chunks that changed).
  public func discard() {
    for space in addressSpaces {
      for notifier in space.notifiers { space.unregister(notifier) }
    }
    addressSpaces.removeAll()
  }
}
