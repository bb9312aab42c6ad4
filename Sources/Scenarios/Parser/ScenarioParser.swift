/// Turns the text of a scenario file into a checked ``Scenario``, or into the list of its errors.
///
/// Parsing never traps and takes time linear in the input: lines are split on bytes, lines
/// longer than `Lexer.maximumLineLength` bytes are rejected unread, numbers are read with
/// overflow checks, and address offsets are summed iteratively. After each line parses, the
/// `ScenarioValidator` checks that every process, region and file it names was defined by an
/// earlier line. A file with any error yields ``ScenarioParseError`` and runs nothing.
public enum ScenarioParser {
  /// The most diagnostics reported for one file; the rest are summarised in one more line.
  public static let maximumDiagnostics = 20

  /// The smallest physical memory `system memory=` accepts (the model needs 1024 frames).
  public static let minimumMemory: UInt64 = 4 << 20
  /// The largest physical memory `system memory=` accepts (the model's frame metadata for 256 GiB
  /// takes about 1 GiB of host memory).
  public static let maximumMemory: UInt64 = 256 << 30

  /// The largest file size (Linux's `MAX_LFS_FILESIZE` on 64-bit, 2^63 - 1 bytes).
  public static let maximumFileSize: UInt64 = UInt64(Int64.max)

  /// The most ways a device TLB array may have (`tlb=ENTRIESxWAYS`): a lookup probes every way
  /// of a set, so a fully associative 65536-entry array would cost 65536 compares an access.
  public static let maximumTLBWays = 64

  /// The commands that need a `PROCESS:` prefix.
  static let processVerbs: Set<String> = [
    "mmap", "munmap", "mprotect", "madvise", "mremap", "fork", "exit", "read", "write",
    "collapse", "snapshot", "kill", "waitpid",
  ]

  /// Parses a scenario from text.
  ///
  /// - Parameters:
  ///   - text: the contents of the file.
  ///   - file: the name used in locations (usually the path).
  /// - Throws: ``ScenarioParseError`` with every diagnostic (up to ``maximumDiagnostics``).
  public static func parse(_ text: String, file: String) throws(ScenarioParseError) -> Scenario {
    try parse(bytes: Array(text.utf8), file: file)
  }

  /// Parses a scenario from raw bytes (any bytes: invalid UTF-8 is reported, not trapped on).
  ///
  /// - Parameters:
  ///   - bytes: the contents of the file.
  ///   - file: the name used in locations (usually the path).
  /// - Throws: ``ScenarioParseError`` with every diagnostic (up to ``maximumDiagnostics``).
  public static func parse(bytes: [UInt8], file: String) throws(ScenarioParseError) -> Scenario {
    var statements: [Statement] = []
    var diagnostics: [ScenarioDiagnostic] = []
    var omitted = 0
    var validator = ScenarioValidator()
    var deviceNames: Set<String> = []
    var dmirrorNames: Set<String> = []
    func report(_ diagnostic: ScenarioDiagnostic) {
      if diagnostics.count < maximumDiagnostics {
        diagnostics.append(diagnostic)
      } else {
        omitted += 1
      }
    }
    var lineStart = 0
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { lineStart = 3 }  // a UTF-8 byte-order mark
    var lineNumber = 0
    var directives = InterleavingDirectives()
    var pendingPin: InterleavingDirectives.Pin?
    while lineStart < bytes.count {
      lineNumber += 1
      let lineEnd = endOfLine(in: bytes, from: lineStart)
      let line = bytes[lineStart..<lineEnd]
      lineStart = lineEnd + 1
      let location = SourceLocation(file: file, line: lineNumber, column: 1)
      if let blank = line.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }), line[blank...].starts(with: [0x23, 0x3E]) {
        // A `#>` directive line (a comment to the lexer).
        switch InterleavingDirectives.read(String(decoding: line[blank...], as: UTF8.self), at: location) {
        case .none: break
        case .pin(let pin): pendingPin = pin
        case .loops(let loops): directives.loops += loops
        case .error(let diagnostic): report(diagnostic)
        }
        continue
      }
      let tokens: [Token]
      do {
        tokens = try Lexer.tokens(in: line, at: location)
      } catch {
        report(error)
        // The tokens before the bad byte still define the names they would have defined (as a
        // line that fails to parse does), so that one bad byte does not cascade.
        let good = line.prefix(max(0, min(line.count, error.location.column - 1)))
        if let partial = try? Lexer.tokens(in: good, at: location) {
          validator.defineTentatively(partial)
          noteDefinitions(partial, devices: &deviceNames, dmirrors: &dmirrorNames)
        }
        continue
      }
      guard let first = tokens.first, let last = tokens.last else { continue }
      var parser = LineParser(tokens: tokens, file: file, line: lineNumber, deviceNames: deviceNames, dmirrorNames: dmirrorNames)
      noteDefinitions(tokens, devices: &deviceNames, dmirrors: &dmirrorNames)
      let command: Command
      do {
        command = try parser.parseCommand()
      } catch {
        report(error)
        validator.defineTentatively(tokens)
        continue
      }
      let text = String(decoding: line[(line.startIndex + first.column - 1)..<(line.startIndex + last.endColumn - 1)], as: UTF8.self)
      let statement = Statement(
        command: command, text: text,
        location: SourceLocation(file: file, line: lineNumber, column: first.column))
      for diagnostic in validator.check(statement) { report(diagnostic) }
      statements.append(statement)
      if let pin = pendingPin {
        directives.pins[lineNumber] = pin
        pendingPin = nil
      }
    }
    if omitted > 0, let last = diagnostics.last {
      diagnostics.append(
        ScenarioDiagnostic(
          at: last.location, "\(omitted) more errors not shown",
          accepted: "fix the errors above first"))
    }
    if !diagnostics.isEmpty { throw ScenarioParseError(diagnostics: diagnostics) }
    var scenario = Scenario(file: file, statements: statements)
    scenario.directives = directives
    return scenario
  }

  /// Records the device (`device NAME`) and dmirror file (`P: NAME = open ...`) names a line
  /// defines, before it is parsed, so that the line parser can tell `NAME:` commands apart.
  private static func noteDefinitions(_ tokens: [Token], devices: inout Set<String>, dmirrors: inout Set<String>) {
    if let first = tokens.first, first.kind == .word, first.text == "device", tokens.count > 1, tokens[1].kind == .word {
      devices.insert(tokens[1].text)
    }
    if tokens.count >= 5, tokens[1].kind == .colon, tokens[3].kind == .equals, tokens[4].text == "open" {
      dmirrors.insert(tokens[2].text)
    }
  }

  /// The index of the first newline at or after `start`, or `bytes.count`.
  private static func endOfLine(in bytes: [UInt8], from start: Int) -> Int {
    bytes.withUnsafeBufferPointer { buffer in
      var index = start
      while index < buffer.count && buffer[index] != UInt8(ascii: "\n") { index += 1 }
      return index
    }
  }

  /// The diagnostic for a command of a later layer (HMM, devices, device memory).
  ///
  /// - Parameter feature: `hmm`, `notifier`, `expect-hmm`, `expect-notifier`, `device`,
  ///   `device-commands` or `migrate`.
  static func notYetSupported(_ feature: String, at location: SourceLocation) -> ScenarioDiagnostic {
    let what: String
    switch feature {
    case "hmm":
      what = "'hmm' (hmm_range_fault) is not supported yet: it arrives with the HMM layer (issue 4)"
    case "notifier":
      what = "'notifier' (mmu interval notifiers) is not supported yet: it arrives with the HMM layer (issue 4)"
    case "expect-hmm":
      what = "'expect hmm' is not supported yet: it arrives with the HMM layer (issue 4)"
    case "expect-notifier":
      what = "'expect notifier' is not supported yet: it arrives with the HMM layer (issue 4)"
    case "device":
      what = "'device' is not supported yet: devices arrive with the device-mirror layer (issue 5)"
    case "migrate":
      what = "migration commands are not supported yet: they arrive with device memory (issue 6)"
    default:
      what = "device commands are not supported yet: devices arrive with the device-mirror layer (issue 5)"
    }
    return ScenarioDiagnostic(
      at: location, what,
      accepted: "expected a CPU-side command: \(LineParser.topLevelCommands)")
  }
}
