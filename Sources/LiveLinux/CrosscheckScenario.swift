/// A scenario as `hmmkit crosscheck` reads it: the statements of a scenario-language file
/// (docs/scenario-language.md), reduced to what the model and a real process both run.
///
/// LiveLinux does not depend on the `Scenarios` target, so it reads the CPU-side subset of the
/// language itself (``CrosscheckLineReader``); `hmmkit crosscheck` checks every file with the
/// full parser first, so that a malformed file gets the language's own diagnostics.
public struct CrosscheckScenario: Hashable, Sendable {
  /// The file name used in reports.
  public var file: String
  /// The statements, one per non-empty line, in file order.
  public var statements: [CrosscheckStatement]

  /// Creates a scenario.
  public init(file: String, statements: [CrosscheckStatement]) {
    self.file = file
    self.statements = statements
  }

  /// Reads a scenario from its text.
  /// - Throws: ``CrosscheckParseError`` for the first line it does not understand.
  public static func parse(_ text: String, file: String) throws(CrosscheckParseError) -> CrosscheckScenario {
    var statements: [CrosscheckStatement] = []
    var number = 0
    var deviceSubjects: Set<String> = []
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      number += 1
      var line = Substring(rawLine)
      if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
      let trimmed = trim(line)
      if trimmed.isEmpty { continue }
      var reader = CrosscheckLineReader(text: trimmed, file: file, line: number, deviceSubjects: deviceSubjects)
      let operation = try reader.operation()
      if let subject = reader.definedDeviceSubject { deviceSubjects.insert(subject) }
      statements.append(CrosscheckStatement(operation: operation, text: trimmed, line: number))
    }
    return CrosscheckScenario(file: file, statements: statements)
  }

  /// Reads the scenario file at `path`.
  /// - Throws: ``CrosscheckParseError`` when it cannot be read or understood.
  public static func load(path: String) throws(CrosscheckParseError) -> CrosscheckScenario {
    #if canImport(Glibc)
    let text: String
    do {
      text = try ProcFile.readText(path, pid: nil)
    } catch {
      throw CrosscheckParseError(file: path, line: 0, message: "cannot read the file: \(error)")
    }
    return try parse(text, file: path)
    #else
    throw CrosscheckParseError(file: path, line: 0, message: "crosscheck runs only on Linux")
    #endif
  }

  /// `line` without leading and trailing blanks.
  private static func trim(_ line: Substring) -> String {
    var text = line
    while let first = text.first, first == " " || first == "\t" || first == "\r" { text = text.dropFirst() }
    while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
    return String(text)
  }
}
