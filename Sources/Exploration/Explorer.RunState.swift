import HMM
import MemoryModel
import Scenarios

extension Explorer {
  /// The scheduler of one run: follows the decision list at each interleaving point, runs the
  /// CPU commands it places there and checks the model after each.
  final class RunState {
    let scenario: ExplorationScenario
    let session: ScenarioSession
    let decisions: [Int]
    let budget: Int
    /// The decisions taken and how many options each had.
    var taken: [Int] = []
    var options: [Int] = []
    /// The next CPU command to run.
    var next = 0
    var placements: [Placement] = []
    /// Points reached so far.
    var occurrence = 0
    /// Attempts of the driver loop now running; whether one used the whole budget.
    var attempts = 0
    var exhausted = false
    var findings: [ExplorationFinding] = []
    var snapshot: (() -> [PageData?])?
    var snapshots: [[PageData?]] = []
    var invariantsAfterEachCommand = true

    init(scenario: ExplorationScenario, session: ScenarioSession, decisions: [Int], budget: Int) {
      self.scenario = scenario
      self.session = session
      self.decisions = decisions
      self.budget = budget
    }

    /// A choice point with `eligible` commands that may run here (at point number `occurrence`,
    /// 0 before the operation): how many run.
    func choose(eligible: Int, occurrence: Int) -> Int {
      guard eligible > 0 else { return 0 }
      let index = taken.count
      var decision = index < decisions.count ? min(decisions[index], eligible) : 0
      if let pinned = scenario.pinned {
        decision = 0
        while decision < eligible, pinned[next + decision].occurrence == occurrence { decision += 1 }
      }
      taken.append(decision)
      options.append(eligible + 1)
      return decision
    }

    /// The operation reached `point`.
    func reached(_ point: DriverLoopPoint) {
      occurrence += 1
      switch point {
      case .readBegin:
        attempts += 1
        if attempts >= budget { exhausted = true }
      case .program:
        attempts = 0
      default:
        break
      }
      guard !point.holdsDriverLock, next < scenario.cpuCommands.count else { return }
      var eligible = 0
      while next + eligible < scenario.cpuCommands.count {
        let need = scenario.cpuCommands[next + eligible].lockNeed
        if need == .teardown || (point.holdsMmapReadLock && need == .write) { break }
        eligible += 1
      }
      let count = choose(eligible: eligible, occurrence: occurrence)
      for _ in 0..<count { runNext(.at(point, occurrence: occurrence), nested: true) }
    }

    /// Runs the next CPU command (nested: from inside the operation).
    func runNext(_ placement: Placement, nested: Bool) {
      let statement = scenario.cpuCommands[next]
      next += 1
      placements.append(placement)
      _ = nested ? session.executeNested(statement.command) : session.execute(statement.command)
      checkModel(nested: nested)
      if nested { takeSnapshot() }
    }

    func takeSnapshot() {
      if let snapshot { snapshots.append(snapshot()) }
    }

    /// The oracle and the invariants (the incremental check, or the full one).
    func checkModel(nested: Bool, full: Bool = false) {
      let oracle = nested ? session.nestedOracleViolations() : session.oracleViolations()
      for violation in oracle where !findings.contains(where: { $0.detail == violation }) {
        findings.append(ExplorationFinding(kind: .oracle, detail: violation))
      }
      guard full || invariantsAfterEachCommand else { return }
      for violation in full ? session.invariantViolations() : session.incrementalInvariantViolations() where !findings.contains(where: { $0.detail == violation }) {
        findings.append(ExplorationFinding(kind: .invariant, detail: violation))
      }
    }

    /// After the operation: the model, and termination.
    func checkAfterOperation() {
      checkModel(nested: false)
      if exhausted {
        findings.append(ExplorationFinding(
          kind: .termination,
          detail: "the driver loop of \(scenario.deviceName) made \(budget) attempts, its whole retry budget, without committing: a livelock (the real driver spins until its timeout)"))
      }
    }

    /// Every page the device read must be what the CPU had at that address at some moment of
    /// the operation.
    func checkData(_ pages: [PageData], start: VirtualAddress) {
      for (index, page) in pages.enumerated() {
        let seen = snapshots.compactMap { index < $0.count ? $0[index] : nil }
        guard !seen.contains(where: { $0.sameBytes(as: page) }) else { continue }
        let address = start + UInt64(index) * 4096
        findings.append(ExplorationFinding(
          kind: .data,
          detail: "the device read page \(index) (0x\(String(address.rawValue, radix: 16))) with contents the CPU never had there during the operation"))
        return
      }
    }
  }
}
