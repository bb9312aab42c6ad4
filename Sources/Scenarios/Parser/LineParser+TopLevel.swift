extension LineParser {
  /// Parses `process NAME`.
  mutating func parseProcess() throws(ScenarioDiagnostic) -> Command {
    _ = advance()
    let name = try parseName("process name", after: "process", form: "process NAME")
    try expectEnd(after: "process \(name)")
    return .process(name)
  }

  /// Parses `file NAME size=SIZE [shmem] [huge]` and `file NAME write OFFSET SIZE [pattern=P]`.
  mutating func parseFile() throws(ScenarioDiagnostic) -> Command {
    _ = advance()
    let name = try parseName("file name", after: "file", form: "file NAME size=SIZE [shmem] [huge]")
    if let verb = peek, verb.kind == .word, verb.text == "write", peekSecond?.kind != .equals {
      _ = advance()
      let offset = try parseSize("offset", after: "write")
      let size = try parseSize(after: SizeFormatter.string(offset))
      var write = Command.FileWrite(file: name, offset: offset, size: size, pattern: nil)
      let form = "file \(name) write \(SizeFormatter.string(offset)) \(SizeFormatter.string(size))"
      if let option = try nextOption(form: form, options: "pattern=PATTERN") {
        guard option.name.text == "pattern" else {
          throw unknownOption(option.name, of: "file write", options: "pattern=PATTERN")
        }
        try checkValue(option, wantsValue: true, form: "pattern=PATTERN")
        let pattern = try parsePattern(after: "pattern=")
        write.pattern = pattern
        try expectEnd(after: "\(form) pattern=\(pattern)")
      }
      return .fileWrite(write)
    }
    let options = "size=SIZE, shmem, huge, hugetlb=2M|1G"
    var definition = Command.FileDefinition(name: name, size: 0)
    var sawSize = false
    var sizeToken: Token?
    var seen: Set<String> = []
    while let option = try nextOption(form: "file \(name)", options: options) {
      try checkDuplicate(option.name, in: &seen)
      switch option.name.text {
      case "size":
        try checkValue(option, wantsValue: true, form: "size=SIZE")
        guard let token = advance() else {
          throw error(at: nil, "missing size after 'size='", accepted: Self.sizeForms)
        }
        definition.size = try size(of: token)
        sizeToken = token
        guard definition.size <= ScenarioParser.maximumFileSize else {
          throw error(
            at: token, "file size \(token.quoted) is larger than MAX_LFS_FILESIZE",
            accepted: "expected at most 0x7fffffffffffffff bytes")
        }
        sawSize = true
      case "shmem":
        try checkValue(option, wantsValue: false, form: "shmem")
        definition.shmem = true
      case "huge":
        try checkValue(option, wantsValue: false, form: "huge")
        definition.huge = true
      case "hugetlb":
        try checkValue(option, wantsValue: true, form: "hugetlb=2M|1G")
        definition.hugetlb = try parseHugePageSize(after: "hugetlb=")
      default:
        throw unknownOption(option.name, of: "file", options: options + ", or 'write OFFSET SIZE'")
      }
    }
    if definition.hugetlb != nil && (definition.shmem || definition.huge) {
      throw error(
        at: nil, "'hugetlb=' conflicts with 'shmem' and 'huge'",
        accepted: "expected 'file \(name) size=SIZE hugetlb=2M|1G' alone")
    }
    guard sawSize else {
      throw error(
        at: nil, "missing size=SIZE for file '\(name)'",
        accepted: "expected 'file \(name) size=4M [shmem] [huge]'")
    }
    if let hugetlb = definition.hugetlb {
      guard definition.size % hugetlb.bytes == 0 else {
        throw error(
          at: sizeToken,
          "size \(SizeFormatter.string(definition.size)) of hugetlbfs file '\(name)' is not a multiple of its \(hugetlb) pages (ftruncate gives EINVAL)",
          accepted: "expected a multiple of \(hugetlb): 'file \(name) size=\(hugetlb) hugetlb=\(hugetlb)'")
      }
    }
    return .file(definition)
  }

  /// Parses `system SETTING ...`.
  mutating func parseSystem() throws(ScenarioDiagnostic) -> Command {
    _ = advance()
    let options = "thp=always|madvise|never, thp-16K…thp-2M=always|inherit|madvise|never, memory=SIZE, fragment=PERCENT, hugetlb 2M=N 1G=N, oracle=strict|record"
    var settings: [Command.SystemSetting] = []
    var seen: Set<String> = []
    while let option = try nextOption(form: "system", options: options) {
      try checkDuplicate(option.name, in: &seen)
      switch option.name.text {
      case "thp":
        try checkValue(option, wantsValue: true, form: "thp=always|madvise|never")
        let accepted = "expected always, madvise or never"
        guard let token = advance() else {
          throw error(at: nil, "missing THP mode after 'thp='", accepted: accepted)
        }
        guard token.kind == .word, let mode = Command.ThpMode(rawValue: token.text) else {
          throw error(at: token, "unknown THP mode \(token.quoted)", accepted: accepted)
        }
        settings.append(.thp(mode))
      case let name where Command.MTHPMode.order(settingName: name) != nil:
        settings.append(try parseMTHPSetting(option, order: Command.MTHPMode.order(settingName: name)!))
      case "memory":
        try checkValue(option, wantsValue: true, form: "memory=SIZE")
        guard let token = advance() else {
          throw error(at: nil, "missing memory size after 'memory='", accepted: Self.sizeForms)
        }
        let bytes = try size(of: token, "memory size")
        guard bytes >= ScenarioParser.minimumMemory && bytes <= ScenarioParser.maximumMemory else {
          throw error(
            at: token, "memory size \(token.quoted) is out of range",
            accepted: "expected a size from \(SizeFormatter.string(ScenarioParser.minimumMemory)) to \(SizeFormatter.string(ScenarioParser.maximumMemory))")
        }
        settings.append(.memory(bytes))
      case "oracle":
        try checkValue(option, wantsValue: true, form: "oracle=strict|record")
        guard let token = advance(), token.kind == .word, token.text == "strict" || token.text == "record" else {
          throw error(at: tokens[position - 1], "bad oracle mode", accepted: "expected oracle=strict or oracle=record")
        }
        settings.append(.oracle(record: token.text == "record"))
      case "fragment":
        try checkValue(option, wantsValue: true, form: "fragment=PERCENT")
        settings.append(.fragment(percent: try parseCount("percentage", after: "fragment=", limit: 100)))
      case "hugetlb":
        try checkValue(option, wantsValue: false, form: "hugetlb 2M=N 1G=N")
        var sizes: Set<UInt64> = []
        while let token = peek, token.kind == .number {
          _ = advance()
          let value = try size(of: token, "huge page size")
          guard let size = Command.HugePageSize(rawValue: value) else {
            throw error(at: token, "unsupported huge page size \(token.quoted)", accepted: "expected 2M=N or 1G=N")
          }
          if !sizes.insert(value).inserted {
            throw error(at: token, "duplicate pool size \(token.quoted)", accepted: "expected each size at most once")
          }
          guard advance()?.kind == .equals else {
            throw error(at: token, "missing '=' after \(token.quoted)", accepted: "expected \(size)=N")
          }
          settings.append(.hugetlbPages(size, count: try parseCount("page count", after: "\(size)=", limit: 1 << 24)))
        }
        if sizes.isEmpty {
          throw error(at: peek, "missing pool size after 'hugetlb'", accepted: "expected 2M=N and/or 1G=N")
        }
      default:
        throw unknownOption(option.name, of: "system", options: options)
      }
    }
    if settings.isEmpty {
      throw error(at: nil, "missing setting after 'system'", accepted: "expected \(options)")
    }
    return .system(settings)
  }
}
