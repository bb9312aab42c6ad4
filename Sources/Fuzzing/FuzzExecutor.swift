import Scenarios

/// Runs fuzz cases in this process against a fresh model each, with the model's oracles after
/// every step: the invariant checker, the safety oracle and the policy differential.
public struct FuzzExecutor: Sendable {
  /// How often the invariant checker runs (1: after every step). The safety oracle always runs
  /// after every step; the end of a case is always checked.
  public var invariantInterval: Int
  /// Which cases ``Fuzzer`` ends with the full invariant check (every page table walked, every
  /// frame descriptor scanned) instead of the incremental one after their last step: those whose
  /// index is a multiple of this (1: every case). The two find the same violations by design;
  /// the full check audits the incremental one, which re-checks only what changed since its last
  /// check. ``run(_:fullCheckAtEnd:report:afterStep:)`` ends with the full check unless told not to.
  public var fullCheckInterval: Int
  /// Where the time goes, when set: each command's and each phase's thread CPU time is added.
  public var timings: FuzzTimings?

  /// Creates an executor.
  ///
  /// The first executor of a process also tunes the process's C heap (glibc's `mallopt`) to keep
  /// freed memory for the next case instead of returning it to the kernel (`HostHeap`): a
  /// process-wide setting, made once, that changes no result.
  public init(invariantInterval: Int = 1, fullCheckInterval: Int = FuzzExecutor.defaultFullCheckInterval, timings: FuzzTimings? = nil) {
    self.invariantInterval = max(1, invariantInterval)
    self.fullCheckInterval = max(1, fullCheckInterval)
    self.timings = timings
    HostHeap.keepFreedMemory()
  }

  /// The default of ``fullCheckInterval`` (and of `hmmkit fuzz --full-check-every`).
  public static let defaultFullCheckInterval = 16

  /// Whether case `index` of a run ends with the full invariant check (``fullCheckInterval``).
  public func endsWithFullCheck(caseIndex index: Int) -> Bool { index % fullCheckInterval == 0 }

  /// What running a case gave.
  public struct Outcome: Sendable {
    /// The first finding, if any.
    public var finding: FuzzFinding?
    /// Steps run (scenario commands; a differential check counts one per device).
    public var steps: Int
    /// For each step run, whether its command failed (an errno: allowed, not a finding).
    public var failed: [Bool]
  }

  /// Runs `steps` from a fresh machine and stops at the first finding; `report` hears the
  /// position (among the scenario commands) of each command the model refuses, at once;
  /// `afterStep` is called with each step's index and the session once the step's checks have
  /// passed (`hmmkit fuzz --trace` digests the state there). The last step is checked by the
  /// full invariant check when `fullCheckAtEnd` (the default: shrinking and replays always are),
  /// else by the incremental one.
  public func run(
    _ steps: [FuzzStep], fullCheckAtEnd: Bool = true, report: ((Int) -> Void)? = nil, afterStep: ((Int, ScenarioSession) -> Void)? = nil
  ) -> Outcome {
    // The machine `hmmkit run` gets unless the case's `system memory=` line says otherwise.
    var start = timings.map { _ in FuzzTimings.now() } ?? 0
    let session = ScenarioSession(options: ScenarioRunner.Options(checkInvariants: false))
    timings?.add("<session>", since: start)
    defer {
      start = timings.map { _ in FuzzTimings.now() } ?? 0
      session.discard()
      timings?.add("<shutdown>", since: start)
    }
    var count = 0
    var failed: [Bool] = []
    failed.reserveCapacity(steps.count)
    for (index, step) in steps.enumerated() {
      switch step {
      case .command(let command):
        count += 1
        start = timings.map { _ in FuzzTimings.now() } ?? 0
        let outcome = session.execute(command)
        timings?.add(command.keyword, since: start)
        if case .failed = outcome {
          failed.append(true)
          report?(count - 1)
        } else {
          failed.append(false)
        }
      case .compare(let devices, let range):
        count += devices.count
        start = timings.map { _ in FuzzTimings.now() } ?? 0
        defer { timings?.add("<compare>", since: start) }
        failed.append(false)
        // Each device's read compared with the first's page by page, not as byte arrays.
        if let difference = session.firstReadDifference(devices.lazy.map(\.name), range) {
          let detail = "\(difference.reference) and \(difference.device) read different data at byte \(difference.byte) of \(ScenarioPrinter.range(range))"
          return Outcome(finding: FuzzFinding(kind: .differential, step: index, detail: detail, signature: "differential"), steps: count, failed: failed)
        }
      }
      start = timings.map { _ in FuzzTimings.now() } ?? 0
      let oracle = session.oracleViolations()
      timings?.add("<oracle>", since: start)
      if let first = oracle.first {
        return Outcome(finding: FuzzFinding(kind: .oracle, step: index, detail: first, signature: "oracle " + Self.rule(first)), steps: count, failed: failed)
      }
      // Incremental after a step (what did not change since the last check is not walked or
      // scanned again), everything at the end of the case when asked.
      let last = index == steps.count - 1
      if index % invariantInterval == invariantInterval - 1 || last {
        let full = last && fullCheckAtEnd
        start = timings.map { _ in FuzzTimings.now() } ?? 0
        let violations = session.invariantViolations(incremental: !full)
        timings?.add(full ? "<invariants, full>" : "<invariants>", since: start)
        if let violation = violations.first {
          return Outcome(finding: FuzzFinding(kind: .invariant, step: index, detail: violation, signature: "invariant " + Self.rule(violation)), steps: count, failed: failed)
        }
      }
      afterStep?(index, session)
    }
    return Outcome(finding: nil, steps: count, failed: failed)
  }

  /// The rule a violation's text names: its first word (`map-count`, `invariant 1`).
  static func rule(_ text: String) -> String {
    let words = text.split(separator: " ", maxSplits: 2)
    guard let first = words.first else { return text }
    if first == "invariant", words.count > 1 { return "invariant \(words[1])" }
    return first.hasSuffix(":") ? String(first.dropLast()) : String(first)
  }
}

