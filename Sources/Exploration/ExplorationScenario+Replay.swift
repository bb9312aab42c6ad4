import HMM
import Scenarios

extension ExplorationScenario {
  /// The scenario with every CPU command of the block pinned where `interleaving` ran it
  /// (`#> at` lines), the loop that ran, and the findings as comments: `hmmkit explore` runs
  /// exactly that interleaving again.
  public func replay(_ interleaving: Interleaving, loop: DriverLoopVariant) -> String {
    var lines = ["# Replay of one interleaving of \(file) found by `hmmkit explore` (loop \(loop.rawValue)).",
                 "# Run it with `hmmkit explore THIS-FILE`; it shows:"]
    for finding in interleaving.findings.prefix(3) { lines.append("#   \(finding.kind.rawValue): \(finding.detail)") }
    if interleaving.findings.count > 3 { lines.append("#   ... and \(interleaving.findings.count - 3) more findings") }
    lines.append(contentsOf: prefix.map(\.text))
    if loop != .correct { lines.append("#> loop \(deviceName)=\(loop.rawValue)") }
    lines.append("#> concurrent")
    lines.append(operation.text)
    for (statement, placement) in zip(cpuCommands, interleaving.placements) {
      lines.append("#> at \(placement)")
      lines.append(statement.text)
    }
    lines.append("#> end")
    for outcome in outcomes { lines.append("#> allow: \(outcome.text)") }
    lines.append(contentsOf: suffix.map(\.text))
    return lines.joined(separator: "\n") + "\n"
  }
}
