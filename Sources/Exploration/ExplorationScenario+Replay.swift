import HMM
import Scenarios

extension ExplorationScenario {
  /// The scenario with every CPU command of the block pinned where `interleaving` ran it
  /// (`#> at` lines), the loop that ran, and the findings as comments: `hmmkit explore` runs
  /// exactly that interleaving again.
  public func replay(_ interleaving: Interleaving, loop: DriverLoopVariant) -> String {
    var lines = ["# Replay of one interleaving of \(file) found by `hmmkit explore` (loop \(loop.rawValue)).",
                 "# `hmmkit run THIS-FILE` runs it (the `#> at` lines pin each command); `hmmkit explore THIS-FILE` checks it. It shows:"]
    for finding in interleaving.findings.prefix(3) { lines.append("#   \(finding.kind.rawValue): \(finding.detail)") }
    if interleaving.findings.count > 3 { lines.append("#   ... and \(interleaving.findings.count - 3) more findings") }
    lines.append(contentsOf: prefix.map(\.text))
    if loop != .correct { lines.append("#> loop \(deviceName)=\(loop.rawValue)") }
    lines.append("#> concurrent")
    let pairs = Array(zip(cpuCommands, interleaving.placements))
    for (statement, placement) in pairs where placement == .before {
      lines.append("#> at before")
      lines.append(statement.text)
    }
    lines.append(operation.text)
    for (statement, placement) in pairs where placement != .before {
      lines.append("#> at \(placement)")
      lines.append(statement.text)
    }
    lines.append("#> end")
    for outcome in outcomes { lines.append("#> allow: \(outcome.text)") }
    if let first = outcomes.first, interleaving.findings.contains(where: { $0.kind == .outcome || $0.kind == .termination }) {
      lines.append("# The first allowed outcome, as plain expectations, so that `hmmkit run` shows it fail:")
      lines.append(contentsOf: first.expectations.map(\.text))
    }
    lines.append(contentsOf: suffix.map(\.text))
    return lines.joined(separator: "\n") + "\n"
  }
}
