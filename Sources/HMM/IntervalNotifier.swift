import MemoryModel

/// What a driver does when part of its interval is invalidated
/// (`struct mmu_interval_notifier_ops`).
public protocol IntervalNotifierOps: AnyObject {
  /// Called before the CPU page tables of `range` change, with the sequence value the driver
  /// must store with ``IntervalNotifier/setSequence(_:)`` under its lock. Return false only for a
  /// non-blockable range the driver cannot handle without sleeping.
  func invalidate(_ notifier: IntervalNotifier, range: InvalidationRange, currentSequence: UInt64) -> Bool
}

/// An MMU interval notifier (`struct mmu_interval_notifier`): a driver's subscription to
/// invalidations of `[start, end)` of one address space, with the collision-retry sequence of
/// `mm/mmu_notifier.c`.
public final class IntervalNotifier {
  /// The address space watched.
  public let space: AddressSpace
  /// The first address of the interval.
  public let start: VirtualAddress
  /// One past the last address of the interval; 0 for an interval that reaches the top of the
  /// address space (its last address is `UInt64.max`, which `mmu_interval_notifier_insert()`
  /// allows).
  public let end: VirtualAddress
  /// The driver's callbacks.
  public let ops: any IntervalNotifierOps
  /// `invalidate_seq`: set by the driver from the callback's sequence value; compared by
  /// `read_retry`.
  @exclusivity(unchecked) public internal(set) var sequence: UInt64 = 0
  /// Whether the notifier is in the tree (false while a deferred insert waits, and after remove).
  public internal(set) var isInserted = false
  /// Invalidations delivered to this notifier, by event (events with none left out).
  public var invalidationCounts: [InvalidationEvent: Int] {
    var counts: [InvalidationEvent: Int] = [:]
    for event in InvalidationEvent.allCases where countsByEvent[Int(event.rawValue)] > 0 { counts[event] = countsByEvent[Int(event.rawValue)] }
    return counts
  }
  /// Invalidations delivered, indexed by the event's raw value (no hashing per invalidation).
  @exclusivity(unchecked) var countsByEvent = [Int](repeating: 0, count: InvalidationEvent.allCases.count)
  /// Callbacks that returned false for a blockable range (the kernel WARNs).
  public internal(set) var refusedBlockable = 0
  /// The subscriptions it was inserted into (strong: a notifier outlives its process's exit, as
  /// `mmgrab` keeps the `mm_struct` of a registered notifier alive; ``remove()`` still works).
  let subscriptions: NotifierSubscriptions

  init(space: AddressSpace, start: VirtualAddress, end: VirtualAddress, ops: any IntervalNotifierOps,
       subscriptions: NotifierSubscriptions) {
    self.space = space
    self.start = start
    self.end = end
    self.ops = ops
    self.subscriptions = subscriptions
  }

  /// Invalidations delivered so far (all events, or one).
  public func invalidations(_ event: InvalidationEvent? = nil) -> Int {
    guard let event else { return countsByEvent.reduce(0, +) }
    return countsByEvent[Int(event.rawValue)]
  }

  /// `mmu_interval_notifier_insert()`: subscribes `ops` to invalidations of
  /// `[start, start + length)` of `space`.
  /// - Throws: `-EOVERFLOW` for a zero length or an interval past the end of the address space;
  ///   `-EINVAL` when the process has exited.
  public static func insert(into space: AddressSpace, start: VirtualAddress, length: UInt64,
                            ops: any IntervalNotifierOps) throws(HMMError) -> IntervalNotifier {
    guard length > 0, start.rawValue.addingReportingOverflow(length - 1).overflow == false else { throw .overflow }
    guard !space.hasExited else { throw .invalidArgument("the address space has exited (mm_users is 0)") }
    let subscriptions = NotifierSubscriptions.of(space)
    let notifier = IntervalNotifier(space: space, start: start, end: VirtualAddress(start.rawValue &+ length), ops: ops,
                                    subscriptions: subscriptions)
    subscriptions.insert(notifier)
    return notifier
  }

  /// The interval's last address (inclusive), as the interval tree keys it.
  var last: UInt64 { end.rawValue &- 1 }

  /// `mmu_interval_notifier_remove()`: no callback runs after it returns.
  public func remove() { subscriptions.remove(self) }

  /// `mmu_interval_read_begin()`: the sequence value to check with ``readRetry(_:)`` after
  /// reading the CPU page tables. (In Linux it may sleep while an invalidation that already
  /// called this notifier is in progress; the model has no concurrency, so it never needs to.)
  public func readBegin() -> UInt64 { sequence }

  /// `mmu_interval_read_retry()`: whether an invalidation hit the interval since `sequence` was
  /// read — the driver must then discard what it read and begin again.
  public func readRetry(_ sequence: UInt64) -> Bool { self.sequence != sequence }

  /// `mmu_interval_check_retry()`: the same test, for use without the driver lock.
  public func checkRetry(_ sequence: UInt64) -> Bool { self.sequence != sequence }

  /// `mmu_interval_set_seq()`: called by the driver's `invalidate` callback under its lock.
  public func setSequence(_ sequence: UInt64) { self.sequence = sequence }
}

/// The per-address-space notifier state (`struct mmu_notifier_subscriptions`): the interval
/// tree, the global invalidate sequence (starting at 2; odd while an invalidation that hit some
/// interval is in progress) and the deferred inserts and removes. It is the `MMUNotifier` the
/// memory model calls.
public final class NotifierSubscriptions: MMUNotifier {
  /// `invalidate_seq`.
  @exclusivity(unchecked) public private(set) var sequence: UInt64 = 2
  /// `active_invalidate_ranges`.
  @exclusivity(unchecked) public private(set) var activeInvalidations = 0
  @exclusivity(unchecked) var tree = IntervalTree<IntervalNotifier>()
  /// Inserts and removes waiting for the last invalidation to end. Unchecked: every access is
  /// one append, `firstIndex` (whose closure does not touch it), `remove(at:)`, `isEmpty`, copy or
  /// `removeAll`, none of which can overlap another.
  @exclusivity(unchecked) var deferred: [(insert: Bool, notifier: IntervalNotifier)] = []

  /// The subscriptions of `space`, registering them with the memory model the first time
  /// (`mmu_notifier_register(NULL, mm)`).
  public static func of(_ space: AddressSpace) -> NotifierSubscriptions {
    if let existing = space.notifiers.lazy.compactMap({ $0 as? NotifierSubscriptions }).first { return existing }
    let subscriptions = NotifierSubscriptions()
    space.register(subscriptions)
    return subscriptions
  }

  /// The notifiers in the tree, by start address.
  public var notifiers: [IntervalNotifier] { tree.all }

  func insert(_ notifier: IntervalNotifier) {
    if activeInvalidations > 0 {
      if sequence & 1 == 1 {
        // The tree is frozen: insert when the last invalidation ends; read_begin would wait.
        deferred.append((true, notifier))
        notifier.sequence = sequence
        return
      }
      sequence |= 1
      notifier.sequence = sequence
    } else {
      notifier.sequence = sequence &- 1  // odd, never equal to the even current value
    }
    tree.insert(notifier, start: notifier.start.rawValue, last: notifier.last)
    notifier.isInserted = true
  }

  func remove(_ notifier: IntervalNotifier) {
    if sequence & 1 == 1 {
      if let index = deferred.firstIndex(where: { $0.insert && $0.notifier === notifier }) {
        deferred.remove(at: index)
        return
      }
      deferred.append((false, notifier))
      return
    }
    tree.remove { $0 === notifier }
    notifier.isInserted = false
  }

  /// `mn_itree_inv_start_range` and the callbacks.
  public func invalidateRangeStart(_ range: InvalidationRange, in space: AddressSpace) {
    activeInvalidations += 1
    let first = range.start.rawValue
    let last = range.end.rawValue &- 1
    let event = Int(range.event.rawValue)
    let count = tree.count
    if count <= 8 {
      // A few notifiers (the usual case): the tree in order, as IntervalTree.forEachOverlapping
      // scans it. The callbacks cannot change the tree: with the sequence odd, inserts and
      // removes are deferred to the last invalidateRangeEnd, so the indices stay valid.
      var hit = 0
      while hit < count && !tree.overlaps(at: hit, start: first, last: last) { hit += 1 }
      guard hit < count else { return }
      sequence |= 1
      let current = sequence
      for i in hit..<count where tree.overlaps(at: i, start: first, last: last) {
        // Unretained: the tree holds the notifier strongly and cannot drop it during the
        // callback (removes are deferred, above), so no retain and release per callback.
        Unmanaged.passUnretained(tree.element(at: i))._withUnsafeGuaranteedRef { notifier in
          notifier.countsByEvent[event] += 1
          if !notifier.ops.invalidate(notifier, range: range, currentSequence: current) && range.isBlockable {
            notifier.refusedBlockable += 1
          }
        }
      }
      return
    }
    guard tree.containsOverlap(start: first, last: last) else { return }
    sequence |= 1
    let current = sequence
    // A copy keeps the iteration independent of the tree (which cannot change, as above).
    let hits = tree
    hits.forEachOverlapping(start: first, last: last) { notifier in
      notifier.countsByEvent[event] += 1
      if !notifier.ops.invalidate(notifier, range: range, currentSequence: current) && range.isBlockable {
        notifier.refusedBlockable += 1
      }
    }
  }

  /// `mn_itree_inv_end`: the last active invalidation makes the sequence even again and applies
  /// deferred inserts and removes.
  public func invalidateRangeEnd(_ range: InvalidationRange, in space: AddressSpace) {
    activeInvalidations -= 1
    guard activeInvalidations == 0, sequence & 1 == 1 else { return }
    sequence &+= 1
    guard !deferred.isEmpty else { return }
    let pending = deferred
    deferred.removeAll()
    for (insert, notifier) in pending {
      if insert {
        tree.insert(notifier, start: notifier.start.rawValue, last: notifier.last)
        notifier.isInserted = true
      } else {
        tree.remove { $0 === notifier }
        notifier.isInserted = false
      }
    }
  }
}
