import DeviceMirror
import HMM
import MemoryModel

/// The HMM and device objects of one scenario run.
final class DeviceState {
  /// Devices by name.
  var devices: [String: Device] = [:]
  /// dmirror devices by number, created on first open.
  var dmirrorDevices: [Int: DMirrorDevice] = [:]
  /// Open dmirror files by name.
  var files: [String: DMirror] = [:]
  /// The last ioctl result of each file.
  var results: [String: DMirrorCommandResult] = [:]
  /// Recording interval notifiers by name.
  var notifiers: [String: IntervalNotifier] = [:]
  /// The safety oracle, watching every device and file.
  let oracle = SafetyOracle()
  /// Address spaces the oracle is registered on.
  var watchedSpaces: [ObjectIdentifier] = []
  /// Violations found so far.
  var violations: [SafetyOracle.Violation] = []
  /// Owner tokens handed out.
  var nextOwner = 1000

  func owner() -> Int {
    nextOwner += 1
    return nextOwner
  }

  /// Makes the oracle watch `device` and the space it mirrors.
  func watch(_ device: any MirroringDevice, in space: AddressSpace) {
    oracle.watch(device)
    if !watchedSpaces.contains(ObjectIdentifier(space)) {
      watchedSpaces.append(ObjectIdentifier(space))
      space.register(oracle)
    }
  }
}

/// Interval-notifier callbacks that only move the sequence (a driver with nothing to unmap).
final class SequenceOnlyOps: IntervalNotifierOps {
  func invalidate(_ notifier: IntervalNotifier, range: InvalidationRange, currentSequence: UInt64) -> Bool {
    notifier.setSequence(currentSequence)
    return true
  }
}
