import MemoryModel

extension HMMRange {
  /// Creates a range over `[start, end)` with every input entry 0, taking its output array from
  /// `buffer` (left empty) so that a driver that faults again and again allocates it once: give
  /// the array back with `swap(&buffer, &range.pfns)` when done with the result.
  /// - Precondition: `start` and `end` are page aligned and `start < end`.
  public init(notifier: IntervalNotifier, notifierSequence: UInt64, start: VirtualAddress, end: VirtualAddress,
              defaultFlags: HMMPFN = .none, pfnFlagsMask: HMMPFN = .none, devicePrivateOwner: Int? = nil,
              reusing buffer: inout [HMMPFN]) {
    precondition(start.isAligned(to: 4096) && end.isAligned(to: 4096) && start < end, "an HMM range is page aligned and not empty")
    var pfns: [HMMPFN] = []
    swap(&pfns, &buffer)
    HMMRange.clear(&pfns, count: Int((end - start) >> 12))
    self.init(notifier: notifier, notifierSequence: notifierSequence, start: start, end: end, defaultFlags: defaultFlags,
              pfnFlagsMask: pfnFlagsMask, devicePrivateOwner: devicePrivateOwner, pfns: pfns)
  }

  /// A range over `[start, end)` (page aligned, not empty) whose output buffer is `buffer` as it
  /// is (taken from it; `buffer` is left empty): for a range whose first walk
  /// ``HMM/walkWindow(_:_:_:_:defaultFlags:owner:into:)`` already wrote into `buffer`.
  /// - Parameters:
  ///   - notifier: the interval notifier the range reads its sequence from.
  ///   - notifierSequence: the sequence (the driver loop's `read_begin` sets it).
  ///   - start: the first address.
  ///   - end: one past the last address.
  ///   - defaultFlags: `default_flags`.
  ///   - pfnFlagsMask: `pfn_flags_mask`.
  ///   - devicePrivateOwner: `dev_private_owner`.
  ///   - buffer: the output entries, one per page.
  public init(notifier: IntervalNotifier, notifierSequence: UInt64, start: VirtualAddress, end: VirtualAddress,
              defaultFlags: HMMPFN = .none, pfnFlagsMask: HMMPFN = .none, devicePrivateOwner: Int? = nil,
              continuing buffer: inout [HMMPFN]) {
    precondition(start.isAligned(to: 4096) && end.isAligned(to: 4096) && start < end && buffer.count == Int((end - start) >> 12),
                 "an HMM range is page aligned and not empty, and its buffer has one entry per page")
    var pfns: [HMMPFN] = []
    swap(&pfns, &buffer)
    self.init(notifier: notifier, notifierSequence: notifierSequence, start: start, end: end, defaultFlags: defaultFlags,
              pfnFlagsMask: pfnFlagsMask, devicePrivateOwner: devicePrivateOwner, pfns: pfns)
  }

  /// Makes `pfns` `count` empty entries, keeping its storage: the same size as last time (one
  /// fault window after another) is zeroed in place.
  static func clear(_ pfns: inout [HMMPFN], count: Int) {
    if pfns.count == count {
      pfns.withUnsafeMutableBufferPointer { entries in entries.update(repeating: .none) }
    } else {
      pfns.removeAll(keepingCapacity: true)
      pfns.append(contentsOf: repeatElement(.none, count: count))
    }
  }

  /// Keeps only the input/output flags of every entry (what a driver loop does before each new
  /// `hmm_range_fault()` call that reuses the entries as input).
  mutating func keepInOutFlags() {
    pfns.withUnsafeMutableBufferPointer { entries in
      for i in entries.indices { entries[i] = HMMPFN(rawValue: entries[i].rawValue & HMMPFN.inOutFlags) }
    }
  }
}
