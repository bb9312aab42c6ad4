/// Parses the tokens of one scenario line into a ``Command``.
///
/// One instance parses one line; it never looks at other lines (name checks are done by
/// ``ScenarioValidator``). Every failure is a ``ScenarioDiagnostic`` that points at the token
/// at fault, or at the end of the line for a missing argument.
struct LineParser {
  /// The tokens of the line (comments removed).
  let tokens: [Token]
  /// The file name for locations.
  let file: String
  /// The 1-based line number.
  let line: Int
  /// Names declared by `device` lines so far: `NAME: ...` is a device command.
  let deviceNames: Set<String>
  /// Names of dmirror files opened so far (`P: FD = open ...`): `FD: ...` is an ioctl.
  let dmirrorNames: Set<String>
  /// The index of the next token to consume.
  var position = 0

  /// Creates a parser for one line's tokens.
  init(tokens: [Token], file: String, line: Int, deviceNames: Set<String> = [], dmirrorNames: Set<String> = []) {
    self.tokens = tokens
    self.file = file
    self.line = line
    self.deviceNames = deviceNames
    self.dmirrorNames = dmirrorNames
  }

  /// The top-level keywords, for messages.
  static let topLevelCommands = "process, file, system, split, hmm, notifier, device, expect, or 'PROCESS: command'"

  /// The commands a process prefix accepts, for messages.
  static let processCommands =
    "mmap, munmap, mprotect, madvise, mremap, fork, exit, kill, waitpid, read, write, collapse or snapshot"

  // MARK: Cursor

  /// The location of `token`.
  func location(_ token: Token) -> SourceLocation {
    SourceLocation(file: file, line: line, column: token.column)
  }

  /// The location just past the last token: where a missing argument belongs.
  var endLocation: SourceLocation {
    SourceLocation(file: file, line: line, column: tokens.last.map(\.endColumn) ?? 1)
  }

  /// The next token, not consumed.
  var peek: Token? { position < tokens.count ? tokens[position] : nil }

  /// The token after the next one, not consumed.
  var peekSecond: Token? { position + 1 < tokens.count ? tokens[position + 1] : nil }

  /// Whether every token has been consumed.
  var atEnd: Bool { position >= tokens.count }

  /// Consumes and returns the next token.
  mutating func advance() -> Token? {
    guard position < tokens.count else { return nil }
    position += 1
    return tokens[position - 1]
  }

  /// A diagnostic at `token`, or at the end of the line when `token` is nil.
  func error(at token: Token?, _ problem: String, accepted: String) -> ScenarioDiagnostic {
    ScenarioDiagnostic(at: token.map(location) ?? endLocation, problem, accepted: accepted)
  }

  /// Fails unless every token has been consumed.
  ///
  /// - Parameter form: the form of the command just parsed, for the message.
  func expectEnd(after form: String) throws(ScenarioDiagnostic) {
    guard let token = peek else { return }
    if token.kind == .minus {
      throw error(
        at: token, "unexpected '-' after '\(form)': negative numbers and subtraction are not supported",
        accepted: "expected the end of the line or a '#' comment")
    }
    throw error(
      at: token, "unexpected \(token.quoted) after '\(form)'",
      accepted: "expected the end of the line or a '#' comment")
  }

  // MARK: Dispatch

  /// Parses the whole line.
  mutating func parseCommand() throws(ScenarioDiagnostic) -> Command {
    guard let first = peek else {
      throw error(at: nil, "empty command", accepted: "expected \(Self.topLevelCommands)")
    }
    if first.kind == .word, peekSecond?.kind == .colon {
      return try parseProcessCommand()
    }
    guard first.kind == .word else {
      throw error(
        at: first, "expected a command, found \(first.quoted)",
        accepted: "expected \(Self.topLevelCommands)")
    }
    switch first.text {
    case "process": return try parseProcess()
    case "file": return try parseFile()
    case "system": return try parseSystem()
    case "split":
      _ = advance()
      try expectEnd(after: "split")
      return .split
    case "expect": return try parseExpect()
    case "hmm": return try parseHMM()
    case "notifier": return try parseNotifier()
    case "device": return try parseDevice()
    case "devices":
      _ = advance()
      try expectEnd(after: "devices")
      return .device(.stats)
    default:
      if peekSecond?.kind == .equals {
        throw error(
          at: first, "\(first.quoted) is assigned without a process",
          accepted: "expected 'PROCESS: \(first.text) = mmap ...' (or mremap, fork)")
      }
      if ScenarioParser.processVerbs.contains(first.text) {
        throw error(
          at: first, "'\(first.text)' needs a process",
          accepted: "expected 'PROCESS: \(first.text) ...', e.g. 'A: \(first.text) ...'")
      }
      throw error(
        at: first, "unknown command \(first.quoted)", accepted: "expected \(Self.topLevelCommands)")
    }
  }
}
