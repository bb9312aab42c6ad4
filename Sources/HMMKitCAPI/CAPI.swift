import CHMMKit
import Glibc
import HMM
import MemoryModel

/// The C API's global state. The model is single-threaded, and so is the API: every function
/// runs on the caller's thread, and C code must call it from one thread.
///
/// C handles (`struct mm_struct *`, `struct hmmkit_machine *`, notifier structs) are looked up
/// in registries rather than trusted, so a stale or foreign pointer gets an errno and a message,
/// not a crash.
enum CAPI {
  /// The text `hmmkit_last_error()` returns.
  nonisolated(unsafe) static var lastError = ""
  /// A stable C copy of ``lastError``.
  nonisolated(unsafe) static var lastErrorBuffer: UnsafeMutablePointer<CChar> = {
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 4096)
    buffer[0] = 0
    return buffer
  }()
  /// Bad calls reported so far.
  nonisolated(unsafe) static var badCalls = 0
  /// Live machines by handle.
  nonisolated(unsafe) static var machines: [UInt: CMachine] = [:]
  /// The machine created last (page and folio helpers, which take no machine, use it).
  nonisolated(unsafe) static var current: CMachine?
  /// Processes by handle.
  nonisolated(unsafe) static var processes: [UInt: CProcess] = [:]
  /// Inserted notifiers by the address of their C struct.
  nonisolated(unsafe) static var notifiers: [UInt: CNotifier] = [:]
  /// C structs of notifiers that were removed (for the use-after-remove message).
  nonisolated(unsafe) static var removedNotifiers: Set<UInt> = []
  /// How deep the model is in a driver callback (invalidate, migrate_to_ram).
  nonisolated(unsafe) static var invalidateDepth = 0
  /// Mutexes held now.
  nonisolated(unsafe) static var heldMutexes = 0

  /// `ESRCH`.
  static let ESRCH = Errno(rawValue: 3)
  /// `EDEADLK`.
  static let EDEADLK = Errno(rawValue: 35)

  /// Records a harness error or bad call: `hmmkit: FUNCTION: MESSAGE`, on stderr and in
  /// `hmmkit_last_error()`.
  static func report(_ function: String, _ message: String) {
    badCalls += 1
    setError("\(function): \(message)")
    printError("hmmkit: \(lastError)\n")
  }

  /// Writes `text` to standard error (file descriptor 2, unbuffered).
  static func printError(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
      if written <= 0 { return }
      offset += written
    }
  }

  /// Sets ``lastError`` without printing.
  static func setError(_ text: String) {
    lastError = text
    copy(text, to: lastErrorBuffer, size: 4096)
  }

  /// Reports a bad call and returns the negative errno.
  static func fail(_ function: String, _ message: String, _ errno: Errno) -> Int32 {
    report(function, "\(message) (-\(errno.name))")
    return -errno.rawValue
  }

  /// Copies `text` into a C buffer of `size` bytes, NUL-terminated.
  static func copy(_ text: String, to buffer: UnsafeMutablePointer<CChar>?, size: Int) {
    guard let buffer, size > 0 else { return }
    var count = 0
    for byte in text.utf8 where count < size - 1 {
      buffer[count] = CChar(bitPattern: byte)
      count += 1
    }
    buffer[count] = 0
  }

  /// The key of a pointer in the registries.
  static func key(_ pointer: UnsafeRawPointer) -> UInt { UInt(bitPattern: pointer) }

  /// The process behind `mm`, or nil after reporting why not.
  static func process(_ mm: OpaquePointer?, _ function: String) -> CProcess? {
    guard let mm else {
      report(function, "mm is NULL")
      return nil
    }
    guard let process = processes[UInt(bitPattern: UnsafeRawPointer(mm))] else {
      report(function, "\(UnsafeRawPointer(mm)) is not a process of a live machine (from hmmkit_process_create)")
      return nil
    }
    return process
  }

  /// The machine behind a handle, or nil after reporting why not.
  static func machine(_ handle: OpaquePointer?, _ function: String) -> CMachine? {
    guard let handle else {
      report(function, "machine is NULL")
      return nil
    }
    guard let machine = machines[UInt(bitPattern: UnsafeRawPointer(handle))] else {
      report(function, "\(UnsafeRawPointer(handle)) is not a live machine (from hmmkit_machine_create)")
      return nil
    }
    return machine
  }

  /// The inserted notifier of a C struct, or nil after reporting why not (NULL, never
  /// inserted, used after `mmu_interval_notifier_remove()`).
  static func notifier(_ pointer: UnsafeMutablePointer<mmu_interval_notifier>?, _ function: String) -> CNotifier? {
    guard let pointer else {
      report(function, "the notifier is NULL")
      return nil
    }
    let key = key(pointer)
    if let notifier = notifiers[key] { return notifier }
    if removedNotifiers.contains(key) {
      report(function, "notifier \(pointer) was removed (mmu_interval_notifier_remove); insert it again first")
    } else {
      report(function, "notifier \(pointer) was never inserted (mmu_interval_notifier_insert)")
    }
    return nil
  }

  /// Whether no driver callback (invalidate, the oracle's report) is running; reports the call
  /// otherwise: the model is in the middle of changing page tables there, and the kernel would
  /// deadlock on the mmap lock.
  static func outsideCallbacks(_ function: String) -> Bool {
    guard invalidateDepth == 0 else {
      report(function, "called from inside an invalidate or report callback (the kernel would deadlock on the mmap lock)")
      return false
    }
    return true
  }

  /// A C string as a Swift string (nil for NULL).
  static func string(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
}
