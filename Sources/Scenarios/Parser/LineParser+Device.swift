import DeviceMirror

extension LineParser {
  /// The options of a `device` line, for messages.
  static let deviceOptions = "pages=4K,64K,2M,1G|nvidia|xe|amd|base, policy=base|map-order|scan|folio-order|pte-batch, tlb=ENTRIESxWAYS, window=SIZE, placement=system|migrate, memory=SIZE, hmm-order=map-order|pte-batch"
  /// The commands after `DEV:`, for messages.
  static let deviceCommands = "mirror PROCESS, read ADDR SIZE, write ADDR SIZE, snapshot ADDR SIZE"
  /// The commands after `FD:`, for messages.
  static let dmirrorCommands = DMirrorOperation.allCases.map(\.rawValue).joined(separator: ", ")

  /// Parses `hmm PROCESS ADDR SIZE [fault=none|read|write]`.
  mutating func parseHMM() throws(ScenarioDiagnostic) -> Command {
    _ = advance()
    let process = try parseName("process name", after: "hmm", form: "hmm PROCESS ADDR SIZE [fault=read|write]")
    let range = try parseRange(after: "hmm \(process)")
    var fault = HMMFaultMode.none
    var pteBatch = false
    var seen: Set<String> = []
    let options = "fault=none|read|write, order=map-order|pte-batch"
    while peek?.kind == .word, let option = try nextOption(form: "hmm \(process) \(range)", options: options) {
      try checkDuplicate(option.name, in: &seen)
      if option.name.text == "order" {
        pteBatch = try parseOrderHint(option)
        continue
      }
      guard option.name.text == "fault" else { throw unknownOption(option.name, of: "hmm", options: options) }
      try checkValue(option, wantsValue: true, form: "fault=none|read|write")
      guard let token = advance(), token.kind == .word, let mode = HMMFaultMode(rawValue: token.text) else {
        throw error(at: tokens.last, "bad fault mode", accepted: "expected fault=none, fault=read or fault=write")
      }
      fault = mode
    }
    try expectEnd(after: "hmm \(process) \(range) fault=\(fault.rawValue)")
    if pteBatch { return .device(.hmmPTEBatch(process: process, range: range, fault: fault)) }
    return .device(.hmm(process: process, range: range, fault: fault))
  }

  /// Parses `notifier N insert PROCESS ADDR SIZE` and `notifier N remove`.
  mutating func parseNotifier() throws(ScenarioDiagnostic) -> Command {
    _ = advance()
    let form = "notifier NAME insert PROCESS ADDR SIZE' or 'notifier NAME remove"
    let name = try parseName("notifier name", after: "notifier", form: form)
    guard let verb = advance(), verb.kind == .word, verb.text == "insert" || verb.text == "remove" else {
      throw error(at: tokens.count > position - 1 ? tokens[position - 1] : nil, "expected 'insert' or 'remove' after 'notifier \(name)'",
                  accepted: "expected '\(form)'")
    }
    if verb.text == "remove" {
      try expectEnd(after: "notifier \(name) remove")
      return .device(.notifierRemove(name: name))
    }
    let process = try parseName("process name", after: "insert", form: form)
    let range = try parseRange(after: "insert \(process)")
    try expectEnd(after: "notifier \(name) insert \(process) \(range)")
    return .device(.notifierInsert(name: name, process: process, range: range))
  }

  /// Parses `device NAME OPTIONS`.
  mutating func parseDevice() throws(ScenarioDiagnostic) -> Command {
    _ = advance()
    let name = try parseName("device name", after: "device", form: "device NAME pages=4K,2M policy=map-order")
    var definition = DeviceDefinition(name: name)
    var seen: Set<String> = []
    while let option = try nextOption(form: "device \(name)", options: Self.deviceOptions) {
      try checkDuplicate(option.name, in: &seen)
      try checkValue(option, wantsValue: true, form: "\(option.name.text)=VALUE")
      switch option.name.text {
      case "policy" where peek.map { $0.kind == .word && DriverPreset(rawValue: $0.text) != nil } ?? false:
        definition.policy = advance()!.text  // a real driver's policy (docs/drivers.md)
      case "pages":
        if let preset = peek, preset.kind == .word {
          _ = advance()
          let presets: [String: [UInt64]] = [
            "nvidia": [4096, 65536, 2 << 20], "xe": [4096, 65536, 2 << 20, 1 << 30], "amd": [4096, 2 << 20], "base": [4096],
          ]
          guard let sizes = presets[preset.text] else {
            throw error(at: preset, "unknown page-size preset \(preset.quoted)", accepted: "expected nvidia, xe, amd, base or sizes such as 4K,64K,2M,1G")
          }
          definition.pages = sizes
          continue
        }
        var sizes: [UInt64] = []
        repeat {
          guard let token = advance() else { throw error(at: nil, "missing page size", accepted: "expected 4K, 64K, 2M or 1G") }
          let value = try size(of: token, "page size")
          guard [4096, 65536, 2 << 20, 1 << 30].contains(value) else {
            throw error(at: token, "unsupported device page size \(token.quoted)", accepted: "expected 4K, 64K, 2M or 1G")
          }
          guard !sizes.contains(value) else {
            throw error(at: token, "page size \(token.quoted) is listed twice", accepted: "expected each of 4K, 64K, 2M, 1G at most once")
          }
          sizes.append(value)
        } while peek?.kind == .comma && advance() != nil
        guard sizes.contains(4096) else {
          let listed = sizes.map { SizeFormatter.string($0) }.joined(separator: ",")
          throw error(
            at: tokens[position - 1], "page sizes '\(listed)' lack 4K, the base page every device maps",
            accepted: "expected a list that includes 4K, e.g. pages=4K,\(listed)")
        }
        definition.pages = sizes
      case "policy":
        guard let token = advance(), token.kind == .word, ["base", "map-order", "scan", "folio-order", "pte-batch"].contains(token.text) else {
          throw error(at: tokens[position - 1], "unknown policy", accepted: "expected base, map-order, scan, folio-order or pte-batch")
        }
        definition.policy = token.text
      case "tlb":
        guard let token = advance(), token.kind == .number || token.kind == .word else {
          throw error(at: nil, "missing TLB geometry", accepted: "expected tlb=ENTRIESxWAYS, e.g. tlb=64x4")
        }
        let fields = token.text.split(separator: "x", omittingEmptySubsequences: false)
        let parts = fields.compactMap { Int($0) }
        guard fields.count == 2, parts.count == 2, parts[0] > 0, parts[1] > 0, parts[0] <= 1 << 16,
          parts[1] <= ScenarioParser.maximumTLBWays, parts[0] % parts[1] == 0,
          (parts[0] / parts[1]) & (parts[0] / parts[1] - 1) == 0
        else {
          throw error(at: token, "bad TLB geometry \(token.quoted)",
                      accepted: "expected ENTRIESxWAYS (at most 65536 entries and \(ScenarioParser.maximumTLBWays) ways) with entries a multiple of ways and a power-of-two number of sets, e.g. 64x4")
        }
        definition.tlb = (parts[0], parts[1])
      case "window":
        let value = try parseSize("fault window", after: "window=")
        guard value >= 4096, value <= 1 << 30, value & (value - 1) == 0 else {
          throw error(at: tokens[position - 1], "bad fault window", accepted: "expected a power of two from 4K to 1G")
        }
        definition.window = value
      case "placement":
        guard let token = advance(), token.kind == .word, ["system", "migrate"].contains(token.text) else {
          throw error(at: tokens[position - 1], "unknown placement", accepted: "expected placement=system or placement=migrate")
        }
        definition.placement = token.text
      case "hmm-order":
        definition.hmmOrder = try parseOrderHintValue() ? "pte-batch" : "map-order"
      case "memory":
        let value = try parseSize("device memory", after: "memory=")
        guard value >= 2 << 20, value <= 64 << 30 else {
          throw error(at: tokens[position - 1], "device memory out of range", accepted: "expected 2M to 64G")
        }
        definition.memory = value
      default:
        throw unknownOption(option.name, of: "device", options: Self.deviceOptions)
      }
    }
    if definition.placement == "migrate" && definition.memory == 0 { definition.memory = 256 << 20 }
    return .device(.define(definition))
  }

  /// Parses the command after `DEV:` (a `device`) or `FD:` (a dmirror file).
  mutating func parseDeviceCommand(_ subject: Identifier, isDMirror: Bool) throws(ScenarioDiagnostic) -> Command {
    guard let verb = advance(), verb.kind == .word else {
      throw error(at: nil, "missing command after '\(subject):'",
                  accepted: "expected \(isDMirror ? Self.dmirrorCommands : Self.deviceCommands)")
    }
    if isDMirror && (GUPTestCommand(rawValue: verb.text) != nil || verb.text == "pin" || verb.text == "unpin") {
      return try parseGUPTestCommand(subject, verb)
    }
    if isDMirror {
      guard let operation = DMirrorOperation(rawValue: verb.text) else {
        throw error(at: verb, "unknown dmirror command \(verb.quoted)", accepted: "expected \(Self.dmirrorCommands)")
      }
      var range: AddressRange?
      if operation.takesRange { range = try parseRange(after: "\(subject): \(operation.rawValue)") }
      var pattern: DataPattern?
      if operation == .write {
        guard let option = try nextOption(form: "\(subject): write", options: "pattern=PATTERN"), option.name.text == "pattern" else {
          throw error(at: nil, "missing pattern=PATTERN for a dmirror write", accepted: "expected '\(subject): write ADDR SIZE pattern=index'")
        }
        try checkValue(option, wantsValue: true, form: "pattern=PATTERN")
        pattern = try parsePattern(after: "pattern=")
      } else if operation.takesRange, let option = try nextOption(form: "\(subject): \(operation.rawValue)", options: "buffer=PATTERN") {
        // The caller's buffer (`cmd.ptr`) before the ioctl, as a test fills its mirror first.
        guard option.name.text == "buffer" else { throw unknownOption(option.name, of: "dmirror \(operation.rawValue)", options: "buffer=PATTERN") }
        try checkValue(option, wantsValue: true, form: "buffer=PATTERN")
        pattern = try parsePattern(after: "buffer=")
      }
      try expectEnd(after: "\(subject): \(operation.rawValue)")
      return .device(.dmirror(name: subject, operation: operation, range: range, pattern: pattern))
    }
    switch verb.text {
    case "mirror":
      let process = try parseName("process name", after: "mirror", form: "\(subject): mirror PROCESS")
      try expectEnd(after: "\(subject): mirror \(process)")
      return .device(.mirror(device: subject, process: process))
    case "snapshot":
      let range = try parseRange(after: "snapshot")
      try expectEnd(after: "\(subject): snapshot \(range)")
      return .device(.snapshot(device: subject, range: range))
    case "read", "write":
      let write = verb.text == "write"
      let range = try parseRange(after: verb.text)
      var pattern: DataPattern?
      var random = false
      var seed: UInt64 = 1
      var seen: Set<String> = []
      let options = write ? "pattern=PATTERN, order=sequential|random, seed=N" : "expect=PATTERN, order=sequential|random, seed=N"
      while let option = try nextOption(form: "\(subject): \(verb.text) \(range)", options: options) {
        try checkDuplicate(option.name, in: &seen)
        try checkValue(option, wantsValue: true, form: "\(option.name.text)=VALUE")
        switch option.name.text {
        case "pattern" where write, "expect" where !write:
          pattern = try parsePattern(after: "\(option.name.text)=")
        case "order":
          guard let token = advance(), token.kind == .word, token.text == "random" || token.text == "sequential" else {
            throw error(at: tokens[position - 1], "bad access order", accepted: "expected order=sequential or order=random")
          }
          random = token.text == "random"
        case "seed":
          seed = try parseCount("seed", after: "seed=")
        default:
          throw unknownOption(option.name, of: "device \(verb.text)", options: options)
        }
      }
      return .device(.access(device: subject, range: range, write: write, pattern: pattern, random: random, seed: seed))
    default:
      throw error(at: verb, "unknown device command \(verb.quoted)", accepted: "expected \(Self.deviceCommands)")
    }
  }

  /// Parses `open hmm_dmirrorN` after `PROCESS: FD =`.
  mutating func parseOpen(process: Identifier, name: Identifier) throws(ScenarioDiagnostic) -> Command {
    if peek?.kind == .word && peek?.text == "gup_test" {
      _ = advance()
      try expectEnd(after: "\(name) = open gup_test")
      return .device(.openGUPTest(name: name, process: process))
    }
    guard let token = advance(), token.kind == .word, let number = (0...3).first(where: { token.text == "hmm_dmirror\($0)" })
    else {
      let given = position > 0 && position <= tokens.count ? tokens[position - 1] : nil
      throw error(at: given, given.map { "unknown dmirror device \($0.quoted)" } ?? "missing dmirror device after 'open'",
                  accepted: "expected 'open hmm_dmirror0' to 'open hmm_dmirror3' (0, 1 private; 2, 3 coherent) or 'open gup_test'")
    }
    try expectEnd(after: "\(name) = open \(token.text)")
    return .device(.open(name: name, process: process, device: number))
  }

  /// Parses the expectations about HMM, notifiers, devices, dmirror files and the oracle;
  /// `subject` is the word after `expect`.
  mutating func parseDeviceExpectation(_ subject: Token) throws(ScenarioDiagnostic) -> Command {
    switch subject.text {
    case "hmm":
      let process = try parseName("process name", after: "expect hmm", form: "expect hmm PROCESS ADDR SIZE == valid write order=9")
      let range = try parseRange(after: "expect hmm \(process)")
      var pteBatch = false
      if peek?.kind == .word, let option = try nextOption(form: "expect hmm \(process) \(range)", options: "order=pte-batch or '=='") {
        guard option.name.text == "order" else { throw unknownOption(option.name, of: "expect hmm", options: "order=map-order|pte-batch") }
        pteBatch = try parseOrderHint(option)
      }
      try expectEquals(after: "expect hmm \(process) \(range)")
      let accepted = "valid, read, write, error, none, zero, order=N"
      var attributes: [HMMAttribute] = []
      while let option = try nextOption(form: "expect hmm \(process) \(range) ==", options: accepted) {
        switch option.name.text {
        case "valid": attributes.append(.valid)
        case "read": attributes.append(.readOnly)
        case "write": attributes.append(.writable)
        case "error": attributes.append(.error)
        case "none": attributes.append(.none)
        case "zero": attributes.append(.zero)
        case "order":
          try checkValue(option, wantsValue: true, form: "order=N")
          attributes.append(.order(Int(try parseCount("order", after: "order=", limit: 31))))
          continue
        default:
          throw error(at: option.name, "unknown HMM attribute \(option.name.quoted)", accepted: "expected \(accepted)")
        }
        try checkValue(option, wantsValue: false, form: option.name.text)
      }
      guard !attributes.isEmpty else { throw error(at: nil, "missing attributes after '=='", accepted: "expected \(accepted)") }
      if pteBatch { return .expect(.device(.hmmPTEBatch(process: process, range: range, attributes: attributes))) }
      return .expect(.device(.hmm(process: process, range: range, attributes: attributes)))
    case "notifier":
      let name = try parseName("notifier name", after: "expect notifier", form: "expect notifier N invalidations [event=E] == K")
      guard let word = advance(), word.kind == .word, word.text == "invalidations" else {
        throw error(at: nil, "expected 'invalidations' after 'expect notifier \(name)'", accepted: "expected 'expect notifier \(name) invalidations [event=E] == K'")
      }
      var event: Expectation.InvalidationEvent?
      if peek?.kind == .word, let option = try nextOption(form: "expect notifier \(name) invalidations", options: "event=EVENT") {
        guard option.name.text == "event" else { throw unknownOption(option.name, of: "expect notifier", options: "event=EVENT") }
        try checkValue(option, wantsValue: true, form: "event=EVENT")
        let events = Expectation.InvalidationEvent.allCases.map(\.rawValue).joined(separator: ", ")
        guard let token = advance(), token.kind == .word, let value = Expectation.InvalidationEvent(rawValue: token.text) else {
          throw error(at: tokens[position - 1], "unknown event", accepted: "expected one of \(events)")
        }
        event = value
      }
      let (comparison, value) = try parseNumberComparison(after: "expect notifier \(name) invalidations")
      return .expect(.device(.notifier(name: name, event: event, comparison, value)))
    case "oracle":
      guard let word = advance(), word.kind == .word, word.text == "violations" else {
        throw error(at: position <= tokens.count && position > 1 ? tokens[position - 1] : nil,
                    "expected 'violations' after 'expect oracle'", accepted: "expected 'expect oracle violations OP N'")
      }
      let (comparison, value) = try parseNumberComparison(after: "expect oracle violations")
      return .expect(.device(.oracleViolations(comparison, value)))
    default:
      let name = Identifier(subject.text, at: location(subject))
      guard let what = advance(), what.kind == .word else {
        throw error(at: nil, "missing value after 'expect \(name)'", accepted: "expected a counter, mapping, ret, data or snapshot")
      }
      switch what.text {
      case "mapping":
        let address = try parseAddress(after: "expect \(name) mapping")
        try expectEquals(after: "expect \(name) mapping \(address)")
        var pageSize: UInt64?
        var writable: Bool?
        var none = false
        while let token = peek {
          _ = advance()
          if token.kind == .word && token.text == "none" { none = true; continue }
          if token.kind == .word && (token.text == "read" || token.text == "write") { writable = token.text == "write"; continue }
          let value = try size(of: token, "device page size")
          guard [4096, 65536, 2 << 20, 1 << 30].contains(value) else {
            throw error(at: token, "unsupported device page size \(token.quoted)", accepted: "expected 4K, 64K, 2M, 1G, read, write or none")
          }
          pageSize = value
        }
        guard none || pageSize != nil || writable != nil else {
          throw error(at: nil, "missing mapping attributes", accepted: "expected SIZE and read|write, or none")
        }
        return .expect(.device(.mapping(device: name, address: address, size: none ? 0 : pageSize, writable: none ? nil : writable)))
      case "ret":
        try expectEquals(after: "expect \(name) ret")
        guard let token = advance() else { throw error(at: nil, "missing return code", accepted: "expected 0 or an errno name such as EFAULT") }
        if token.kind == .number && token.text == "0" {
          try expectEnd(after: "expect \(name) ret == 0")
          return .expect(.device(.result(name: name, error: nil)))
        }
        guard token.kind == .word, let errno = Expectation.ErrorName(rawValue: token.text) else {
          throw error(at: token, "bad return code \(token.quoted)", accepted: "expected 0 or an errno name such as EFAULT")
        }
        try expectEnd(after: "expect \(name) ret == \(errno)")
        return .expect(.device(.result(name: name, error: errno)))
      case "data":
        var from: UInt64 = 0
        var to: UInt64?
        var seen: Set<String> = []
        while let token = peek, token.kind == .word {
          guard let option = try nextOption(form: "expect \(name) data", options: "from=OFFSET, to=OFFSET") else { break }
          try checkDuplicate(option.name, in: &seen)
          try checkValue(option, wantsValue: true, form: "\(option.name.text)=OFFSET")
          switch option.name.text {
          case "from": from = try parseSize("offset", after: "from=")
          case "to": to = try parseSize("offset", after: "to=")
          default: throw unknownOption(option.name, of: "expect data", options: "from=OFFSET, to=OFFSET")
          }
        }
        if let to, to <= from {
          throw error(
            at: tokens[position - 1], "'to=\(SizeFormatter.string(to))' is not after 'from=\(SizeFormatter.string(from))'",
            accepted: "expected from= below to= (the bytes [from, to) of the buffer)")
        }
        try expectEquals(after: "expect \(name) data")
        let pattern = try parsePattern(after: "==")
        try expectEnd(after: "expect \(name) data == \(pattern)")
        return .expect(.device(.data(name: name, from: from, to: to, pattern: pattern)))
      case "snapshot":
        var all = false
        if peek?.kind == .word && peek?.text == "all" {
          _ = advance()
          all = true
        }
        try expectEquals(after: "expect \(name) snapshot")
        var bytes: [UInt8] = []
        while let token = peek {
          _ = advance()
          guard token.kind == .number, case .success(let value) = NumberLiteral.count(token.text), value <= 0xFF else {
            throw error(at: token, "bad snapshot byte \(token.quoted)", accepted: "expected bytes such as 0xff 0x11 0x02")
          }
          bytes.append(UInt8(value))
        }
        guard !bytes.isEmpty, !all || bytes.count == 1 else {
          throw error(at: nil, all ? "'snapshot all' takes one byte" : "missing snapshot bytes", accepted: "expected 0xHH bytes")
        }
        return .expect(.device(.snapshotBytes(name: name, bytes: bytes, all: all)))
      default:
        let counter = what.text
        let (comparison, value) = try parseNumberComparison(after: "expect \(name) \(counter)")
        return .expect(.device(.counter(subject: name, counter: counter, comparison, value)))
      }
    }
  }

  /// Consumes `==`.
  mutating func expectEquals(after form: String) throws(ScenarioDiagnostic) {
    guard let token = advance(), token.kind == .comparison, token.text == "==" else {
      throw error(at: position > 0 && position <= tokens.count ? tokens[position - 1] : nil, "expected '==' after '\(form)'",
                  accepted: "expected '\(form) == ...'")
    }
  }

  /// Consumes `OP NUMBER` and the end of the line.
  mutating func parseNumberComparison(after form: String) throws(ScenarioDiagnostic) -> (Expectation.Comparison, UInt64) {
    guard let token = advance(), token.kind == .comparison, let comparison = Expectation.Comparison(rawValue: token.text) else {
      throw error(at: position > 0 && position <= tokens.count ? tokens[position - 1] : nil, "expected a comparison after '\(form)'",
                  accepted: "expected ==, !=, <, <=, > or >= and a number")
    }
    let value = try parseSize("number", after: "\(form) \(comparison)")
    try expectEnd(after: "\(form) \(comparison) \(value)")
    return (comparison, value)
  }
}
