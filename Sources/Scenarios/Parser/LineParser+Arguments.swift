extension LineParser {
  /// The accepted forms of a size, for messages.
  static let sizeForms = "expected a number with an optional K, M, G or T suffix (4K, 2M) or a hex literal (0x1000)"
  /// The accepted forms of an address, for messages.
  static let addressForms =
    "expected a region name, region+offset (buf+1M, buf+1M+0x1000) or a hex address (0x7f0000000000)"

  /// Consumes a name (a word), e.g. a process or region name.
  ///
  /// - Parameters:
  ///   - what: what the name names (`process name`), for messages.
  ///   - after: the text the name follows, for messages.
  ///   - form: the form of the command, for messages.
  mutating func parseName(_ what: String, after: String, form: String) throws(ScenarioDiagnostic)
    -> Identifier
  {
    guard let token = advance() else {
      throw error(at: nil, "missing \(what) after '\(after)'", accepted: "expected '\(form)'")
    }
    guard token.kind == .word else {
      throw error(
        at: token, "bad \(what) \(token.quoted)",
        accepted: "expected a name that starts with a letter, as in '\(form)'")
    }
    return Identifier(token.text, at: location(token))
  }

  /// Consumes a size (`4K`, `2M`, `0x1000`, `4096`).
  ///
  /// - Parameters:
  ///   - what: what the size is (`size`, `offset`), for messages.
  ///   - after: the text the size follows, for messages.
  mutating func parseSize(_ what: String = "size", after: String) throws(ScenarioDiagnostic) -> UInt64 {
    guard let token = advance() else {
      throw error(at: nil, "missing \(what) after '\(after)'", accepted: Self.sizeForms)
    }
    return try size(of: token, what)
  }

  /// The value of a size token.
  func size(of token: Token, _ what: String = "size") throws(ScenarioDiagnostic) -> UInt64 {
    guard token.kind == .number else {
      throw error(at: token, "bad \(what) \(token.quoted)", accepted: Self.sizeForms)
    }
    switch NumberLiteral.size(token.text) {
    case .success(let value): return value
    case .failure(.overflow):
      throw error(
        at: token, "\(what) \(token.quoted) does not fit in 64 bits",
        accepted: "expected a value below 16E (2^64 bytes)")
    case .failure(.malformed):
      throw error(at: token, "bad \(what) \(token.quoted)", accepted: Self.sizeForms)
    }
  }

  /// Consumes a count (`2`, `0x10`), at most `limit`.
  mutating func parseCount(_ what: String, after: String, limit: UInt64 = .max) throws(ScenarioDiagnostic)
    -> UInt64
  {
    guard let token = advance() else {
      throw error(at: nil, "missing \(what) after '\(after)'", accepted: "expected a number such as 2")
    }
    return try count(of: token, what, limit: limit)
  }

  /// The value of a count token, at most `limit`.
  func count(of token: Token, _ what: String, limit: UInt64 = .max) throws(ScenarioDiagnostic) -> UInt64 {
    guard token.kind == .number else {
      throw error(at: token, "bad \(what) \(token.quoted)", accepted: "expected a number such as 2 or 0x10")
    }
    switch NumberLiteral.count(token.text) {
    case .success(let value) where value <= limit: return value
    case .success, .failure(.overflow):
      throw error(
        at: token, "\(what) \(token.quoted) is too large", accepted: "expected a number up to \(limit)")
    case .failure(.malformed):
      throw error(at: token, "bad \(what) \(token.quoted)", accepted: "expected a number such as 2 or 0x10")
    }
  }

  /// Consumes an address expression: `NAME`, `NAME+SIZE+...`, or a literal with offsets.
  mutating func parseAddress(_ what: String = "address", after: String) throws(ScenarioDiagnostic)
    -> AddressExpression
  {
    guard let token = advance() else {
      throw error(at: nil, "missing \(what) after '\(after)'", accepted: Self.addressForms)
    }
    var expression: AddressExpression
    switch token.kind {
    case .word:
      expression = AddressExpression(base: .region(Identifier(token.text, at: location(token))), at: location(token))
    case .number:
      switch NumberLiteral.size(token.text) {
      case .success(let value):
        expression = AddressExpression(base: .literal(value), at: location(token))
      case .failure(.overflow):
        throw error(
          at: token, "address \(token.quoted) does not fit in 64 bits",
          accepted: "expected an address below 0xffffffffffffffff")
      case .failure(.malformed):
        throw error(at: token, "bad \(what) \(token.quoted)", accepted: Self.addressForms)
      }
    default:
      throw error(at: token, "bad \(what) \(token.quoted)", accepted: Self.addressForms)
    }
    var literalTotal: UInt64 = 0
    if case .literal(let value) = expression.base { literalTotal = value }
    while let plus = peek, plus.kind == .plus {
      _ = advance()
      guard let term = advance() else {
        throw error(at: nil, "missing offset after '+'", accepted: Self.sizeForms)
      }
      let offset = try size(of: term, "offset")
      let (sum, overflow) = expression.offset.addingReportingOverflow(offset)
      let (total, overflow2) = literalTotal.addingReportingOverflow(sum)
      if overflow || overflow2 {
        _ = total
        throw error(
          at: term, "address overflows at offset \(term.quoted)",
          accepted: "expected an address below 2^64")
      }
      expression.offset = sum
    }
    return expression
  }

  /// Consumes an address and a size.
  mutating func parseRange(after: String) throws(ScenarioDiagnostic) -> AddressRange {
    let address = try parseAddress(after: after)
    let size = try parseSize(after: address.description)
    return AddressRange(address: address, size: size)
  }

  /// Consumes a protection (`none`, `r`, `rw`, `rwx`, ...).
  mutating func parseProtection(after: String) throws(ScenarioDiagnostic) -> Command.Protection {
    let accepted = "expected none, or r, w, x in that order (r, rw, rx, rwx)"
    guard let token = advance() else {
      throw error(at: nil, "missing protection after '\(after)'", accepted: accepted)
    }
    guard token.kind == .word, let protection = Command.Protection(parsing: token.text) else {
      throw error(at: token, "bad protection \(token.quoted)", accepted: accepted)
    }
    return protection
  }

  /// Consumes a data pattern (`index`, `index+N`, `neg-index`, `zero`, or a byte such as `0xAB`).
  mutating func parsePattern(after: String) throws(ScenarioDiagnostic) -> DataPattern {
    let accepted = "expected index, index+N, neg-index, zero or a byte value such as 0xAB"
    guard let token = advance() else {
      throw error(at: nil, "missing pattern after '\(after)'", accepted: accepted)
    }
    switch (token.kind, token.text) {
    case (.word, "index"):
      guard peek?.kind == .plus else { return .index }
      _ = advance()
      guard let number = advance(), number.kind == .number, case .success(let shift) = NumberLiteral.count(number.text),
        shift <= UInt64(UInt32.max)
      else {
        throw error(at: position <= tokens.count ? tokens[position - 1] : nil, "bad index shift after 'index+'",
                    accepted: "expected index+N with N from 0 to 4294967295, e.g. index+3")
      }
      return shift == 0 ? .index : .shiftedIndex(UInt32(shift))
    case (.word, "neg-index"): return .negatedIndex
    case (.word, "zero"): return .byte(0)
    case (.number, _):
      guard case .success(let value) = NumberLiteral.count(token.text), value <= 0xFF else {
        throw error(at: token, "bad pattern \(token.quoted)", accepted: accepted)
      }
      return .byte(UInt8(value))
    default:
      throw error(at: token, "bad pattern \(token.quoted)", accepted: accepted)
    }
  }

  /// Consumes the next option, `name` or `name=`, leaving its value (if any) to the caller.
  ///
  /// Returns nil at the end of the line.
  ///
  /// - Parameters:
  ///   - form: the command's form, for messages.
  ///   - options: the options the command accepts, for messages.
  mutating func nextOption(form: String, options: String) throws(ScenarioDiagnostic) -> (name: Token, hasValue: Bool)? {
    guard let token = peek else { return nil }
    guard token.kind == .word else {
      throw error(
        at: token, "unexpected \(token.quoted) after '\(form)'",
        accepted: "expected options (\(options)) or the end of the line")
    }
    _ = advance()
    if peek?.kind == .equals {
      _ = advance()
      return (token, true)
    }
    return (token, false)
  }

  /// The diagnostic for an option a command does not know.
  func unknownOption(_ token: Token, of command: String, options: String) -> ScenarioDiagnostic {
    error(at: token, "unknown option \(token.quoted) for \(command)", accepted: "expected \(options)")
  }

  /// Fails if `option` was already given; records it otherwise.
  func checkDuplicate(_ option: Token, in seen: inout Set<String>) throws(ScenarioDiagnostic) {
    if !seen.insert(option.text).inserted {
      throw error(at: option, "duplicate option \(option.quoted)", accepted: "expected each option at most once")
    }
  }

  /// Fails if a flag was written with a value, or an option without one.
  func checkValue(_ option: (name: Token, hasValue: Bool), wantsValue: Bool, form: String) throws(ScenarioDiagnostic) {
    if wantsValue && !option.hasValue {
      throw error(
        at: option.name, "missing value for option \(option.name.quoted)",
        accepted: "expected \(form)")
    }
    if !wantsValue && option.hasValue {
      throw error(
        at: option.name, "option \(option.name.quoted) takes no value",
        accepted: "expected '\(option.name.text)' alone")
    }
  }
}
