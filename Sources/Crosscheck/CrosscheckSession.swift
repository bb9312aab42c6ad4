#if canImport(Glibc)
import Glibc
#endif
import LiveLinux
import MemoryModel
import Scenarios

/// A crosscheck set up once for many scenarios: the reserved address window, the helpers'
/// pipes and scratch page, the kernel's THP mode and release are prepared by ``init()``; each
/// ``run(_:)`` then forks its helpers, runs one scenario in a fresh model and for real, and ends
/// the helpers again.
///
/// ```swift
/// let session = try CrosscheckSession()
/// defer { session.close() }
/// for scenario in scenarios { let report = session.run(scenario) … }
/// ```
///
/// Not thread-safe: one thread drives a session. A process that also inspects its own memory
/// meanwhile serializes the two with `LiveLinux.HelperForkLock` (the test suite does).
public final class CrosscheckSession {
  /// Where the real processes map the model's addresses.
  public let window: CrosscheckWindow
  /// The kernel's THP mode, which every scenario's model starts with.
  public let kernelTHP: MemorySystem.THPMode?
  /// The kernel release (`uname -r`).
  public let kernelRelease: String?
  private let group: RealProcessGroup
  private var closed = false

  /// Checks that this machine can run crosschecks, reserves the window and prepares the
  /// helpers' pipes.
  /// - Throws: ``CrosscheckError/unavailable(_:)`` (not Linux, not root, no THP),
  ///   ``CrosscheckError/systemCall(_:errno:)`` or ``CrosscheckError/realProcess(_:)``.
  public init() throws(CrosscheckError) {
    #if canImport(Glibc)
    if let reason = Crosscheck.unavailabilityReason() { throw .unavailable(reason) }
    kernelTHP = TransparentHugePageSettings.current().enabled.flatMap { MemorySystem.THPMode(rawValue: $0) }
    kernelRelease = (try? LiveProcessSource(pid: nil))?.kernelRelease
    let reserved: (CrosscheckWindow, (UnsafeMutableRawPointer, Int))
    do {
      reserved = try Self.reserveWindow()
    } catch {
      throw error
    }
    window = reserved.0
    do {
      group = try RealProcessGroup(windowStart: window.realStart, windowSize: window.size, reservation: reserved.1)
    } catch {
      munmap(reserved.1.0, reserved.1.1)
      throw .realProcess(error)
    }
    #else
    throw .unavailable("not Linux")
    #endif
  }

  deinit { close() }

  /// Runs `scenario` in a fresh model and in fresh helper processes, comparing them after every
  /// step. Failures of the real side become steps that are not compared, with the reason.
  public func run(_ scenario: Scenario) -> CrosscheckReport {
    precondition(!closed, "CrosscheckSession.run after close()")
    // The settings lock for the whole run: the kernel settings the model starts from (THP
    // knobs, hugetlb pools) stay as read until the run ends (the runner's restore releases it).
    let guardian = KernelSettingsGuard()
    var lockNote: String?
    do {
      try guardian.hold()
    } catch {
      lockNote = "the settings lock was not taken (\(error)): another process may change kernel settings during this run"
    }
    let thp = TransparentHugePageSettings.current().enabled.flatMap { MemorySystem.THPMode(rawValue: $0) } ?? kernelTHP
    let runner = CrosscheckRunner(scenario: scenario, window: window, real: group, kernelTHP: thp,
                                  kernelRelease: kernelRelease)
    runner.settings = guardian
    if let lockNote { runner.notes.append(lockNote) }
    return runner.run()
  }

  /// Runs `scenario` with `file` as the name its report shows (a generated scenario has no
  /// file of its own).
  public func run(_ scenario: Scenario, file: String) -> CrosscheckReport {
    var named = scenario
    named.file = file
    return run(named)
  }

  /// Runs statements built in memory (for instance by a generator), named `file` in the report.
  public func run(statements: [Statement], file: String = "<generated>") -> CrosscheckReport {
    run(Scenario(file: file, statements: statements))
  }

  /// Ends the helpers, frees the window and the pipes. Safe to call twice.
  public func close() {
    guard !closed else { return }
    closed = true
    group.shutdown()
  }

  #if canImport(Glibc)
  /// Reserves (`PROT_NONE`, `MAP_NORESERVE`) a 1 GiB-aligned range for the window: the whole
  /// ``CrosscheckWindow/modelRange``, or its top part where the address space is limited.
  private static func reserveWindow() throws(CrosscheckError) -> (CrosscheckWindow, (UnsafeMutableRawPointer, Int)) {
    let gigabyte: UInt64 = 1 << 30
    let range = CrosscheckWindow.modelRange
    let modelEnd = range.start + range.size
    for size in [range.size, 64 << 30, 8 << 30] {
      let total = Int(size + gigabyte)
      guard let raw = mmap(nil, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), raw != MAP_FAILED else {
        continue
      }
      let base = UInt64(UInt(bitPattern: raw))
      let aligned = (base + gigabyte - 1) & ~(gigabyte - 1)
      // The model's mappings sit just below mmapBase: a smaller window keeps that part.
      let modelStart = size == range.size ? range.start : AddressSpace.mmapBase.rawValue - size / 2
      let window = CrosscheckWindow(modelStart: min(modelStart, modelEnd - size), realStart: aligned, size: size)
      return (window, (raw, total))
    }
    throw .systemCall("mmap of the crosscheck window (PROT_NONE, MAP_NORESERVE)", errno: errno)
  }
  #endif
}
