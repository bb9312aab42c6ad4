import MemoryModel

/// The arguments and the output of one `hmm_range_fault()` call (`struct hmm_range`).
public struct HMMRange {
  /// The interval notifier whose sequence guards this read; its address space is the one read.
  public var notifier: IntervalNotifier
  /// The value `mmu_interval_read_begin()` returned.
  public var notifierSequence: UInt64
  /// The first address (page aligned).
  public var start: VirtualAddress
  /// One past the last address (page aligned).
  public var end: VirtualAddress
  /// One entry per 4 KiB page: request flags on input, ``HMMPFN`` results on output.
  public var pfns: [HMMPFN]
  /// Request flags applied to every page (`default_flags`).
  public var defaultFlags: HMMPFN
  /// Which bits of each entry's own request count (`pfn_flags_mask`).
  public var pfnFlagsMask: HMMPFN
  /// The owner of device-private pages that should be reported rather than faulted back
  /// (`dev_private_owner`); nil for none.
  public var devicePrivateOwner: Int?
  /// The order reported for PTE-mapped pages: Linux's (0), or the `pte-batch` experiment.
  public var orderHint = HMMOrderHint.mapOrder
  /// What the last call did, for device counters.
  public var statistics = Statistics()

  /// Counters of one `hmm_range_fault()` call.
  public struct Statistics: Sendable, Equatable {
    /// Output entries written (an entry rewritten after a walk restart counts again).
    public var entriesFilled = 0
    /// Pages passed to the fault handler.
    public var pagesFaulted = 0
    /// Walk restarts after faults (the internal `-EBUSY`).
    public var walkRestarts = 0
  }

  /// Creates a range over `[start, end)` with every input entry 0.
  /// - Precondition: `start` and `end` are page aligned and `start < end`.
  public init(notifier: IntervalNotifier, notifierSequence: UInt64, start: VirtualAddress, end: VirtualAddress,
              defaultFlags: HMMPFN = .none, pfnFlagsMask: HMMPFN = .none, devicePrivateOwner: Int? = nil) {
    precondition(start.isAligned(to: 4096) && end.isAligned(to: 4096) && start < end, "an HMM range is page aligned and not empty")
    self.notifier = notifier
    self.notifierSequence = notifierSequence
    self.start = start
    self.end = end
    self.pfns = Array(repeating: .none, count: Int((end - start) >> 12))
    self.defaultFlags = defaultFlags
    self.pfnFlagsMask = pfnFlagsMask
    self.devicePrivateOwner = devicePrivateOwner
  }

  /// A range whose input entries are `pfns` (one per page of `[start, end)`).
  init(notifier: IntervalNotifier, notifierSequence: UInt64, start: VirtualAddress, end: VirtualAddress,
       defaultFlags: HMMPFN, pfnFlagsMask: HMMPFN, devicePrivateOwner: Int?, pfns: [HMMPFN]) {
    self.notifier = notifier
    self.notifierSequence = notifierSequence
    self.start = start
    self.end = end
    self.pfns = pfns
    self.defaultFlags = defaultFlags
    self.pfnFlagsMask = pfnFlagsMask
    self.devicePrivateOwner = devicePrivateOwner
  }

  /// The index of `address` in ``pfns``.
  public func index(of address: VirtualAddress) -> Int { Int((address - start) >> 12) }
  /// The output for the page at `address`.
  public func entry(at address: VirtualAddress) -> HMMPFN { pfns[index(of: address)] }
}
