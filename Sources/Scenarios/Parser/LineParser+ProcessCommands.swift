extension LineParser {
  /// Parses `PROCESS: command ...` and `PROCESS: NAME = command ...`.
  mutating func parseProcessCommand() throws(ScenarioDiagnostic) -> Command {
    guard let processToken = advance(), advance()?.kind == .colon else {
      throw error(at: nil, "missing process", accepted: "expected 'PROCESS: command'")
    }
    let process = Identifier(processToken.text, at: location(processToken))
    if deviceNames.contains(process.name) || dmirrorNames.contains(process.name) {
      return try parseDeviceCommand(process, isDMirror: dmirrorNames.contains(process.name))
    }
    guard let first = peek else {
      throw error(
        at: nil, "missing command after '\(process):'",
        accepted: "expected \(Self.processCommands)")
    }
    guard first.kind == .word else {
      throw error(
        at: first, "expected a command after '\(process):', found \(first.quoted)",
        accepted: "expected \(Self.processCommands)")
    }
    var name: Identifier?
    if peekSecond?.kind == .equals {
      _ = advance()
      _ = advance()
      name = Identifier(first.text, at: location(first))
    }
    guard let verb = advance() else {
      throw error(
        at: nil, "missing command after '\(first.text) ='", accepted: "expected mmap, mremap or fork")
    }
    guard verb.kind == .word else {
      throw error(
        at: verb, "expected a command, found \(verb.quoted)",
        accepted: name == nil ? "expected \(Self.processCommands)" : "expected mmap, mremap or fork")
    }
    if let name, verb.text == "open" { return try parseOpen(process: process, name: name) }
    if let name, !["mmap", "mremap", "fork"].contains(verb.text),
      ScenarioParser.processVerbs.contains(verb.text)
    {
      throw ScenarioDiagnostic(
        at: name.location, "'\(verb.text)' gives no result to assign to '\(name)'",
        accepted: "expected '\(process): \(verb.text) ...' without '\(name) ='")
    }
    switch verb.text {
    case "mmap":
      guard let name else {
        throw error(
          at: verb, "'mmap' needs a name for the new region",
          accepted: "expected '\(process): NAME = mmap SIZE PROT ...'")
      }
      return try parseMmap(process: process, name: name)
    case "fork":
      guard let name else {
        throw error(
          at: verb, "'fork' needs a name for the child process",
          accepted: "expected '\(process): CHILD = fork'")
      }
      try expectEnd(after: "\(name) = fork")
      return .fork(parent: process, child: name)
    case "mremap":
      return try parseMremap(process: process, name: name)
    case "munmap":
      let range = try parseRange(after: "munmap")
      try expectEnd(after: "munmap \(range)")
      return .munmap(process: process, range: range)
    case "mprotect":
      let range = try parseRange(after: "mprotect")
      let protection = try parseProtection(after: "\(range)")
      try expectEnd(after: "mprotect \(range) \(protection)")
      return .mprotect(process: process, range: range, protection: protection)
    case "madvise":
      let range = try parseRange(after: "madvise")
      let accepted = "expected " + Command.Advice.allCases.map(\.rawValue).joined(separator: ", ")
      guard let token = advance() else {
        throw error(at: nil, "missing advice after '\(range)'", accepted: accepted)
      }
      guard token.kind == .word, let advice = Command.Advice(rawValue: token.text) else {
        throw error(at: token, "unknown advice \(token.quoted)", accepted: accepted)
      }
      try expectEnd(after: "madvise \(range) \(advice)")
      return .madvise(process: process, range: range, advice: advice)
    case "exit":
      try expectEnd(after: "exit")
      return .exit(process: process)
    case "kill":
      let target = try parseName("process name", after: "kill", form: "\(process): kill PROCESS SIGNAL")
      let signals = Command.Signal.allCases.map(\.rawValue).joined(separator: ", ")
      guard let token = advance() else { throw error(at: nil, "missing signal after 'kill \(target)'", accepted: "expected one of \(signals)") }
      guard token.kind == .word, let signal = Command.Signal(rawValue: token.text) else {
        throw error(at: token, "unknown signal \(token.quoted)", accepted: "expected one of \(signals)")
      }
      try expectEnd(after: "kill \(target) \(signal.rawValue)")
      return .kill(process: process, target: target, signal: signal)
    case "waitpid":
      let child = try parseName("process name", after: "waitpid", form: "\(process): waitpid CHILD")
      try expectEnd(after: "waitpid \(child)")
      return .waitpid(process: process, child: child)
    case "read", "write":
      return try parseAccess(process: process, isWrite: verb.text == "write")
    case "collapse":
      let range = try parseRange(after: "collapse")
      try expectEnd(after: "collapse \(range)")
      return .collapse(process: process, range: range)
    case "snapshot":
      let range = try parseRange(after: "snapshot")
      try expectEnd(after: "snapshot \(range)")
      return .snapshot(process: process, range: range)
    case "mirror", "migrate", "exclusive":
      throw ScenarioDiagnostic(
        at: process.location, "'\(process)' is not a device or dmirror file",
        accepted: "expected 'device \(process) ...' or 'PROCESS: \(process) = open hmm_dmirrorN' before '\(process): \(verb.text) ...'")
    default:
      throw error(
        at: verb, "unknown command \(verb.quoted) for process '\(process)'",
        accepted: "expected \(Self.processCommands)")
    }
  }

  /// Parses the rest of `A: NAME = mmap SIZE PROT [options]`.
  private mutating func parseMmap(process: Identifier, name: Identifier) throws(ScenarioDiagnostic) -> Command {
    let size = try parseSize(after: "mmap")
    let protection = try parseProtection(after: SizeFormatter.string(size))
    var mmap = Command.Mmap(process: process, name: name, size: size, protection: protection)
    let options =
      "private, shared, anon, file=FILE, offset=SIZE, align=SIZE, at=ADDRESS, hugetlb=2M|1G"
    let form = "\(name) = mmap \(SizeFormatter.string(size)) \(protection)"
    var seen: Set<String> = []
    var file: Identifier?
    var offset: (Token, UInt64)?
    var anon: Token?
    var hugetlbToken: Token?
    while let option = try nextOption(form: form, options: options) {
      let token = option.name
      switch token.text {
      case "private", "shared":
        if seen.contains("private") || seen.contains("shared") {
          throw error(
            at: token, "\(token.quoted) conflicts with an earlier private/shared",
            accepted: "expected one of private or shared")
        }
        try checkDuplicate(token, in: &seen)
        try checkValue(option, wantsValue: false, form: token.text)
        mmap.shared = token.text == "shared"
      case "anon":
        try checkDuplicate(token, in: &seen)
        try checkValue(option, wantsValue: false, form: "anon")
        anon = token
      case "file":
        try checkDuplicate(token, in: &seen)
        try checkValue(option, wantsValue: true, form: "file=FILE")
        file = try parseName("file name", after: "file=", form: "file=FILE")
      case "offset":
        try checkDuplicate(token, in: &seen)
        try checkValue(option, wantsValue: true, form: "offset=SIZE")
        offset = (token, try parseSize("offset", after: "offset="))
      case "align":
        try checkDuplicate(token, in: &seen)
        try checkValue(option, wantsValue: true, form: "align=SIZE")
        mmap.alignment = try parseSize("alignment", after: "align=")
      case "at":
        try checkDuplicate(token, in: &seen)
        try checkValue(option, wantsValue: true, form: "at=ADDRESS")
        mmap.address = try parseAddress(after: "at=")
      case "hugetlb":
        try checkDuplicate(token, in: &seen)
        try checkValue(option, wantsValue: true, form: "hugetlb=2M|1G")
        mmap.hugetlb = try parseHugePageSize(after: "hugetlb=")
        hugetlbToken = token
      default:
        throw unknownOption(token, of: "mmap", options: options)
      }
    }
    if let file {
      if let anon {
        throw error(at: anon, "'anon' conflicts with 'file='", accepted: "expected either anon or file=FILE")
      }
      if let hugetlbToken {
        throw error(
          at: hugetlbToken, "'hugetlb=' conflicts with 'file='",
          accepted: "expected hugetlb= on anonymous mappings only")
      }
      mmap.backing = .file(file, offset: offset?.1 ?? 0)
    } else if let offset {
      throw error(at: offset.0, "'offset=' needs 'file='", accepted: "expected 'file=FILE offset=SIZE'")
    }
    return .mmap(mmap)
  }

  /// Parses `2M` or `1G`.
  mutating func parseHugePageSize(after: String) throws(ScenarioDiagnostic) -> Command.HugePageSize {
    guard let token = advance() else {
      throw error(at: nil, "missing page size after '\(after)'", accepted: "expected 2M or 1G")
    }
    let value = try size(of: token, "huge page size")
    guard let size = Command.HugePageSize(rawValue: value) else {
      throw error(at: token, "unsupported huge page size \(token.quoted)", accepted: "expected 2M or 1G")
    }
    return size
  }

  /// Parses the rest of `A: [NEW =] mremap ADDR OLDSIZE NEWSIZE [maymove] [fixed=ADDR]`.
  private mutating func parseMremap(process: Identifier, name: Identifier?) throws(ScenarioDiagnostic) -> Command {
    let range = try parseRange(after: "mremap")
    let newSize = try parseSize("new size", after: "\(range)")
    var mremap = Command.Mremap(process: process, name: name, range: range, newSize: newSize)
    let options = "maymove, fixed=ADDRESS, dontunmap"
    let form = "mremap \(range) \(SizeFormatter.string(newSize))"
    var seen: Set<String> = []
    while let option = try nextOption(form: form, options: options) {
      switch option.name.text {
      case "maymove":
        try checkDuplicate(option.name, in: &seen)
        try checkValue(option, wantsValue: false, form: "maymove")
        mremap.mayMove = true
      case "dontunmap":
        try checkDuplicate(option.name, in: &seen)
        try checkValue(option, wantsValue: false, form: "dontunmap")
        mremap.dontUnmap = true
      case "fixed":
        try checkDuplicate(option.name, in: &seen)
        try checkValue(option, wantsValue: true, form: "fixed=ADDRESS")
        mremap.fixedAddress = try parseAddress(after: "fixed=")
      default:
        throw unknownOption(option.name, of: "mremap", options: options)
      }
    }
    return .mremap(mremap)
  }

  /// Parses the rest of `A: read ADDR SIZE [expect=P]` or `A: write ADDR SIZE [pattern=P]`.
  private mutating func parseAccess(process: Identifier, isWrite: Bool) throws(ScenarioDiagnostic) -> Command {
    let verb = isWrite ? "write" : "read"
    let key = isWrite ? "pattern" : "expect"
    let range = try parseRange(after: verb)
    var access = Command.Access(process: process, range: range)
    let form = "\(verb) \(range)"
    if let option = try nextOption(form: form, options: "\(key)=PATTERN") {
      guard option.name.text == key else {
        throw unknownOption(option.name, of: verb, options: "\(key)=PATTERN")
      }
      try checkValue(option, wantsValue: true, form: "\(key)=PATTERN")
      let pattern = try parsePattern(after: "\(key)=")
      access.pattern = pattern
      try expectEnd(after: "\(form) \(key)=\(pattern)")
    }
    return isWrite ? .write(access) : .read(access)
  }
}
