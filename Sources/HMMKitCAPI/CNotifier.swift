import CHMMKit
import HMM
import MemoryModel

/// The model's side of a C `struct mmu_interval_notifier`: an ``IntervalNotifierOps`` whose
/// `invalidate` calls the driver's C callback with a `struct mmu_notifier_range` carrying the
/// kernel's event value.
final class CNotifier: IntervalNotifierOps {
  /// The driver's struct.
  let pointer: UnsafeMutablePointer<mmu_interval_notifier>
  /// The process watched.
  let process: CProcess
  /// The driver's callbacks.
  let ops: UnsafePointer<mmu_interval_notifier_ops>
  /// The model's notifier (set right after the insert).
  var model: IntervalNotifier!

  /// Creates the bridge.
  init(pointer: UnsafeMutablePointer<mmu_interval_notifier>, process: CProcess, ops: UnsafePointer<mmu_interval_notifier_ops>) {
    self.pointer = pointer
    self.process = process
    self.ops = ops
  }

  /// Calls the driver's `invalidate`.
  func invalidate(_ notifier: IntervalNotifier, range: InvalidationRange, currentSequence: UInt64) -> Bool {
    guard let callback = ops.pointee.invalidate else { return true }
    var cRange = mmu_notifier_range(
      mm: process.handle, start: UInt(range.start.rawValue), end: UInt(range.end.rawValue),
      flags: range.isBlockable ? UInt32(MMU_NOTIFIER_RANGE_BLOCKABLE) : 0,
      event: mmu_notifier_event(rawValue: UInt32(range.event.rawValue)),
      owner: range.owner.flatMap { UnsafeMutableRawPointer(bitPattern: $0) })
    CAPI.invalidateDepth += 1
    defer { CAPI.invalidateDepth -= 1 }
    return callback(pointer, &cRange, UInt(currentSequence))
  }
}

/// `mmu_interval_notifier_insert()`.
@_cdecl("mmu_interval_notifier_insert")
public func capiIntervalNotifierInsert(_ sub: UnsafeMutablePointer<mmu_interval_notifier>?, _ mm: OpaquePointer?,
                                       _ start: UInt, _ length: UInt,
                                       _ ops: UnsafePointer<mmu_interval_notifier_ops>?) -> Int32 {
  let function = "mmu_interval_notifier_insert"
  guard let sub else { return CAPI.fail(function, "interval_sub is NULL", .EINVAL) }
  guard let ops else { return CAPI.fail(function, "ops is NULL", .EINVAL) }
  guard let process = CAPI.process(mm, function) else { return -Errno.EINVAL.rawValue }
  if CAPI.notifiers[CAPI.key(sub)] != nil {
    return CAPI.fail(function, "notifier \(sub) is already inserted; remove it first", .EINVAL)
  }
  let bridge = CNotifier(pointer: sub, process: process, ops: ops)
  do {
    let model = try IntervalNotifier.insert(into: process.space, start: VirtualAddress(UInt64(start)), length: UInt64(length), ops: bridge)
    bridge.model = model
  } catch {
    // The kernel's own errors for bad intervals: -EOVERFLOW, or -EINVAL after exit.
    CAPI.setError("\(function): \(error)")
    return error.returnCode
  }
  sub.pointee.ops = ops
  sub.pointee.mm = process.handle
  sub.pointee.invalidate_seq = UInt(bridge.model.sequence)
  sub.pointee.hmmkit_start = start
  sub.pointee.hmmkit_last = start &+ length &- 1
  CAPI.notifiers[CAPI.key(sub)] = bridge
  CAPI.removedNotifiers.remove(CAPI.key(sub))
  return 0
}

/// `mmu_interval_notifier_remove()`.
@_cdecl("mmu_interval_notifier_remove")
public func capiIntervalNotifierRemove(_ sub: UnsafeMutablePointer<mmu_interval_notifier>?) {
  guard let notifier = CAPI.notifier(sub, "mmu_interval_notifier_remove"), let sub else { return }
  notifier.model.remove()
  CAPI.notifiers[CAPI.key(sub)] = nil
  CAPI.removedNotifiers.insert(CAPI.key(sub))
}

/// `mmu_interval_read_begin()`.
@_cdecl("mmu_interval_read_begin")
public func capiIntervalReadBegin(_ sub: UnsafeMutablePointer<mmu_interval_notifier>?) -> UInt {
  guard let notifier = CAPI.notifier(sub, "mmu_interval_read_begin") else { return 0 }
  let sequence = UInt(notifier.model.readBegin())
  CExplorer.point("mmu_interval_read_begin")
  return sequence
}

/// `mmu_interval_set_seq()`.
@_cdecl("mmu_interval_set_seq")
public func capiIntervalSetSeq(_ sub: UnsafeMutablePointer<mmu_interval_notifier>?, _ sequence: UInt) {
  guard let notifier = CAPI.notifier(sub, "mmu_interval_set_seq"), let sub else { return }
  notifier.model.setSequence(UInt64(sequence))
  sub.pointee.invalidate_seq = sequence
}

/// `mmu_interval_read_retry()`.
@_cdecl("mmu_interval_read_retry")
public func capiIntervalReadRetry(_ sub: UnsafeMutablePointer<mmu_interval_notifier>?, _ sequence: UInt) -> Bool {
  guard let notifier = CAPI.notifier(sub, "mmu_interval_read_retry") else { return true }
  return notifier.model.readRetry(UInt64(sequence))
}

/// `mmu_interval_check_retry()`.
@_cdecl("mmu_interval_check_retry")
public func capiIntervalCheckRetry(_ sub: UnsafeMutablePointer<mmu_interval_notifier>?, _ sequence: UInt) -> Bool {
  guard let notifier = CAPI.notifier(sub, "mmu_interval_check_retry") else { return true }
  return notifier.model.checkRetry(UInt64(sequence))
}
