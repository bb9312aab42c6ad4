#if canImport(Glibc)
import Glibc
#endif

/// Changes machine settings (`/proc/sys/vm/nr_hugepages`, THP and shmem knobs) for a while and
/// puts them back: it holds an exclusive `flock` on ``lockPath`` from the first change to
/// ``restore()`` (other HMMKit processes on the machine wait for it), remembers each file's
/// value before the first change, and writes the old values back in ``restore()``, in `deinit`,
/// and — from a signal handler that uses only `open`, `write` and `close` — when `SIGINT`,
/// `SIGTERM`, `SIGHUP` or `SIGQUIT` arrives, before the signal's default action runs.
///
/// One guard at a time per process (a second one waits for the lock like any other process).
public final class KernelSettingsGuard {
  /// The lock every HMMKit process takes while it has a setting changed.
  public static let lockPath = "/tmp/hmmkit-kernel-settings.lock"
  /// How long ``set(_:to:)`` waits for the lock before it gives up, in seconds.
  public static let lockTimeout = 60

  private var lockDescriptor: Int32 = -1
  private var originals: [(path: String, value: String)] = []
  #if canImport(Glibc)
  private var previousHandlers: [(Int32, sigaction)] = []
  #endif

  /// Creates a guard that has changed nothing yet.
  public init() {}

  deinit { restore() }

  /// The current content of a settings file, without the trailing newline.
  public static func read(_ path: String) -> String? {
    guard let text = try? ProcFile.readText(path, pid: nil) else { return nil }
    return text.hasSuffix("\n") ? String(text.dropLast()) : text
  }

  /// Writes `value` to the settings file `path`, taking the lock and remembering the old value
  /// first.
  /// - Throws: ``RealProcessError/systemCall(_:errno:)`` when the lock cannot be taken in
  ///   ``lockTimeout`` seconds or the file cannot be written (nothing is changed then).
  public func set(_ path: String, to value: String) throws(RealProcessError) {
    #if canImport(Glibc)
    try takeLock()
    if !originals.contains(where: { $0.path == path }) {
      guard let old = Self.read(path) else { throw .systemCall("read \(path)", errno: errno) }
      // The bracketed choice of a sysfs list ("always [madvise] never") is what is written back.
      let restorable = Self.selected(old)
      originals.append((path, restorable))
      Self.publish(originals)
      installHandlers()
    }
    guard Self.write(path, value) else { throw .systemCall("write '\(value)' to \(path)", errno: errno) }
    #else
    throw .unavailable("not Linux")
    #endif
  }

  /// Takes the lock without changing anything, so that no other HMMKit process changes a
  /// setting until ``restore()``: a crosscheck run holds it from before it reads the kernel's
  /// settings to its end, so that another run's hugetlb pool or THP knob cannot leak into it.
  /// - Throws: ``RealProcessError/systemCall(_:errno:)`` when the lock cannot be taken in
  ///   ``lockTimeout`` seconds.
  public func hold() throws(RealProcessError) {
    #if canImport(Glibc)
    try takeLock()
    #else
    throw .unavailable("not Linux")
    #endif
  }

  /// Writes every changed setting back (last changed first), then releases the lock and the
  /// signal handlers. Safe to call twice.
  public func restore() {
    #if canImport(Glibc)
    for entry in originals.reversed() { _ = Self.write(entry.path, entry.value) }
    originals.removeAll()
    Self.publish([])
    for (signal, action) in previousHandlers {
      var old = action
      sigaction(signal, &old, nil)
    }
    previousHandlers.removeAll()
    if lockDescriptor >= 0 {
      flock(lockDescriptor, LOCK_UN)
      close(lockDescriptor)
      lockDescriptor = -1
    }
    #endif
  }

  /// `madvise` for `always [madvise] never`; the text itself otherwise.
  static func selected(_ text: String) -> String {
    guard let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]"), open < close else { return text }
    return String(text[text.index(after: open)..<close])
  }

  #if canImport(Glibc)
  private func takeLock() throws(RealProcessError) {
    guard lockDescriptor < 0 else { return }
    let descriptor = open(Self.lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw .systemCall("open \(Self.lockPath)", errno: errno) }
    var waited = 0
    while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK || errno == EINTR, waited < Self.lockTimeout * 1000 else {
        let code = errno
        close(descriptor)
        throw .systemCall("flock \(Self.lockPath) (held by another process for \(Self.lockTimeout) s)", errno: code)
      }
      // Every millisecond: a crosscheck session releases the lock between two runs only
      // briefly, and a slower poll would rarely see it free.
      usleep(1_000)
      waited += 1
    }
    lockDescriptor = descriptor
  }

  private static func write(_ path: String, _ value: String) -> Bool {
    let descriptor = open(path, O_WRONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    let bytes = Array(value.utf8)
    return bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) } == bytes.count
  }

  private func installHandlers() {
    guard previousHandlers.isEmpty else { return }
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
      var action = sigaction()
      action.__sigaction_handler.sa_handler = { number in
        KernelSettingsGuard.restoreFromSignal()
        Glibc.signal(number, SIG_DFL)
        raise(number)
      }
      var old = sigaction()
      sigaction(signal, &action, &old)
      previousHandlers.append((signal, old))
    }
  }

  // The restore table a signal handler reads: up to 8 (path, value) pairs of NUL-terminated
  // bytes, 256 bytes each, and their count, in memory allocated once.
  private static let slots = 8
  private static let slotSize = 256
  nonisolated(unsafe) private static let table: UnsafeMutablePointer<UInt8> = {
    let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * slots * slotSize)
    pointer.initialize(repeating: 0, count: 2 * slots * slotSize)
    return pointer
  }()
  nonisolated(unsafe) private static var tableCount = 0

  private static func publish(_ entries: [(path: String, value: String)]) {
    tableCount = 0
    for (index, entry) in entries.prefix(slots).enumerated() {
      for (offset, text) in [entry.path, entry.value].enumerated() {
        let base = table + (2 * index + offset) * slotSize
        let bytes = Array(text.utf8.prefix(slotSize - 1))
        for (i, byte) in bytes.enumerated() { base[i] = byte }
        base[bytes.count] = 0
      }
    }
    tableCount = min(entries.count, slots)
  }

  /// Writes the published originals back; async-signal-safe (open, write, close only).
  private static func restoreFromSignal() {
    var index = tableCount - 1
    while index >= 0 {
      let path = UnsafeRawPointer(table + 2 * index * slotSize).assumingMemoryBound(to: CChar.self)
      let value = table + (2 * index + 1) * slotSize
      var length = 0
      while value[length] != 0 { length += 1 }
      let descriptor = open(path, O_WRONLY)
      if descriptor >= 0 {
        _ = Glibc.write(descriptor, value, length)
        close(descriptor)
      }
      index -= 1
    }
  }
  #endif
}
