#if canImport(Glibc)
import Glibc
#endif
import LiveLinux
import MemoryModel
import Scenarios

/// The differential check of the model against the running kernel: `hmmkit crosscheck`.
///
/// ```swift
/// let report = try Crosscheck.run(path: "Scenarios/crosscheck/thp-fault.hmm")
/// print(report.textReport())
/// ```
///
/// Every CPU-side command of the scenario (read with the scenario language's parser,
/// `Scenarios.ScenarioParser`) runs in the memory model and, in lockstep, in a real helper
/// process (a `fork()` of this process, one per scenario process; a scenario `fork` forks the
/// helper; `LiveLinux.RealProcessGroup`). Model addresses map to real ones through a
/// ``CrosscheckWindow``: a reserved range of this process's address space, 1 GiB aligned, that
/// the helpers free, so that real regions sit at the model's offsets modulo 2 MiB and 1 GiB.
/// After each step both sides are read — the model's `AddressSpace.snapshot`, the helper
/// through live mode (`PAGEMAP_SCAN`, `pagemap`, `kpageflags`, `smaps`) — and compared page by
/// page (``CrosscheckAttribute``). Commands the real side cannot run are reported as not
/// compared, with the reason; background kernel work seen during a step (khugepaged,
/// shrinkers, failed THP allocations) marks the differences it could explain instead of
/// counting them.
///
/// To run many scenarios, open one ``CrosscheckSession`` and call its `run` for each: the
/// window, the pipes and the helpers' scratch page are set up once.
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

  /// Runs `scenario` in the model and for real and compares them after every step (a session
  /// of one scenario).
  /// - Throws: ``CrosscheckError`` when the machine cannot run crosschecks or the helpers cannot
  ///   start; disagreements are in the report, not errors.
  public static func run(_ scenario: Scenario) throws(CrosscheckError) -> CrosscheckReport {
    let session = try CrosscheckSession()
    defer { session.close() }
    return session.run(scenario)
  }

  /// Reads, parses and runs the scenario file at `path`.
  /// - Throws: ``CrosscheckError/scenario(_:)`` with the parser's diagnostics when the file
  ///   cannot be read or parsed (nothing runs); the errors of ``run(_:)``.
  public static func run(path: String) throws(CrosscheckError) -> CrosscheckReport {
    try run(try load(path: path))
  }

  /// Reads and parses the scenario file at `path`.
  /// - Throws: ``CrosscheckError/scenario(_:)`` with the parser's diagnostics.
  public static func load(path: String) throws(CrosscheckError) -> Scenario {
    do {
      let bytes = try ScenarioFiles.read(path)
      return try ScenarioParser.parse(bytes: bytes, file: path)
    } catch let error as ScenarioDiagnostic {
      throw .scenario(ScenarioParseError(diagnostics: [error]))
    } catch let error as ScenarioParseError {
      throw .scenario(error)
    } catch {
      throw .scenario(ScenarioParseError(diagnostics: [
        ScenarioDiagnostic(at: SourceLocation(file: path, line: 1, column: 1), "\(error)", accepted: "a readable scenario file")
      ]))
    }
  }
}
