#if canImport(Glibc)
import Glibc
#endif
import MemoryModel

/// The differential check of the model against the running kernel: `hmmkit crosscheck`.
///
/// ```swift
/// let scenario = try CrosscheckScenario.load(path: "Scenarios/crosscheck/thp-fault.hmm")
/// let report = try Crosscheck.run(scenario)
/// print(report.textReport())
/// ```
///
/// Every CPU-side command of the scenario runs in the memory model and, in lockstep, in a real
/// helper process (a `fork()` of this process, one per scenario process; a scenario `fork` forks
/// the helper). Model addresses map to real ones through a ``CrosscheckWindow``: a reserved
/// range of this process's address space, 1 GiB aligned, that the helpers free, so that real
/// regions sit at the model's offsets modulo 2 MiB and 1 GiB. After each step both sides are
/// read — the model's `AddressSpace.snapshot`, the helper through live mode
/// (`PAGEMAP_SCAN`, `pagemap`, `kpageflags`, `smaps`) — and compared page by page
/// (``CrosscheckAttribute``). Commands the real side cannot run are reported as not compared,
/// with the reason; background kernel work seen during a step (khugepaged, shrinkers, failed
/// THP allocations) marks the differences it could explain instead of counting them.
public enum Crosscheck {
  /// Why this machine cannot run crosschecks (not Linux, not root, no THP, THP `never`), or nil.
  public static func unavailabilityReason() -> String? {
    #if os(Linux)
    if geteuid() != 0 {
      return "not root: PFNs, /proc/kpageflags and PG_anon_exclusive need CAP_SYS_ADMIN"
    }
    let settings = TransparentHugePageSettings.current()
    guard let mode = settings.enabled else { return "this kernel has no transparent huge pages" }
    if !settings.allowsMadvisedTHP { return "THP is '\(mode)' (crosschecks need 'madvise' or 'always')" }
    return nil
    #else
    return "not Linux"
    #endif
  }

  /// Runs `scenario` in the model and for real and compares them after every step.
  /// - Throws: ``CrosscheckError`` when the machine cannot run crosschecks or the helpers cannot
  ///   start; disagreements are in the report, not errors.
  public static func run(_ scenario: CrosscheckScenario) throws(CrosscheckError) -> CrosscheckReport {
    #if canImport(Glibc)
    if let reason = unavailabilityReason() { throw .unavailable(reason) }
    let thp = TransparentHugePageSettings.current().enabled.flatMap { MemorySystem.THPMode(rawValue: $0) }
    let (window, reservation) = try reserveWindow()
    let group: RealProcessGroup
    do {
      group = try RealProcessGroup(windowStart: window.realStart, windowSize: window.size, reservation: reservation)
    } catch {
      munmap(reservation.0, reservation.1)
      throw error
    }
    defer { group.shutdown() }
    let release = (try? LiveProcessSource(pid: nil))?.kernelRelease
    let runner = CrosscheckRunner(scenario: scenario, window: window, real: group, kernelTHP: thp, kernelRelease: release)
    return runner.run()
    #else
    throw .unavailable("not Linux")
    #endif
  }

  /// Reads and runs the scenario file at `path`.
  public static func run(path: String) throws(CrosscheckError) -> CrosscheckReport {
    let scenario: CrosscheckScenario
    do {
      scenario = try CrosscheckScenario.load(path: path)
    } catch {
      throw .scenario(error)
    }
    return try run(scenario)
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
