/// `hmmkit run` and `hmmkit check` as library calls: read, parse, and (for `run`) execute
/// scenario files.
public enum ScenarioBatch {
  /// Parses every file of `paths` (directories expand to their `.hmm` files) without running.
  public static func check(paths: [String]) -> BatchResult {
    BatchResult(mode: .check, files: parse(paths).map(\.result))
  }

  /// Parses every file of `paths`; if all parse, runs each from a fresh machine. If any file
  /// cannot be read or parsed, nothing runs.
  public static func run(paths: [String], options: ScenarioRunner.Options = ScenarioRunner.Options()) -> BatchResult {
    let parsed = parse(paths)
    if parsed.contains(where: { $0.scenario == nil }) || parsed.isEmpty {
      return BatchResult(mode: .run, files: parsed.map(\.result))
    }
    let runner = ScenarioRunner(options: options)
    return BatchResult(
      mode: .run, files: parsed.compactMap { $0.scenario }.map { runner.run($0) })
  }

  /// Reads and parses each file.
  private static func parse(_ paths: [String]) -> [(result: ScenarioResult, scenario: Scenario?)] {
    ScenarioFiles.expand(paths).map { path in
      do {
        let bytes = try ScenarioFiles.read(path)
        let scenario = try parseBytes(bytes, path)
        return (ScenarioResult(file: path, statementCount: scenario.statements.count), scenario)
      } catch let error as ScenarioDiagnostic {
        return (ScenarioResult(file: path, diagnostics: [error]), nil)
      } catch let error as ScenarioParseError {
        return (ScenarioResult(file: path, diagnostics: error.diagnostics), nil)
      } catch {
        return (
          ScenarioResult(
            file: path,
            diagnostics: [
              ScenarioDiagnostic(
                at: SourceLocation(file: path, line: 1, column: 1), "\(error)", accepted: "expected a scenario file")
            ]), nil
        )
      }
    }
  }

  private static func parseBytes(_ bytes: [UInt8], _ path: String) throws(ScenarioParseError) -> Scenario {
    try ScenarioParser.parse(bytes: bytes, file: path)
  }
}
