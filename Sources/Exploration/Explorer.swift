import HMM
import MemoryModel
import Scenarios

/// Runs every interleaving of a scenario's device operation with its racing CPU commands
/// (bounded) and checks each: the model's invariants, the safety oracle, the data the device
/// read, the allowed outcomes, and that the driver loop ended within its retry budget.
///
/// The search is stateless (docs/explore.md): each interleaving runs on a fresh machine that
/// replays the scenario's prefix, then follows a list of decisions — at each interleaving point
/// the operation reaches, how many of the remaining CPU commands run there — and the next list
/// is the last decision with an untried option, advanced. The reduction: points under the driver
/// lock are not offered (an invalidation there waits for the unlock, so running a command there
/// is the same run as running it at the unlock), and a command that takes `mmap_write_lock` is
/// not offered inside `hmm_range_fault()` (the driver holds `mmap_read_lock` there).
public struct Explorer {
  /// The scenario.
  public var scenario: ExplorationScenario
  /// The machine every run starts from (as `hmmkit run` makes it).
  public var options: ScenarioRunner.Options
  /// The most interleavings run; the report says when the bound stopped the search.
  public var maxInterleavings: Int
  /// A driver loop for the operation's device that overrides the scenario's `#> loop`.
  public var loop: DriverLoopVariant?
  /// Failing interleavings kept in the report (all are counted).
  public var keptFailures: Int
  /// Whether the invariants are checked after every racing command (incrementally) as well as
  /// at the end of each interleaving (in full); the oracle runs after every command either way.
  public var invariantsAfterEachCommand = true

  /// Creates an explorer.
  public init(scenario: ExplorationScenario, options: ScenarioRunner.Options = ScenarioRunner.Options(checkInvariants: false),
              maxInterleavings: Int = 100_000, loop: DriverLoopVariant? = nil, keptFailures: Int = 3) {
    self.scenario = scenario
    self.options = options
    self.maxInterleavings = max(1, maxInterleavings)
    self.loop = loop
    self.keptFailures = keptFailures
  }

  /// What the search found.
  public struct Report: Sendable {
    /// Interleavings run.
    public var interleavings = 0
    /// Whether every interleaving was run (false: the bound stopped the search).
    public var complete = false
    /// Interleavings with at least one finding.
    public var failing = 0
    /// The first failing interleavings (up to ``Explorer/keptFailures``).
    public var failures: [Interleaving] = []
    /// How many interleavings met each `#> allow` outcome (by its text).
    public var outcomeCounts: [String: Int] = [:]
    /// Interleavings in which at least one racing command ran inside the operation.
    public var inside = 0
    /// The driver loop explored.
    public var loop = DriverLoopVariant.correct
    /// How many racing commands ran at each kind of point, over every interleaving.
    public var placementsByPoint: [DriverLoopPoint: Int] = [:]
  }

  /// Runs the search.
  /// - Throws: ``ExplorationError`` when the scenario's prefix does not run or the operation's
  ///   device does not exist.
  public func run() throws(ExplorationError) -> Report {
    var report = Report()
    report.loop = loop ?? scenario.loops[scenario.deviceName] ?? .correct
    var decisions: [Int] = []
    while report.interleavings < maxInterleavings {
      let run = try runOne(decisions)
      report.interleavings += 1
      let interleaving = run.interleaving
      var inside = false
      for case .at(let point, _) in interleaving.placements {
        report.placementsByPoint[point, default: 0] += 1
        inside = true
      }
      if inside { report.inside += 1 }
      for outcome in run.matched { report.outcomeCounts[outcome, default: 0] += 1 }
      if !interleaving.findings.isEmpty {
        report.failing += 1
        if report.failures.count < keptFailures { report.failures.append(interleaving) }
      }
      guard scenario.pinned == nil, let next = Self.next(run.taken, run.options) else {
        report.complete = true
        break
      }
      decisions = next
    }
    return report
  }

  /// The decision list after `taken`: the last decision with an untried option, advanced.
  static func next(_ taken: [Int], _ options: [Int]) -> [Int]? {
    var index = taken.count - 1
    while index >= 0 {
      if taken[index] + 1 < options[index] { return Array(taken[..<index]) + [taken[index] + 1] }
      index -= 1
    }
    return nil
  }

  struct Run {
    var interleaving: Interleaving
    var taken: [Int]
    var options: [Int]
    var matched: [String]
  }

  func runOne(_ decisions: [Int]) throws(ExplorationError) -> Run {
    let session = ScenarioSession(options: options)
    defer { session.shutdown() }
    for (index, statement) in scenario.prefix.enumerated() {
      if case .failed(let name) = session.execute(statement.command) {
        let allowed = index + 1 < scenario.prefix.count && { if case .expect(.error) = scenario.prefix[index + 1].command { true } else { false } }()
        if !allowed {
          throw ExplorationError(at: statement.location, "`\(statement.text)` failed (\(name)) before the concurrent block; the explorer needs a prefix that runs (check it with `hmmkit run`)")
        }
      }
    }
    if let violation = session.oracleViolations().first ?? session.invariantViolations().first {
      throw ExplorationError(at: scenario.operation.location, "the model is already inconsistent before the block: \(violation)")
    }
    guard let device = session.schedulableDevice(scenario.deviceName) else {
      throw ExplorationError(at: scenario.operation.location, "`\(scenario.deviceName)` is not a device or an open dmirror file when the block begins; define or open it before `#> concurrent`")
    }
    let state = RunState(scenario: scenario, session: session, decisions: decisions, budget: device.retryBudget)
    state.invariantsAfterEachCommand = invariantsAfterEachCommand
    // The data check: what the CPU had in each page the operation reads, at every moment of it.
    var dataRange: (start: VirtualAddress, end: VirtualAddress, space: AddressSpace)?
    if case .device(.dmirror(_, .read, let range?, _)) = scenario.operation.command, let space = device.space,
      let resolved = session.resolve(range) {
      dataRange = (resolved.start, resolved.end, space)
    }
    let before = state.choose(eligible: scenario.cpuCommands.count, occurrence: 0)
    for _ in 0..<before { state.runNext(.before, nested: false) }
    if let dataRange { state.snapshot = { session.cpuPages(dataRange.space, dataRange.start, dataRange.end) } }
    state.takeSnapshot()
    device.drive(loop ?? scenario.loops[scenario.deviceName] ?? .correct) { point in state.reached(point) }
    let outcome = session.execute(scenario.operation.command)
    device.drive(.correct, scheduler: nil)
    state.checkAfterOperation()
    var returnCode: Int32 = 0
    if case .failed(let name) = outcome {
      returnCode = Errno(name: name).map { -$0.rawValue } ?? -1
      if name == "expectation" {
        state.findings.append(ExplorationFinding(kind: .data, detail: "`\(scenario.operation.text)`: its own expectation failed (the device read other data)"))
      }
    }
    if let ioctl = session.lastIoctl(scenario.deviceName) { returnCode = ioctl.returnCode }
    if let dataRange, returnCode == 0, let ioctl = session.lastIoctl(scenario.deviceName) {
      state.checkData(ioctl.pages, start: dataRange.start)
    }
    while state.next < scenario.cpuCommands.count { state.runNext(.after, nested: false) }
    var matched: [String] = []
    for allowed in scenario.outcomes {
      if allowed.expectations.allSatisfy({ session.execute($0.command) == .completed }) { matched.append(allowed.text) }
    }
    if !scenario.outcomes.isEmpty && matched.isEmpty {
      state.findings.append(ExplorationFinding(kind: .outcome, detail: "no `#> allow` outcome holds (the operation returned \(returnCode))"))
    }
    for (index, statement) in scenario.suffix.enumerated() {
      let result = session.execute(statement.command)
      guard case .failed(let name) = result else { continue }
      if index + 1 < scenario.suffix.count, case .expect(.error) = scenario.suffix[index + 1].command { continue }
      state.findings.append(ExplorationFinding(kind: .outcome, detail: "\(statement.location): `\(statement.text)` failed (\(name)) after the block"))
      break
    }
    state.checkModel(nested: false, full: true)
    let interleaving = Interleaving(placements: state.placements, points: state.occurrence, findings: state.findings, returnCode: returnCode)
    return Run(interleaving: interleaving, taken: state.taken, options: state.options, matched: matched)
  }
}
