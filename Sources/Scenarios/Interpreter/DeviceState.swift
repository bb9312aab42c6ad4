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
  var results: [String: IoctlOutcome] = [:]
  /// The caller's buffer of each file (`cmd.ptr`, hmm-tests' `buffer->mirror`): set by
  /// `buffer=`/`pattern=`, overwritten from the start by every successful ioctl that copies
  /// data out, left alone by a failed one.
  var buffers: [String: CallerBuffer] = [:]
  /// Open gup_test files by name.
  var gupFiles: [String: GUPTestFile] = [:]
  /// gup_test files closed (their last result stays readable).
  var gupClosed: Set<String> = []
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

/// What a scenario remembers of a dmirror file's last ioctl (or of its `close`, which returns 0).
struct IoctlOutcome {
  /// 0 or the negative error number.
  var returnCode: Int32
  /// `cpages` (0 after a failure: the driver does not copy the struct back).
  var cpages: UInt64
  /// `faults`.
  var faults: UInt64
  /// The bytes SNAPSHOT copied to `cmd.ptr` (READ-like ioctls copy pages: ``pages``).
  var data: [UInt8]
  /// The pages a READ, MIGRATE or EXCLUSIVE copied to `cmd.ptr`.
  var pages: [PageData] = []

  /// The error, if the call failed.
  var errno: Errno? { returnCode == 0 ? nil : Errno(rawValue: -returnCode) }

  /// The outcome of an ioctl.
  init(_ result: DMirrorCommandResult) {
    self.init(returnCode: result.returnCode, cpages: result.cpages, faults: result.faults, data: result.bytes)
    pages = result.pages
  }

  /// An outcome with these values.
  init(returnCode: Int32, cpages: UInt64, faults: UInt64, data: [UInt8]) {
    self.returnCode = returnCode
    self.cpages = cpages
    self.faults = faults
    self.data = data
  }
}
