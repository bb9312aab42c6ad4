import CHMMKit
import DeviceMirror
import HMM
import MemoryModel

/// A C driver as the safety oracle sees it: its mappings come from the driver's report
/// callback each time the oracle asks.
final class CDriverDevice: MirroringDevice {
  /// The name in reports.
  let name: String
  /// The process the driver mirrors.
  let process: CProcess
  /// The driver's report callback and its argument.
  let report: hmmkit_report_fn
  let driver: UnsafeMutableRawPointer?

  /// Creates the view.
  init(name: String, process: CProcess, report: hmmkit_report_fn, driver: UnsafeMutableRawPointer?) {
    self.name = name
    self.process = process
    self.report = report
    self.driver = driver
  }

  /// The mirrored address space (nil after its exit).
  var mirroredSpace: AddressSpace? { process.space.hasExited ? nil : process.space }

  /// Collects what `emit` hears.
  final class Collector {
    var mappings: [DeviceMapping] = []
    var bad: [String] = []
  }

  /// The driver's mappings now: each report of `PAGE_SIZE << order` bytes becomes one device
  /// mapping of that size when the device page sizes have it (4K, 64K, 2M, 1G), else 4 KiB ones.
  var deviceMappings: [DeviceMapping] {
    let collector = Collector()
    let cookie = Unmanaged.passUnretained(collector).toOpaque()
    CAPI.invalidateDepth += 1
    report(driver, { cookie, start, order, pfn, writable in
      let collector = Unmanaged<CDriverDevice.Collector>.fromOpaque(cookie!).takeUnretainedValue()
      let bytes = UInt64(4096) << UInt64(min(order, 30))
      guard order <= 18, UInt64(start) & (bytes - 1) == 0 else {
        collector.bad.append("the driver reported a mapping at 0x\(String(start, radix: 16)) of order \(order) (unaligned or above 18)")
        return
      }
      if let size = DevicePageSize(rawValue: Int(order)) {
        collector.mappings.append(DeviceMapping(start: VirtualAddress(UInt64(start)), size: size, pfn: PFN(UInt64(pfn)), isWritable: writable))
      } else {
        for k in 0..<UInt64(1) << UInt64(order) {
          collector.mappings.append(DeviceMapping(start: VirtualAddress(UInt64(start) + k << 12), size: .size4K,
                                                  pfn: PFN(UInt64(pfn) + k), isWritable: writable))
        }
      }
    }, cookie)
    CAPI.invalidateDepth -= 1
    for message in collector.bad { CAPI.report("hmmkit_oracle_check", message) }
    return collector.mappings
  }

  /// A C driver reports no TLB.
  var cachedTranslations: [(start: VirtualAddress, size: DevicePageSize)] { [] }
}

/// `hmmkit_oracle_watch()`.
@_cdecl("hmmkit_oracle_watch")
public func capiOracleWatch(_ mm: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ report: hmmkit_report_fn?,
                            _ driver: UnsafeMutableRawPointer?) -> Int32 {
  let function = "hmmkit_oracle_watch"
  guard let process = CAPI.process(mm, function) else { return -Errno.EINVAL.rawValue }
  guard let report else { return CAPI.fail(function, "report is NULL", .EINVAL) }
  let machine = process.machine
  let key = UInt(bitPattern: driver)
  guard machine.drivers[key] == nil else { return CAPI.fail(function, "driver \(String(describing: driver)) is already watched", .EINVAL) }
  let device = CDriverDevice(name: CAPI.string(name) ?? "driver", process: process, report: report, driver: driver)
  machine.drivers[key] = device
  machine.oracle.watch(device)
  let space = process.space
  if !machine.oracleSpaces.contains(ObjectIdentifier(space)) {
    // After the notifier subscriptions, so that invariant 2 is checked once the driver's
    // invalidate callbacks have run.
    _ = NotifierSubscriptions.of(space)
    space.register(machine.oracle)
    machine.oracleSpaces.insert(ObjectIdentifier(space))
  }
  return 0
}

/// `hmmkit_oracle_unwatch()`.
@_cdecl("hmmkit_oracle_unwatch")
public func capiOracleUnwatch(_ handle: OpaquePointer?, _ driver: UnsafeMutableRawPointer?) {
  guard let machine = CAPI.machine(handle, "hmmkit_oracle_unwatch") else { return }
  guard machine.drivers.removeValue(forKey: UInt(bitPattern: driver)) != nil else {
    return CAPI.report("hmmkit_oracle_unwatch", "driver \(String(describing: driver)) is not watched")
  }
  machine.rebuildOracle()
}

/// `hmmkit_oracle_check()`.
@_cdecl("hmmkit_oracle_check")
public func capiOracleCheck(_ handle: OpaquePointer?, _ message: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int32 {
  reportViolations(handle, "hmmkit_oracle_check", message, size) { $0.oracleViolations() }
}

/// `hmmkit_check_invariants()`.
@_cdecl("hmmkit_check_invariants")
public func capiCheckInvariants(_ handle: OpaquePointer?, _ message: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int32 {
  reportViolations(handle, "hmmkit_check_invariants", message, size) { $0.invariantViolations() }
}

/// A checking call of the harness: the number of violations `check` finds on the machine, the
/// first copied into `message`; `-EINVAL` for a bad handle, `-EDEADLK` inside a callback.
private func reportViolations(_ handle: OpaquePointer?, _ name: String, _ message: UnsafeMutablePointer<CChar>?, _ size: Int,
                              _ check: (CMachine) -> [String]) -> Int32 {
  guard let machine = CAPI.machine(handle, name) else { return -Errno.EINVAL.rawValue }
  guard CAPI.outsideCallbacks(name) else { return -CAPI.EDEADLK.rawValue }
  let violations = check(machine)
  CAPI.copy(violations.first ?? "", to: message, size: size)
  return Int32(violations.count)
}
