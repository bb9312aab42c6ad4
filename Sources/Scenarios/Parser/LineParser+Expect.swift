extension LineParser {
  /// The forms an `expect` line accepts, for messages.
  static let expectForms =
    "expected error [ERRNO], folios, deferred-split, free-frames, used-frames, vmstat NAME, mthp SIZE NAME, invalidations PROCESS, or PROCESS snapshot|rss|vmas|page-tables"

  /// Parses `expect ...`.
  mutating func parseExpect() throws(ScenarioDiagnostic) -> Command {
    _ = advance()
    guard let subject = advance() else {
      throw error(at: nil, "missing subject after 'expect'", accepted: Self.expectForms)
    }
    guard subject.kind == .word else {
      throw error(at: subject, "bad expectation \(subject.quoted)", accepted: Self.expectForms)
    }
    switch subject.text {
    case "error":
      var name: Expectation.ErrorName?
      if let token = advance() {
        let names = Expectation.ErrorName.allCases.map(\.rawValue).joined(separator: ", ")
        guard token.kind == .word, let errno = Expectation.ErrorName(rawValue: token.text) else {
          throw error(at: token, "unknown error \(token.quoted)", accepted: "expected one of \(names)")
        }
        name = errno
        try expectEnd(after: "expect error \(errno)")
      }
      return .expect(.error(name))
    case "folios":
      var order: Int?
      var kind: Expectation.FolioKind?
      var seen: Set<String> = []
      let options = "order=N, anon, file, shmem, hugetlb"
      while let token = peek, token.kind == .word {
        guard let option = try nextOption(form: "expect folios", options: options) else { break }
        try checkDuplicate(option.name, in: &seen)
        if option.name.text == "order" {
          try checkValue(option, wantsValue: true, form: "order=N")
          order = Int(try parseCount("order", after: "order=", limit: 30))
        } else if let folioKind = Expectation.FolioKind(rawValue: option.name.text) {
          if kind != nil {
            throw error(at: option.name, "more than one folio kind", accepted: "expected at most one of anon, file, shmem, hugetlb")
          }
          try checkValue(option, wantsValue: false, form: folioKind.rawValue)
          kind = folioKind
        } else {
          throw unknownOption(option.name, of: "expect folios", options: options)
        }
      }
      return try parseComparison(.folios(order: order, kind: kind))
    case "deferred-split":
      return try parseComparison(.deferredSplit)
    case "vmstat":
      let names = Expectation.VMStat.allCases.map(\.rawValue).joined(separator: ", ")
      guard let token = advance() else {
        throw error(at: nil, "missing counter name after 'vmstat'", accepted: "expected one of \(names)")
      }
      guard token.kind == .word, let name = Expectation.VMStat(rawValue: token.text) else {
        throw error(at: token, "unknown vmstat counter \(token.quoted)", accepted: "expected one of \(names)")
      }
      return try parseComparison(.vmstat(name))
    case "mthp":
      return try parseComparison(try parseMTHPCounter())
    case "free-frames":
      return try parseComparison(.freeFrames)
    case "used-frames":
      return try parseComparison(.usedFrames)
    case "invalidations":
      let process = try parseName(
        "process name", after: "invalidations", form: "expect invalidations PROCESS [event=E] == N")
      var event: Expectation.InvalidationEvent?
      var start: AddressExpression?
      var size: UInt64?
      var seen: Set<String> = []
      let options = "event=EVENT, start=ADDRESS, size=SIZE"
      while let token = peek, token.kind == .word {
        guard let option = try nextOption(form: "expect invalidations \(process)", options: options) else { break }
        try checkDuplicate(option.name, in: &seen)
        switch option.name.text {
        case "event":
          try checkValue(option, wantsValue: true, form: "event=EVENT")
          let events = Expectation.InvalidationEvent.allCases.map(\.rawValue).joined(separator: ", ")
          guard let token = advance() else {
            throw error(at: nil, "missing event after 'event='", accepted: "expected one of \(events)")
          }
          guard token.kind == .word, let value = Expectation.InvalidationEvent(rawValue: token.text) else {
            throw error(at: token, "unknown event \(token.quoted)", accepted: "expected one of \(events)")
          }
          event = value
        case "start":
          try checkValue(option, wantsValue: true, form: "start=ADDRESS")
          start = try parseAddress(after: "start=")
        case "size":
          try checkValue(option, wantsValue: true, form: "size=SIZE")
          size = try parseSize(after: "size=")
        default:
          throw unknownOption(option.name, of: "expect invalidations", options: options)
        }
      }
      return try parseComparison(.invalidations(process: process, event: event, start: start, size: size))
    case "hmm", "notifier", "oracle":
      return try parseDeviceExpectation(subject)
    default:
      if deviceNames.contains(subject.text) || dmirrorNames.contains(subject.text) {
        return try parseDeviceExpectation(subject)
      }
      let process = Identifier(subject.text, at: location(subject))
      let accepted = "expected snapshot, rss, vmas, page-tables, pins, refcount or wait after a process name, or \(Self.expectForms.dropFirst("expected ".count))"
      guard let what = advance() else {
        throw error(at: nil, "missing value after 'expect \(subject.text)'", accepted: accepted)
      }
      guard what.kind == .word else {
        throw error(at: what, "bad expectation \(what.quoted)", accepted: accepted)
      }
      switch what.text {
      case "snapshot": return try parseSnapshotExpectation(process: process)
      case "rss": return try parseComparison(.rss(process: process))
      case "vmas": return try parseComparison(.vmas(process: process))
      case "page-tables": return try parseComparison(.pageTables(process: process))
      case "pins": return try parseComparison(.pins(process: process, address: try parseAddress(after: "pins")))
      case "refcount": return try parseComparison(.referenceCount(process: process, address: try parseAddress(after: "refcount")))
      case "wait": return try parseWaitExpectation(process: process)
      default:
        throw error(at: what, "unknown expectation \(what.quoted) for '\(subject.text)'", accepted: accepted)
      }
    }
  }

  /// Parses `== exited [N]` or `== signaled [SIGNAL]` after `expect PROCESS wait`.
  private mutating func parseWaitExpectation(process: Identifier) throws(ScenarioDiagnostic) -> Command {
    let accepted = "expected '== exited [STATUS]' or '== signaled [SIGNAL]'"
    guard let op = advance(), op.kind == .comparison, op.text == "==" else {
      throw error(at: position <= tokens.count && position > 0 ? tokens[position - 1] : nil, "expected '==' after '\(process) wait'", accepted: accepted)
    }
    guard let word = advance(), word.kind == .word, word.text == "exited" || word.text == "signaled" else {
      throw error(at: position <= tokens.count && position > 0 ? tokens[position - 1] : nil, "expected 'exited' or 'signaled'", accepted: accepted)
    }
    if word.text == "exited" {
      var code: Int32?
      if peek != nil { code = Int32(try parseCount("exit status", after: "exited", limit: 255)) }
      try expectEnd(after: "wait == exited")
      return .expect(.wait(process: process, status: .exited(code)))
    }
    var signal: Command.Signal?
    if let token = advance() {
      let signals = Command.Signal.allCases.map(\.rawValue).joined(separator: ", ")
      guard token.kind == .word, let value = Command.Signal(rawValue: token.text) else {
        throw error(at: token, "unknown signal \(token.quoted)", accepted: "expected one of \(signals)")
      }
      signal = value
    }
    try expectEnd(after: "wait == signaled")
    return .expect(.wait(process: process, status: .signaled(signal)))
  }

  /// Parses `OP VALUE` after a counter, and the end of the line.
  private mutating func parseComparison(_ counter: Expectation.Counter) throws(ScenarioDiagnostic) -> Command {
    let accepted = "expected ==, !=, <, <=, > or >= and a \(counter.isSize ? "size" : "number")"
    guard let token = advance() else {
      throw error(at: nil, "missing comparison after '\(counter)'", accepted: accepted)
    }
    guard token.kind == .comparison, let comparison = Expectation.Comparison(rawValue: token.text) else {
      throw error(at: token, "expected a comparison after '\(counter)', found \(token.quoted)", accepted: accepted)
    }
    let value: UInt64
    if counter.isSize {
      value = try parseSize(after: "\(counter) \(comparison)")
    } else {
      value = try parseCount("number", after: "\(counter) \(comparison)")
    }
    try expectEnd(after: "expect \(counter) \(comparison) \(counter.isSize ? SizeFormatter.string(value) : "\(value)")")
    return .expect(.counter(counter, comparison, value))
  }

  /// Parses `ADDR SIZE == ATTRIBUTE...` after `expect PROCESS snapshot`.
  private mutating func parseSnapshotExpectation(process: Identifier) throws(ScenarioDiagnostic) -> Command {
    let range = try parseRange(after: "snapshot")
    let attributes =
      "none, unmapped, present, protnone, zero, read, write, pte, pmd, pud, anon, file, shmem, hugetlb, order=N, folios=N, mapcount=N, shared-with=PROCESS, not-shared-with=PROCESS"
    // Also accepted (not listed, to keep the message stable): swap, device-private,
    // device-exclusive, migration.
    guard let op = advance() else {
      throw error(at: nil, "missing '==' after 'snapshot \(range)'", accepted: "expected '== ATTRIBUTES' (\(attributes))")
    }
    guard op.kind == .comparison, op.text == "==" else {
      throw error(at: op, "expected '==' after 'snapshot \(range)', found \(op.quoted)", accepted: "expected '== ATTRIBUTES' (\(attributes))")
    }
    var result: [Expectation.PageAttribute] = []
    var seen: Set<String> = []
    while let option = try nextOption(form: "snapshot \(range) ==", options: attributes) {
      try checkDuplicate(option.name, in: &seen)
      let simple: Expectation.PageAttribute?
      switch option.name.text {
      case "none": simple = Expectation.PageAttribute.none
      case "present": simple = .present
      case "unmapped": simple = .unmapped
      case "protnone": simple = .protNone
      case "swap": simple = .swap
      case "device-private", "device-exclusive", "migration": simple = Expectation.SwapEntryKind(rawValue: option.name.text).map { .swapType($0) }
      case "zero": simple = .zero
      case "read": simple = .readOnly
      case "write": simple = .writable
      case "pte", "pmd", "pud": simple = .level(Expectation.Level(rawValue: option.name.text) ?? .pte)
      case "anon", "file", "shmem", "hugetlb": simple = .kind(Expectation.FolioKind(rawValue: option.name.text) ?? .anon)
      default: simple = nil
      }
      if let simple {
        try checkValue(option, wantsValue: false, form: option.name.text)
        result.append(simple)
        continue
      }
      switch option.name.text {
      case "order":
        try checkValue(option, wantsValue: true, form: "order=N")
        result.append(.order(Int(try parseCount("order", after: "order=", limit: 30))))
      case "folios":
        try checkValue(option, wantsValue: true, form: "folios=N")
        result.append(.folios(Int(try parseCount("folio count", after: "folios=", limit: UInt64(Int32.max)))))
      case "mapcount":
        try checkValue(option, wantsValue: true, form: "mapcount=N")
        result.append(.mapCount(Int(try parseCount("map count", after: "mapcount=", limit: UInt64(Int32.max)))))
      case "shared-with", "not-shared-with":
        try checkValue(option, wantsValue: true, form: "\(option.name.text)=PROCESS")
        let other = try parseName("process name", after: "\(option.name.text)=", form: "\(option.name.text)=PROCESS")
        result.append(option.name.text == "shared-with" ? .sharedWith(other) : .notSharedWith(other))
      default:
        throw error(at: option.name, "unknown page attribute \(option.name.quoted)", accepted: "expected \(attributes)")
      }
    }
    if result.isEmpty {
      throw error(at: nil, "missing attributes after '=='", accepted: "expected \(attributes)")
    }
    return .expect(.snapshot(process: process, range: range, attributes: result))
  }
}
