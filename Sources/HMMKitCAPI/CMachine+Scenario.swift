import MemoryModel
import Scenarios

extension CMachine {
  /// A registered machine of `memoryMiB` with THP `thp`, or nil after reporting why not.
  static func make(memoryMiB: UInt64, thp: String, function: String) -> CMachine? {
    let session = ScenarioSession(options: ScenarioRunner.Options(memoryBytes: memoryMiB << 20, checkInvariants: false))
    let machine = CMachine(session: session)
    guard machine.runText("system memory=\(memoryMiB)M thp=\(thp)\n", file: "<machine>", function: function) == 0 else { return nil }
    _ = machine.system
    machine.register()
    return machine
  }

  /// Parses and runs scenario text: the number of failed statements, or a negative errno.
  ///
  /// The parser checks names against what the file defined, so the text is parsed after every
  /// scenario text the machine ran before (``history``: its processes, regions, files) and only
  /// its own statements run.
  func runText(_ text: String, file: String, function: String) -> Int32 {
    let combined = history.isEmpty ? text : history + (history.hasSuffix("\n") ? "" : "\n") + text
    let scenario: Scenario
    do {
      scenario = try ScenarioParser.parse(combined, file: file)
    } catch {
      // Line numbers of the text alone, when it is wrong on its own.
      do {
        _ = try ScenarioParser.parse(text, file: file)
        return CAPI.fail(function, "\n\(error)\n(line numbers count from the start of the scenario text this machine ran before, \(historyLines) lines)", .EINVAL)
      } catch let alone {
        return CAPI.fail(function, "\n\(alone)", .EINVAL)
      }
    }
    var failed: Int32 = 0
    for statement in scenario.statements.dropFirst(historyStatements) {
      if case .failed(let name) = session.execute(statement.command) {
        failed += 1
        var location = statement.location
        location.line -= historyLines
        CAPI.report(function, "\(location): \(statement.text): failed (\(name))")
      }
    }
    history = combined.hasSuffix("\n") ? combined : combined + "\n"
    historyLines = history.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    historyStatements = scenario.statements.count
    return failed
  }
}
