import ArgumentParser
import Exploration
import Foundation
import HMM
import Scenarios

extension HMMKitCommand {
  /// `hmmkit explore FILE`: every interleaving of a device operation with racing CPU commands.
  struct Explore: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run every interleaving of a scenario's device operation with its racing CPU commands (docs/explore.md).",
      discussion: """
        The scenario marks one device operation and the CPU commands that race it between \
        '#> concurrent' and '#> end'. Each interleaving runs on a fresh machine and is checked: \
        invariants, safety oracle, the data the device read, the '#> allow' outcomes, and that \
        the driver loop ends within its retry budget. A failing interleaving is printed as a \
        replay scenario ('#> at' lines pin each command), which this command runs again.

        Exit status: 0 when every interleaving passes, 1 when one fails, 2 for a usage or parse error.
        """)

    @Argument(help: "The scenario file.")
    var file: String

    @Option(help: "Driver loop of the operation's device: \(DriverLoopVariant.allCases.map(\.rawValue).joined(separator: ", ")) (overrides '#> loop').")
    var loop: String?

    @Option(help: "The most interleavings to run.")
    var maxInterleavings = 100_000

    @Option(help: "Failing interleavings to print as replays.")
    var replays = 1

    @Option(help: "Write the first failing interleaving's replay scenario to this file.")
    var replayFile: String?

    @Option(
      name: .customLong("memory-mib"), parsing: .unconditional,
      help: "Physical memory of the simulated machine, in MiB (4 to 262144), unless the scenario sets 'system memory='.")
    var memoryMiB: String = "4096"

    func run() throws {
      var variant: DriverLoopVariant?
      if let loop {
        guard let chosen = DriverLoopVariant(rawValue: loop) else {
          throw ValidationError("--loop \(loop): not a driver loop; use one of \(DriverLoopVariant.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        variant = chosen
      }
      guard maxInterleavings > 0 else { throw ValidationError("--max-interleavings must be at least 1") }
      guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
        FileHandle.standardError.write(Data("error: cannot read \(file) as UTF-8 text\n".utf8))
        throw ExitCode(2)
      }
      let report: Explorer.Report
      let scenario: ExplorationScenario
      let started = DispatchTime.now().uptimeNanoseconds
      do {
        scenario = try ExplorationScenario.parse(text, file: file)
        var options = ScenarioRunner.Options(checkInvariants: false)
        options.memoryBytes = try MemoryOption.validated(memoryMiB, range: MemoryOption.runRange)
        let explorer = Explorer(scenario: scenario, options: options, maxInterleavings: maxInterleavings, loop: variant,
                                keptFailures: max(1, replays))
        report = try explorer.run()
      } catch let error as ExplorationError {
        FileHandle.standardError.write(Data((error.description + "\n").utf8))
        throw ExitCode(2)
      }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
      let cpu = scenario.cpuCommands.map { "`\($0.text)`" }.joined(separator: ", ")
      print("\(file): `\(scenario.operation.text)` (loop \(report.loop.rawValue)) racing \(cpu)")
      print("\(report.interleavings) interleavings\(report.complete ? " (all)" : " (stopped at --max-interleavings)"), \(report.inside) with a command inside the operation, \(report.failing) failing, \(String(format: "%.2f", seconds)) s")
      for (outcome, count) in report.outcomeCounts.sorted(by: { $0.key < $1.key }) { print("  allow \(outcome): \(count)") }
      for (index, failure) in report.failures.prefix(replays).enumerated() {
        print("failing interleaving \(index + 1): " + failure.placements.map(\.description).joined(separator: ", "))
        for line in Self.summary(failure.findings) { print("  " + line) }
        print("replay:")
        print(scenario.replay(failure, loop: report.loop), terminator: "")
      }
      if let replayFile, let first = report.failures.first {
        try Data(scenario.replay(first, loop: report.loop).utf8).write(to: URL(fileURLWithPath: replayFile))
      }
      if report.failing > 0 { throw ExitCode(1) }
    }

    /// The findings, at most three of each kind, with a count of the rest.
    static func summary(_ findings: [ExplorationFinding]) -> [String] {
      var lines: [String] = []
      var shown: [ExplorationFinding.Kind: Int] = [:]
      var hidden: [ExplorationFinding.Kind: Int] = [:]
      var order: [ExplorationFinding.Kind] = []
      for finding in findings {
        if shown[finding.kind] == nil && hidden[finding.kind] == nil { order.append(finding.kind) }
        if shown[finding.kind, default: 0] < 3 {
          shown[finding.kind, default: 0] += 1
          lines.append("\(finding.kind.rawValue): \(finding.detail)")
        } else {
          hidden[finding.kind, default: 0] += 1
        }
      }
      for kind in order where hidden[kind, default: 0] > 0 { lines.append("\(kind.rawValue): ... and \(hidden[kind]!) more") }
      return lines
    }
  }
}
