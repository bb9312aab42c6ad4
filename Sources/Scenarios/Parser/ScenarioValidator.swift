/// Checks, statement by statement in file order, that every process, region and file a
/// statement names was defined by an earlier statement (and, for processes, has not exited),
/// and that `expect error` follows a command.
///
/// Regions are global names: `A: buf = mmap ...` binds `buf` to the start of the new mapping,
/// and every process (a forked child too) can use it. A later `buf = mmap` or `buf = mremap`
/// binds the name again.
struct ScenarioValidator {
  /// Live processes and where they were created.
  private var processes: [String: Int] = [:]
  /// Processes that have exited, and the line of their `exit`.
  private var exited: [String: Int] = [:]
  /// Region names and the line that last bound them.
  private var regions: [String: Int] = [:]
  /// File names and the line that created them.
  private var files: [String: Int] = [:]
  /// dmirror files opened so far (`P: FD = open ...`), which `mmap ... file=FD` may map.
  private var dmirrorFiles: Set<String> = []
  /// Whether a process or file has been created (after which `system memory=` is refused).
  private var sawAllocation = false
  /// The previous statement's command, for `expect error`.
  private var previous: Command?
  /// Whether the previous line failed to parse (then `expect error` is not checked).
  private var previousFailed = false

  /// Records the names a line that failed to parse would probably have defined, so that one
  /// error does not cascade into "unknown name" errors on every later line.
  mutating func defineTentatively(_ tokens: [Token]) {
    let words = tokens.map { $0.kind == .word ? $0.text : nil }
    func word(_ index: Int) -> String? { index < words.count ? words[index] : nil }
    if tokens.count >= 2, let keyword = word(0), let name = word(1) {
      if keyword == "process" { processes[name] = processes[name] ?? 0 }
      if keyword == "file" { files[name] = files[name] ?? 0 }
    }
    if tokens.count >= 5, tokens[1].kind == .colon, tokens[3].kind == .equals, let name = word(2) {
      if word(4) == "fork" {
        processes[name] = processes[name] ?? 0
      } else {
        regions[name] = regions[name] ?? 0
      }
    }
    previousFailed = true
  }

  /// Checks one statement and records the names it defines.
  ///
  /// - Returns: the diagnostics for this statement (empty when it is fine).
  mutating func check(_ statement: Statement) -> [ScenarioDiagnostic] {
    var problems: [ScenarioDiagnostic] = []
    let line = statement.location.line
    defer {
      previous = statement.command
      previousFailed = false
    }
    switch statement.command {
    case .process(let name):
      problems += newProcess(name)
      processes[name.name] = line
      sawAllocation = true
    case .file(let definition):
      if let earlier = files[definition.name.name] {
        problems.append(
          ScenarioDiagnostic(
            at: definition.name.location, "file '\(definition.name)' is already defined\(Self.atLine(earlier))",
            accepted: "expected a new file name"))
      }
      files[definition.name.name] = line
      sawAllocation = true
    case .fileWrite(let write):
      problems += file(write.file)
    case .system(let settings):
      for setting in settings {
        switch setting {
        case .memory:
          if sawAllocation {
            problems.append(
              ScenarioDiagnostic(
                at: statement.location, "'system memory=' comes after memory was allocated",
                accepted: "expected 'system memory=SIZE' before every process, file, hugetlb pool and fragment=")
            )
          }
        case .hugetlbPages, .fragment:
          sawAllocation = true
        case .thp, .oracle:
          break
        }
      }
    case .split:
      break
    case .mmap(let mmap):
      problems += process(mmap.process)
      if case .file(let name, _) = mmap.backing, !dmirrorFiles.contains(name.name) { problems += file(name) }
      if let address = mmap.address { problems += region(address) }
      regions[mmap.name.name] = line
    case .munmap(let name, let range), .collapse(let name, let range), .snapshot(let name, let range),
      .mprotect(let name, let range, _), .madvise(let name, let range, _):
      problems += process(name) + region(range.address)
    case .mremap(let mremap):
      problems += process(mremap.process) + region(mremap.range.address)
      if let fixed = mremap.fixedAddress { problems += region(fixed) }
      if let name = mremap.name { regions[name.name] = line }
    case .fork(let parent, let child):
      problems += process(parent) + newProcess(child)
      processes[child.name] = line
    case .exit(let name):
      problems += process(name)
      if processes.removeValue(forKey: name.name) != nil { exited[name.name] = line }
    case .read(let access), .write(let access):
      problems += process(access.process) + region(access.range.address)
    case .expect(let expectation):
      problems += check(expectation, at: statement.location)
    case .device(let command):
      switch command {
      case .hmm(let name, let range, _), .notifierInsert(_, let name, let range):
        problems += process(name) + region(range.address)
      case .mirror(_, let name):
        problems += process(name)
      case .open(let file, let name, _):
        problems += process(name)
        dmirrorFiles.insert(file.name)
      case .access(_, let range, _, _, _, _), .snapshot(_, let range):
        problems += region(range.address)
      case .dmirror(_, _, let range, _):
        if let range { problems += region(range.address) }
      case .notifierRemove, .define, .stats:
        break
      }
    }
    return problems
  }

  /// Checks the names an expectation uses.
  private func check(_ expectation: Expectation, at location: SourceLocation) -> [ScenarioDiagnostic] {
    switch expectation {
    case .error:
      if previousFailed { return [] }
      switch previous {
      case nil, .expect?:
        return [
          ScenarioDiagnostic(
            at: location, "'expect error' does not follow a command",
            accepted: "expected it on the line right after the command that must fail")
        ]
      default:
        return []
      }
    case .device(let expectation):
      switch expectation {
      case .hmm(let name, let range, _): return process(name) + region(range.address)
      case .mapping(_, let address, _, _): return region(address)
      default: return []
      }
    case .snapshot(let name, let range, let attributes):
      var problems = process(name) + region(range.address)
      for attribute in attributes {
        switch attribute {
        case .sharedWith(let other), .notSharedWith(let other): problems += process(other)
        default: break
        }
      }
      return problems
    case .counter(let counter, _, _):
      switch counter {
      case .rss(let name), .vmas(let name), .pageTables(let name):
        return process(name)
      case .invalidations(let name, _, let start, _):
        var problems: [ScenarioDiagnostic] = []
        if processes[name.name] == nil && exited[name.name] == nil {
          problems += process(name)
        }
        if let start { problems += region(start) }
        return problems
      case .folios, .deferredSplit, .vmstat, .freeFrames, .usedFrames:
        return []
      }
    }
  }

  /// ` (line N)` for messages, or nothing for tentative definitions.
  private static func atLine(_ line: Int) -> String { line > 0 ? " at line \(line)" : "" }

  /// `(known: A, B)` or `(none yet)`.
  private static func known(_ names: some Sequence<String>) -> String {
    let sorted = names.sorted()
    if sorted.isEmpty { return "(none yet)" }
    let shown = sorted.prefix(8).joined(separator: ", ")
    return "(known: \(shown)\(sorted.count > 8 ? ", ..." : ""))"
  }

  /// Checks that `name` is a live process.
  private func process(_ name: Identifier) -> [ScenarioDiagnostic] {
    if processes[name.name] != nil { return [] }
    if let line = exited[name.name] {
      return [
        ScenarioDiagnostic(
          at: name.location, "process '\(name)' has exited\(Self.atLine(line))",
          accepted: "expected a live process \(processes.isEmpty ? "(none alive)" : Self.known(processes.keys))")
      ]
    }
    return [
      ScenarioDiagnostic(
        at: name.location, "unknown process \(Token.quote(name.name))",
        accepted: "expected a process created earlier by 'process NAME' or 'PARENT: NAME = fork' \(Self.known(processes.keys))")
    ]
  }

  /// Checks that `name` is not a process yet.
  private func newProcess(_ name: Identifier) -> [ScenarioDiagnostic] {
    guard let line = processes[name.name] ?? exited[name.name] else { return [] }
    return [
      ScenarioDiagnostic(
        at: name.location, "process '\(name)' is already defined\(Self.atLine(line))",
        accepted: "expected a new process name")
    ]
  }

  /// Checks that the region an address names (if any) is defined.
  private func region(_ address: AddressExpression) -> [ScenarioDiagnostic] {
    guard let name = address.region, regions[name.name] == nil else { return [] }
    return [
      ScenarioDiagnostic(
        at: name.location, "unknown region \(Token.quote(name.name))",
        accepted: "expected a region named earlier by 'NAME = mmap' or 'NAME = mremap', or a hex address \(Self.known(regions.keys))")
    ]
  }

  /// Checks that `name` is a file.
  private func file(_ name: Identifier) -> [ScenarioDiagnostic] {
    guard files[name.name] == nil else { return [] }
    return [
      ScenarioDiagnostic(
        at: name.location, "unknown file \(Token.quote(name.name))",
        accepted: "expected a file created earlier by 'file NAME size=SIZE' \(Self.known(files.keys))")
    ]
  }
}
