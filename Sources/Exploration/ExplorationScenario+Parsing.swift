import HMM
import Scenarios

extension ExplorationScenario {
  /// Reads an explorable scenario: a plain scenario whose `#>` directive lines (comments to
  /// `hmmkit run`) mark the concurrent block, the allowed outcomes and the driver loops.
  /// - Throws: ``ExplorationError`` naming the line and what to write instead.
  public static func parse(_ text: String, file: String) throws(ExplorationError) -> ExplorationScenario {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    var begin: Int?
    var end: Int?
    var allows: [(line: Int, text: String)] = []
    var loops: [String: DriverLoopVariant] = [:]
    var ats: [Int: Placement] = [:]
    for (index, raw) in lines.enumerated() {
      let number = index + 1
      let line = raw.drop { $0 == " " || $0 == "\t" }
      guard line.hasPrefix("#>") else { continue }
      let location = SourceLocation(file: file, line: number, column: raw.count - line.count + 1)
      let body = line.dropFirst(2).drop { $0 == " " || $0 == "\t" }
      let words = body.split(whereSeparator: { $0 == " " || $0 == "\t" })
      switch words.first {
      case "concurrent":
        guard begin == nil else { throw ExplorationError(at: location, "a second `#> concurrent` block; a scenario explores one block") }
        guard words.count == 1 else { throw ExplorationError(at: location, "`#> concurrent` takes nothing after it") }
        begin = number
      case "end":
        guard begin != nil, end == nil else { throw ExplorationError(at: location, "`#> end` without an open `#> concurrent` block") }
        end = number
      case "allow", "allow:":
        var rest = body.dropFirst("allow".count).drop { $0 == " " || $0 == "\t" }
        if rest.first == ":" { rest = rest.dropFirst() }
        let expectations = rest.split(separator: ";").map { $0.trimmingBlanks }.filter { !$0.isEmpty }
        guard !expectations.isEmpty, expectations.allSatisfy({ $0.hasPrefix("expect ") }) else {
          throw ExplorationError(at: location, "`#> allow` takes `expect` lines separated by `;` (e.g. `#> allow: expect fd ret == 0; expect fd cpages == 1024`)")
        }
        allows.append((number, expectations.joined(separator: "\n")))
      case "at":
        guard begin != nil, end == nil, words.count == 2, let placement = Placement(words[1]) else {
          throw ExplorationError(at: location, "`#> at` takes one placement inside the block: `before`, `after` or POINT#N with POINT one of read_begin, segment, range_fault, unlock")
        }
        ats[number] = placement
      case "loop":
        guard words.count >= 2 else { throw ExplorationError(at: location, "`#> loop` takes DEVICE=VARIANT pairs") }
        for pair in words.dropFirst() {
          let parts = pair.split(separator: "=", maxSplits: 1)
          guard parts.count == 2, let variant = DriverLoopVariant(rawValue: String(parts[1])) else {
            let names = DriverLoopVariant.allCases.map(\.rawValue).joined(separator: ", ")
            throw ExplorationError(at: location, "`\(pair)` is not DEVICE=VARIANT with VARIANT one of \(names)")
          }
          loops[String(parts[0])] = variant
        }
      default:
        throw ExplorationError(at: location, "unknown directive `#> \(words.first ?? "")`; the directives are `#> concurrent`, `#> end`, `#> allow: EXPECT; ...`, `#> loop DEVICE=VARIANT` and `#> at PLACEMENT`")
      }
    }
    guard let begin else {
      throw ExplorationError(at: SourceLocation(file: file, line: 1, column: 1),
                             "no `#> concurrent` block: mark the device operation and the CPU commands that race it between `#> concurrent` and `#> end` (docs/explore.md)")
    }
    guard let end else { throw ExplorationError(at: SourceLocation(file: file, line: begin, column: 1), "`#> concurrent` is not closed by `#> end`") }

    let scenario: Scenario
    do { scenario = try ScenarioParser.parse(text, file: file) } catch { throw ExplorationError(error) }
    let prefix = scenario.statements.filter { $0.location.line < begin }
    let block = scenario.statements.filter { $0.location.line > begin && $0.location.line < end }
    let suffix = scenario.statements.filter { $0.location.line > end }
    guard let operationIndex = block.firstIndex(where: { $0.schedulableDeviceName != nil }) else {
      throw ExplorationError(at: SourceLocation(file: file, line: begin, column: 1),
                             "the block has no device operation (a dmirror ioctl or a device read/write) to race the CPU commands against")
    }
    var cpu = block
    let operation = cpu.remove(at: operationIndex)
    for statement in cpu where statement.lockNeed == nil {
      throw ExplorationError(at: statement.location, "`\(statement.text)` cannot race a device operation; a concurrent block holds one device operation and CPU commands (mmap, munmap, mprotect, madvise, mremap, fork, exit, read, write, another device's command)")
    }

    // `#> at` lines pin the CPU command on the next line that holds one.
    var pinned: [Placement]?
    if !ats.isEmpty {
      var placements: [Placement] = []
      for statement in cpu {
        guard let line = ats.keys.filter({ $0 < statement.location.line }).max(), let placement = ats.removeValue(forKey: line) else {
          throw ExplorationError(at: statement.location, "every CPU command of a replayed block needs an `#> at` line before it (or none has one)")
        }
        if let last = placements.last, last.occurrence > placement.occurrence {
          throw ExplorationError(at: statement.location, "`#> at \(placement)` comes before the previous command's placement; the block's CPU commands run in order")
        }
        placements.append(placement)
      }
      pinned = placements
    }

    // The outcomes' expectations, parsed after the whole file so that they can name what it defines.
    var outcomes: [Outcome] = []
    if !allows.isEmpty {
      let appended = text + (text.hasSuffix("\n") ? "" : "\n") + allows.map(\.text).joined(separator: "\n") + "\n"
      let lineCount = lines.count - (text.hasSuffix("\n") ? 1 : 0)
      var owner: [Int: (line: Int, text: String)] = [:]
      var next = lineCount + 1
      for allow in allows {
        for _ in allow.text.split(separator: "\n") {
          owner[next] = allow
          next += 1
        }
      }
      let combined: Scenario
      do {
        combined = try ScenarioParser.parse(appended, file: file)
      } catch {
        var lines: [String] = []
        for diagnostic in error.diagnostics {
          if let allow = owner[diagnostic.location.line] {
            lines.append("\(file):\(allow.line):1: error: in `#> allow`: \(diagnostic.problem); \(diagnostic.accepted)")
          } else {
            lines.append(diagnostic.description)
          }
        }
        var failure = ExplorationError(at: SourceLocation(file: file, line: 1, column: 1), "")
        failure.diagnostics = lines
        throw failure
      }
      for allow in allows {
        let expectations = combined.statements.filter { owner[$0.location.line]?.line == allow.line }
        outcomes.append(Outcome(expectations: expectations, text: allow.text.split(separator: "\n").joined(separator: "; ")))
      }
    }
    return ExplorationScenario(
      file: file, prefix: prefix, operation: operation, deviceName: operation.schedulableDeviceName!, cpuCommands: cpu,
      outcomes: outcomes, suffix: suffix, pinned: pinned, loops: loops)
  }
}

extension Substring {
  /// The text without blanks at either end.
  fileprivate var trimmingBlanks: String {
    String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
  }
}
