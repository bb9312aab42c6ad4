extension LineParser {
  /// Parses the value of `thp-64K=MODE` (the option name already read).
  mutating func parseMTHPSetting(_ option: (name: Token, hasValue: Bool), order: Int) throws(ScenarioDiagnostic)
    -> Command.SystemSetting
  {
    let form = "\(option.name.text)=always|inherit|madvise|never"
    try checkValue(option, wantsValue: true, form: form)
    let accepted = "expected always, inherit, madvise or never"
    guard let token = advance() else {
      throw error(at: nil, "missing THP mode after '\(option.name.text)='", accepted: accepted)
    }
    guard token.kind == .word, let mode = Command.MTHPMode(rawValue: token.text) else {
      throw error(at: token, "unknown THP mode \(token.quoted) for \(option.name.quoted)", accepted: accepted)
    }
    return .mthp(order: order, mode)
  }
}

extension LineParser {
  /// Parses `SIZE NAME` after `expect mthp`: a size from 16K to 2M and a stats file name.
  mutating func parseMTHPCounter() throws(ScenarioDiagnostic) -> Expectation.Counter {
    let sizes = Command.MTHPMode.orders.map { SizeFormatter.string(UInt64(4096) << UInt64($0)) }.joined(separator: ", ")
    guard let token = advance() else {
      throw error(at: nil, "missing size after 'mthp'", accepted: "expected one of \(sizes)")
    }
    let bytes = try size(of: token, "mTHP size")
    guard let order = Command.MTHPMode.orders.first(where: { UInt64(4096) << UInt64($0) == bytes }) else {
      throw error(at: token, "no per-size THP setting for \(token.quoted)", accepted: "expected one of \(sizes)")
    }
    let names = Expectation.MTHPStat.allCases.map(\.rawValue).joined(separator: ", ")
    guard let name = advance() else {
      throw error(at: nil, "missing counter name after 'mthp \(token.text)'", accepted: "expected one of \(names)")
    }
    guard name.kind == .word, let stat = Expectation.MTHPStat(rawValue: name.text) else {
      throw error(at: name, "unknown mTHP counter \(name.quoted)", accepted: "expected one of \(names)")
    }
    return .mthp(order: order, stat)
  }
}

extension LineParser {
  /// Parses the value of `order=map-order|pte-batch` (the option name already read).
  /// - Returns: whether it is `pte-batch`.
  mutating func parseOrderHint(_ option: (name: Token, hasValue: Bool)) throws(ScenarioDiagnostic) -> Bool {
    try checkValue(option, wantsValue: true, form: "order=map-order|pte-batch")
    return try parseOrderHintValue()
  }

  /// Parses `map-order` or `pte-batch` after an `=`.
  /// - Returns: whether it is `pte-batch`.
  mutating func parseOrderHintValue() throws(ScenarioDiagnostic) -> Bool {
    let accepted = "expected map-order (Linux) or pte-batch (the experiment)"
    guard let token = advance() else { throw error(at: nil, "missing order hint", accepted: accepted) }
    guard token.kind == .word, token.text == "map-order" || token.text == "pte-batch" else {
      throw error(at: token, "unknown order hint \(token.quoted)", accepted: accepted)
    }
    return token.text == "pte-batch"
  }
}
