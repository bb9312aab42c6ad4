/// A process's address space (`struct mm_struct`) together with the process it belongs to: its
/// VMAs, its page table, its RSS counters and the MMU notifiers subscribed to it.
public final class AddressSpace {
  /// The machine this address space lives in (a strong reference: a process keeps its machine
  /// alive; ``MemorySystem/shutdown()`` breaks the cycle).
  public let system: MemorySystem
  /// The process ID.
  public let pid: Int
  /// The process name.
  public let name: String
  /// The VMAs, sorted by address, never overlapping.
  @exclusivity(unchecked) public internal(set) var vmas: [VMA] = []
  /// The page table.
  public let pageTable: PageTable
  /// Resident pages by kind (`MM_ANONPAGES`, `MM_FILEPAGES`, `MM_SHMEMPAGES`; hugetlb pages are
  /// counted apart, as Linux counts them outside RSS).
  @exclusivity(unchecked) public internal(set) var residentPages = ResidentPages()
  /// Subscribed MMU notifiers, in subscription order.
  @exclusivity(unchecked) public private(set) var notifiers: [any MMUNotifier] = []
  /// Whether the process has exited.
  @exclusivity(unchecked) public internal(set) var hasExited = false
  /// `MMF_HAS_PINNED`: a `pin_user_pages()` caller pinned this address space's pages (fork then
  /// copies maybe-pinned exclusive anonymous pages instead of sharing them).
  @exclusivity(unchecked) public internal(set) var hasPinned = false
  /// The index in ``vmas`` of the VMA the last fault was in: a hint the fault path checks before
  /// it searches (a run of faults stays in one VMA). Any value is safe: it is used only when that
  /// VMA contains the address, which identifies it since VMAs never overlap.
  @exclusivity(unchecked) var lastFaultVMA = 0
  /// The `src` and `dst` storage of the last finished ``MigrateVMA``, reused by the next
  /// ``migrateVMASetup(start:end:select:pgmapOwner:)`` (a CPU fault's `migrate_to_ram` then
  /// allocates nothing). Unchecked: only `MigrateVMA.init` (one swap) and
  /// ``migrateVMAFinalize(_:)`` (one assignment) touch them, and no other code runs during either.
  @exclusivity(unchecked) var spareMigrateSource: [MigratePFN] = []
  /// See ``spareMigrateSource``.
  @exclusivity(unchecked) var spareMigrateDestination: [MigratePFN] = []
  /// The top of the area `mmap` hands out addresses from, going down (`mmap_base`).
  public static let mmapBase = VirtualAddress(0x7F00_0000_0000)
  /// The lowest address `mmap` chooses (`mmap_min_addr` as the LSM default raises it, 64 KiB);
  /// `MAP_FIXED` may go lower, as it may for root.
  public static let mmapMinimum = VirtualAddress(0x10000)

  /// Resident page counters.
  public struct ResidentPages: Sendable, Equatable {
    /// Anonymous pages.
    public var anonymous = 0
    /// File pages.
    public var file = 0
    /// Shmem pages.
    public var shmem = 0
    /// hugetlb pages (4 KiB units).
    public var hugetlb = 0
    /// Anonymous, file and shmem pages: what `ps` shows as RSS.
    public var total: Int { anonymous + file + shmem }
  }

  /// The machine's physical memory (stored: the fault path uses it on every page).
  let memory: PhysicalMemory

  init(system: MemorySystem, pid: Int, name: String) throws(SyscallError) {
    self.system = system
    self.memory = system.memory
    self.pid = pid
    self.name = name
    self.pageTable = try PageTable(memory: system.memory)
  }

  /// Subscribes `notifier` to every invalidation of this address space.
  public func register(_ notifier: any MMUNotifier) {
    if !notifiers.contains(where: { $0 === notifier }) { notifiers.append(notifier) }
  }

  /// Ends `notifier`'s subscription.
  public func unregister(_ notifier: any MMUNotifier) {
    notifiers.removeAll { $0 === notifier }
  }

  /// Tells every subscriber that `[start, end)` is about to change, runs `body`, then tells them
  /// it has (`mmu_notifier_invalidate_range_start`/`_end`).
  func invalidating<T, E: Error>(_ start: VirtualAddress, _ end: VirtualAddress, _ event: InvalidationEvent,
                                 owner: Int? = nil, _ body: () throws(E) -> T) throws(E) -> T {
    let range = InvalidationRange(start: start, end: end, event: event, owner: owner)
    let subscribers = notifiers
    // The usual one to three subscribers (a scenario's recorder, HMM's subscriptions, a device's
    // oracle) are each loaded from the snapshot into a local once, for both their calls: a
    // notifier loaded from the array is retained and released around every call (the compiler
    // cannot tell that the call leaves the snapshot's storage alone), a local once for the two.
    // The calls and their order are those of the loops below.
    switch subscribers.count {
    case 0:
      return try body()
    case 1:
      let first = subscribers[0]
      first.invalidateRangeStart(range, in: self)
      defer { first.invalidateRangeEnd(range, in: self) }
      return try body()
    case 2:
      let first = subscribers[0]
      let second = subscribers[1]
      first.invalidateRangeStart(range, in: self)
      second.invalidateRangeStart(range, in: self)
      defer {
        first.invalidateRangeEnd(range, in: self)
        second.invalidateRangeEnd(range, in: self)
      }
      return try body()
    case 3:
      let first = subscribers[0]
      let second = subscribers[1]
      let third = subscribers[2]
      first.invalidateRangeStart(range, in: self)
      second.invalidateRangeStart(range, in: self)
      third.invalidateRangeStart(range, in: self)
      defer {
        first.invalidateRangeEnd(range, in: self)
        second.invalidateRangeEnd(range, in: self)
        third.invalidateRangeEnd(range, in: self)
      }
      return try body()
    default:
      for notifier in subscribers { notifier.invalidateRangeStart(range, in: self) }
      defer { for notifier in subscribers { notifier.invalidateRangeEnd(range, in: self) } }
      return try body()
    }
  }

  /// The index in ``vmas`` of the VMA containing `address` (`vma_lookup`).
  public func vmaIndex(containing address: VirtualAddress) -> Int? {
    var low = 0
    var high = vmas.count
    while low < high {
      let mid = (low + high) / 2
      if vmas[mid].end <= address { low = mid + 1 } else { high = mid }
    }
    return low < vmas.count && vmas[low].start <= address ? low : nil
  }

  /// The VMA containing `address`.
  public func vma(containing address: VirtualAddress) -> VMA? {
    vmaIndex(containing: address).map { vmas[$0] }
  }

  /// The index of the first VMA that ends above `address` (`find_vma`).
  func firstVMAIndex(endingAbove address: VirtualAddress) -> Int {
    var low = 0
    var high = vmas.count
    while low < high {
      let mid = (low + high) / 2
      if vmas[mid].end <= address { low = mid + 1 } else { high = mid }
    }
    return low
  }

  /// Indices of the VMAs that overlap `[start, end)`.
  func vmaIndices(overlapping start: VirtualAddress, _ end: VirtualAddress) -> Range<Int> {
    let first = firstVMAIndex(endingAbove: start)
    var last = first
    while last < vmas.count && vmas[last].start < end { last += 1 }
    return first..<last
  }

  /// Whether every byte of `[start, end)` lies in some VMA.
  func isFullyMapped(_ start: VirtualAddress, _ end: VirtualAddress) -> Bool {
    var cursor = start
    for index in vmaIndices(overlapping: start, end) {
      if vmas[index].start > cursor { return false }
      cursor = vmas[index].end
    }
    return cursor >= end
  }

  /// Inserts a VMA keeping the order.
  func insert(_ vma: VMA) {
    let index = firstVMAIndex(endingAbove: vma.start)
    vmas.insert(vma, at: index)
  }

  /// Merges adjacent compatible VMAs around `[start, end)` (`vma_merge`).
  func mergeVMAs(around start: VirtualAddress, _ end: VirtualAddress) {
    var index = max(0, firstVMAIndex(endingAbove: start) - 1)
    while index + 1 < vmas.count && vmas[index].start <= end {
      if vmas[index].canMerge(with: vmas[index + 1]) {
        vmas[index].end = vmas[index + 1].end
        if vmas[index].anonID == nil {
          vmas[index].anonID = vmas[index + 1].anonID
          vmas[index].anonVMAForked = vmas[index + 1].anonVMAForked
        }
        vmas.remove(at: index + 1)
      } else {
        index += 1
      }
    }
  }
}
