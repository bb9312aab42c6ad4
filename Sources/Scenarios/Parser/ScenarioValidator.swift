import DeviceMirror

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
  /// Names of opened gup_test files.
  private var gupTestFiles: Set<String> = []
  /// Devices and the line that defined them.
  private var devices: [String: Int] = [:]
  /// Interval notifiers inserted and not removed, and the line that inserted them.
  private var notifiers: [String: Int] = [:]
  /// Every notifier ever inserted (`expect notifier` may count a removed one's invalidations).
  private var notifiersEver: Set<String> = []

  /// The counters `expect DEV COUNTER` knows.
  static let deviceCounters: [String] =
    DeviceCounters.names + ["mappings"] + DevicePageSize.allCases.map { "mapped-\($0)" }
    + ["mapped-bytes", "tlb-reach", "pages-to-device", "pages-to-system"]
  /// The counters `expect FD COUNTER` knows (the last dmirror ioctl's).
  static let dmirrorCounters = ["cpages", "faults"]
  /// The counters of a gup_test file: the pages its last ioctl took (`gup->size` / 4K).
  static let gupTestCounters = ["pages"]
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
      if keyword == "device" { devices[name] = devices[name] ?? 0 }
      if keyword == "notifier" && word(2) == "insert" {
        notifiers[name] = notifiers[name] ?? 0
        notifiersEver.insert(name)
      }
    }
    if tokens.count >= 5, tokens[1].kind == .colon, tokens[3].kind == .equals, let name = word(2) {
      if word(4) == "fork" {
        processes[name] = processes[name] ?? 0
      } else if word(4) == "open" {
        dmirrorFiles.insert(name)
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
      problems += newProcess(name) + unusedSubject(name, as: "process")
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
        case .thp, .mthp, .oracle:
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
      problems += process(parent) + newProcess(child) + unusedSubject(child, as: "process")
      processes[child.name] = line
    case .exit(let name):
      problems += process(name)
      if processes.removeValue(forKey: name.name) != nil { exited[name.name] = line }
    case .kill(let name, let target, _):
      // A target that ended already is the run's to answer (a zombie takes the signal, a reaped
      // process is ESRCH).
      problems += process(name)
      if processes[target.name] == nil && exited[target.name] == nil { problems += process(target) }
      if processes.removeValue(forKey: target.name) != nil { exited[target.name] = line }
    case .waitpid(let name, let child):
      problems += process(name)
      if processes[child.name] == nil && exited[child.name] == nil { problems += process(child) }
    case .read(let access), .write(let access):
      problems += process(access.process) + region(access.range.address)
    case .expect(let expectation):
      problems += check(expectation, at: statement.location)
    case .device(let command):
      switch command {
      case .hmm(let name, let range, _), .hmmPTEBatch(let name, let range, _):
        problems += process(name) + region(range.address)
      case .notifierInsert(let notifier, let name, let range):
        problems += process(name) + region(range.address)
        if let earlier = notifiers[notifier.name] {
          problems.append(
            ScenarioDiagnostic(
              at: notifier.location, "notifier '\(notifier)' is already inserted\(Self.atLine(earlier))",
              accepted: "expected a new notifier name, or 'notifier \(notifier) remove' first"))
        }
        notifiers[notifier.name] = line
        notifiersEver.insert(notifier.name)
      case .notifierRemove(let notifier):
        if notifiers.removeValue(forKey: notifier.name) == nil { problems += unknownNotifier(notifier) }
      case .define(let definition):
        if let earlier = devices[definition.name.name] {
          problems.append(
            ScenarioDiagnostic(
              at: definition.name.location, "device '\(definition.name)' is already defined\(Self.atLine(earlier))",
              accepted: "expected a new device name"))
        } else {
          problems += unusedSubject(definition.name, as: "device")
        }
        devices[definition.name.name] = line
      case .mirror(_, let name):
        problems += process(name)
      case .open(let file, let name, _):
        problems += process(name) + unusedSubject(file, as: "dmirror file")
        dmirrorFiles.insert(file.name)
      case .access(_, let range, _, _, _, _), .snapshot(_, let range):
        problems += region(range.address)
      case .dmirror(let file, let operation, let range, _):
        if let range { problems += region(range.address) }
        if gupTestFiles.contains(file.name) && operation != .close {
          problems.append(
            ScenarioDiagnostic(
              at: file.location, "'\(file)' is a gup_test file, not a dmirror file",
              accepted: "expected a gup_test ioctl (\(GUPTestCommand.allCases.map(\.rawValue).joined(separator: ", "))), pin, unpin or close"))
        }
      case .stats:
        break
      case .openGUPTest(let file, let name):
        problems += process(name) + unusedSubject(file, as: "gup_test file")
        gupTestFiles.insert(file.name)
      case .gupTest(let file, _, let range, _, _, _), .gupPin(let file, let range, _, _):
        problems += gupTestFile(file) + region(range.address)
      case .gupUnpin(let file):
        problems += gupTestFile(file)
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
    case .wait(let name, _):
      return process(name)
    case .device(let expectation):
      switch expectation {
      case .hmm(let name, let range, _), .hmmPTEBatch(let name, let range, _): return process(name) + region(range.address)
      case .mapping(_, let address, _, _): return region(address)
      case .notifier(let name, _, _, _):
        return notifiersEver.contains(name.name) ? [] : unknownNotifier(name)
      case .counter(let subject, let counter, _, _):
        let known = gupTestFiles.contains(subject.name) ? Self.gupTestCounters
          : dmirrorFiles.contains(subject.name) ? Self.dmirrorCounters : devices[subject.name] != nil ? Self.deviceCounters : nil
        guard let known, !known.contains(counter) else { return [] }
        let what = gupTestFiles.contains(subject.name) ? "gup_test" : dmirrorFiles.contains(subject.name) ? "dmirror" : "device"
        return [
          ScenarioDiagnostic(
            at: subject.location, "unknown \(what) counter \(Token.quote(counter)) for '\(subject)'",
            accepted: "expected one of \(known.joined(separator: ", "))")
        ]
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
      case .pins(let name, let address), .referenceCount(let name, let address):
        return process(name) + region(address)
      case .invalidations(let name, _, let start, _):
        var problems: [ScenarioDiagnostic] = []
        if processes[name.name] == nil && exited[name.name] == nil {
          problems += process(name)
        }
        if let start { problems += region(start) }
        return problems
      case .folios, .deferredSplit, .vmstat, .mthp, .freeFrames, .usedFrames:
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

  /// Checks that no process, device or dmirror file is called `name` already: all three take
  /// `NAME:` commands, so a name can belong to one of them only.
  private func unusedSubject(_ name: Identifier, as kind: String) -> [ScenarioDiagnostic] {
    let owner: String?
    if kind != "process", let line = processes[name.name] ?? exited[name.name] {
      owner = "a process\(Self.atLine(line))"
    } else if kind != "device", let line = devices[name.name] {
      owner = "a device\(Self.atLine(line))"
    } else if kind != "dmirror file", dmirrorFiles.contains(name.name) {
      owner = "a dmirror file"
    } else {
      owner = nil
    }
    guard let owner else { return [] }
    return [
      ScenarioDiagnostic(
        at: name.location, "\(kind) name '\(name)' is already \(owner)",
        accepted: "expected a name that no process, device or dmirror file uses (each takes '\(name):' commands)")
    ]
  }

  /// Checks that `name` is an opened gup_test file.
  private func gupTestFile(_ name: Identifier) -> [ScenarioDiagnostic] {
    if gupTestFiles.contains(name.name) { return [] }
    return [
      ScenarioDiagnostic(
        at: name.location, "'\(name)' is not a gup_test file",
        accepted: "expected 'PROCESS: \(name) = open gup_test' before the gup_test ioctls (\(GUPTestCommand.allCases.map(\.rawValue).joined(separator: ", ")), pin, unpin)")
    ]
  }

  /// The diagnostic for a notifier that was never inserted (or was removed).
  private func unknownNotifier(_ name: Identifier) -> [ScenarioDiagnostic] {
    [
      ScenarioDiagnostic(
        at: name.location, "unknown notifier \(Token.quote(name.name))",
        accepted: "expected a notifier inserted earlier by 'notifier NAME insert PROCESS ADDR SIZE' \(Self.known(notifiers.keys))")
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
