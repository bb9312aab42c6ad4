extension LineParser {
  /// The commands after `FD:` for a gup_test file, for messages.
  static let gupTestCommands = GUPTestCommand.allCases.map(\.rawValue).joined(separator: ", ") + ", pin, unpin, close"

  /// Parses `FD: TEST ADDR SIZE [write] [longterm] [nr=N]`, `FD: pin ADDR SIZE [write] [fast]`
  /// and `FD: unpin` (a gup_test file).
  mutating func parseGUPTestCommand(_ subject: Identifier, _ verb: Token) throws(ScenarioDiagnostic) -> Command {
    if verb.text == "unpin" {
      try expectEnd(after: "\(subject): unpin")
      return .device(.gupUnpin(name: subject))
    }
    let range = try parseRange(after: "\(subject): \(verb.text)")
    var write = false
    var longterm = false
    var fast = false
    var pagesPerCall: UInt64 = 1
    var seen: Set<String> = []
    let isPin = verb.text == "pin"
    let options = isPin ? "write, fast" : "write, longterm, nr=N"
    while let option = try nextOption(form: "\(subject): \(verb.text) \(range)", options: options) {
      try checkDuplicate(option.name, in: &seen)
      switch option.name.text {
      case "write":
        try checkValue(option, wantsValue: false, form: "write")
        write = true
      case "longterm" where !isPin:
        try checkValue(option, wantsValue: false, form: "longterm")
        longterm = true
      case "fast" where isPin:
        try checkValue(option, wantsValue: false, form: "fast")
        fast = true
      case "nr" where !isPin:
        try checkValue(option, wantsValue: true, form: "nr=N")
        pagesPerCall = try parseCount("pages per call", after: "nr=", limit: UInt64(UInt32.max))
        guard pagesPerCall > 0 else {
          throw error(at: tokens[position - 1], "nr=0 takes no pages", accepted: "expected nr_pages_per_call of 1 or more")
        }
      default:
        throw unknownOption(option.name, of: "gup_test \(verb.text)", options: options)
      }
    }
    if isPin { return .device(.gupPin(name: subject, range: range, write: write, fast: fast)) }
    guard let test = GUPTestCommand(rawValue: verb.text) else {
      throw error(at: verb, "unknown gup_test command \(verb.quoted)", accepted: "expected \(Self.gupTestCommands)")
    }
    return .device(.gupTest(name: subject, test: test, range: range, write: write, longterm: longterm, pagesPerCall: pagesPerCall))
  }
}
