import MemoryModel

/// Reads one line of a scenario into a ``CrosscheckOperation``: the CPU-side subset of the
/// scenario language (docs/scenario-language.md) that a crosscheck runs. Internal; the full
/// language, with its diagnostics, is the `Scenarios` target's.
struct CrosscheckLineReader {
  private var tokens: [Substring] = []
  private var index = 0
  private let file: String
  private let line: Int
  /// Names defined earlier by `device NAME` and `PROC: FD = open hmm_dmirrorN`.
  private let deviceSubjects: Set<String>
  /// The device or dmirror file this line defines, if any.
  private(set) var definedDeviceSubject: String?

  /// Splits `text` (a line without its comment) into tokens: names and numbers, and the
  /// punctuation `:`, `=`, `+`, `,`.
  init(text: String, file: String, line: Int, deviceSubjects: Set<String> = []) {
    self.file = file
    self.line = line
    self.deviceSubjects = deviceSubjects
    var current = text.startIndex
    var start: String.Index?
    while current < text.endIndex {
      let character = text[current]
      if character.isLetter || character.isNumber || character == "_" || character == "-" {
        if start == nil { start = current }
      } else {
        if let begin = start { tokens.append(text[begin..<current]) }
        start = nil
        if character != " " && character != "\t" { tokens.append(text[current...current]) }
      }
      current = text.index(after: current)
    }
    if let begin = start { tokens.append(text[begin...]) }
  }

  private func failure(_ message: String) -> CrosscheckParseError {
    CrosscheckParseError(file: file, line: line, message: message)
  }

  private var atEnd: Bool { index >= tokens.count }

  private mutating func next(_ what: String) throws(CrosscheckParseError) -> String {
    guard index < tokens.count else { throw failure("expected \(what) at the end of the line") }
    index += 1
    return String(tokens[index - 1])
  }

  private mutating func skip(_ token: String) -> Bool {
    if index < tokens.count, tokens[index] == token {
      index += 1
      return true
    }
    return false
  }

  private mutating func expect(_ token: String) throws(CrosscheckParseError) {
    let found = try next("'\(token)'")
    guard found == token else { throw failure("expected '\(token)', found '\(found)'") }
  }

  /// A size: decimal with an optional `K`, `M`, `G`, `T` suffix, or a hex literal; `_` separates digits.
  static func size(_ text: String) -> UInt64? {
    var digits = text.filter { $0 != "_" }
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") { return UInt64(digits.dropFirst(2), radix: 16) }
    var shift: UInt64 = 0
    switch digits.last {
    case "k", "K": shift = 10
    case "m", "M": shift = 20
    case "g", "G": shift = 30
    case "t", "T": shift = 40
    default: break
    }
    if shift > 0 { digits.removeLast() }
    guard let value = UInt64(digits) else { return nil }
    let (result, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
    return overflow ? nil : result
  }

  private mutating func size() throws(CrosscheckParseError) -> UInt64 {
    let text = try next("a size")
    guard let value = Self.size(text) else { throw failure("bad size '\(text)'") }
    return value
  }

  private mutating func address() throws(CrosscheckParseError) -> CrosscheckAddress {
    let base = try next("an address")
    var address: CrosscheckAddress
    if let first = base.first, first.isNumber {
      guard let value = Self.size(base) else { throw failure("bad address '\(base)'") }
      address = CrosscheckAddress(literal: value)
    } else {
      address = CrosscheckAddress(region: base)
    }
    while skip("+") {
      let (sum, overflow) = address.offset.addingReportingOverflow(try size())
      guard !overflow else { throw failure("address \(address) overflows") }
      address.offset = sum
    }
    return address
  }

  /// `key=value` options and flags to the end of the line, in any order.
  private mutating func options() throws(CrosscheckParseError) -> [(key: String, value: Int?)] {
    var result: [(key: String, value: Int?)] = []
    while !atEnd {
      let key = try next("an option")
      if skip("=") {
        result.append((key, index))
        // The value: a token, and for addresses any `+ SIZE` terms.
        _ = try next("a value for \(key)")
        while skip("+") { _ = try next("an offset") }
      } else {
        result.append((key, nil))
      }
      _ = skip(",")
    }
    return result
  }

  /// Re-reads the value of an option at token `position` as an address.
  private mutating func address(at position: Int) throws(CrosscheckParseError) -> CrosscheckAddress {
    let saved = index
    index = position
    defer { index = saved }
    return try address()
  }

  private func token(at position: Int) -> String { String(tokens[position]) }

  /// The operation of the line.
  mutating func operation() throws(CrosscheckParseError) -> CrosscheckOperation {
    let first = try next("a command")
    switch first {
    case "expect": return .expectation
    case "split": return .deferredSplit
    case "file": return .modelOnly("file")
    case "process": return .process(name: try next("a process name"))
    case "system": return try system()
    case "device":
      definedDeviceSubject = try next("a device name")
      return .device(keyword: "device", changesCPU: false)
    case "devices", "notifier": return .device(keyword: first, changesCPU: false)
    case "hmm":
      let faults = tokens.contains("fault") && !(tokens.contains("none"))
      return .device(keyword: faults ? "hmm with fault flags" : "hmm", changesCPU: faults)
    default: break
    }
    guard skip(":") else { throw failure("unknown command '\(first)'") }
    let process = first
    if deviceSubjects.contains(process) {
      let verb = try next("a device command")
      // A mirror and a snapshot leave the CPU page tables alone; accesses fault pages in through
      // hmm_range_fault(), migrations replace them.
      return .device(keyword: "\(process): \(verb)", changesCPU: !["mirror", "snapshot", "close", "fail-alloc"].contains(verb))
    }
    if index + 2 < tokens.count, tokens[index + 1] == "=", tokens[index + 2] == "open" {
      definedDeviceSubject = String(tokens[index])
      return .device(keyword: "open", changesCPU: false)
    }
    var name: String?
    if index + 1 < tokens.count, tokens[index + 1] == "=" {
      name = try next("a name")
      try expect("=")
    }
    let verb = try next("a command")
    switch verb {
    case "mmap":
      guard let name else { throw failure("mmap needs 'NAME ='") }
      return try mmap(process, name)
    case "fork":
      guard let name else { throw failure("fork needs 'CHILD ='") }
      return .fork(parent: process, child: name)
    case "mremap":
      let address = try address()
      let oldSize = try size()
      let newSize = try size()
      var mayMove = false
      var fixed: CrosscheckAddress?
      for option in try options() {
        switch (option.key, option.value) {
        case ("maymove", nil): mayMove = true
        case ("fixed", let position?): fixed = try self.address(at: position)
        default: throw failure("unknown mremap option '\(option.key)'")
        }
      }
      return .mremap(process: process, name: name, address: address, oldSize: oldSize, newSize: newSize,
                     mayMove: mayMove, fixed: fixed)
    default:
      break
    }
    guard name == nil else { throw failure("'\(verb)' does not assign a name") }
    switch verb {
    case "exit": return .exit(process: process)
    case "munmap": return .munmap(process: process, address: try address(), size: try size())
    case "mprotect":
      let address = try address()
      let size = try size()
      let text = try next("a protection")
      guard let protection = Protection(parsing: text) else { throw failure("bad protection '\(text)'") }
      return .mprotect(process: process, address: address, size: size, protection: protection)
    case "madvise":
      let address = try address()
      let size = try size()
      let text = try next("an advice")
      guard let advice = AddressSpace.Advice(rawValue: text) else { throw failure("unknown advice '\(text)'") }
      return .madvise(process: process, address: address, size: size, advice: advice)
    case "read", "write":
      let address = try address()
      let size = try size()
      _ = try options()
      return .access(process: process, address: address, size: size, write: verb == "write")
    case "snapshot":
      return .snapshot(process: process, address: try address(), size: try size())
    case "collapse":
      return .khugepagedCollapse(process: process)
    default:
      throw failure("unknown command '\(verb)' for process '\(process)'")
    }
  }

  private mutating func mmap(_ process: String, _ name: String) throws(CrosscheckParseError) -> CrosscheckOperation {
    let size = try size()
    let text = try next("a protection")
    guard let protection = Protection(parsing: text) else { throw failure("bad protection '\(text)'") }
    var shared = false
    var alignment: UInt64?
    var fixed: CrosscheckAddress?
    for option in try options() {
      switch (option.key, option.value) {
      case ("private", nil): shared = false
      case ("shared", nil): shared = true
      case ("anon", nil): break
      case ("offset", _): break
      case ("file", let position?):
        return .unreproducibleMmap(
          process: process, name: name,
          reason: "a mapping of file \(token(at: position)) (the model's files and their page-cache folios have no real counterpart)")
      case ("hugetlb", _):
        return .unreproducibleMmap(process: process, name: name,
                                   reason: "a hugetlb mapping (the machine reserves no hugetlb pages for crosschecks)")
      case ("align", let position?):
        guard let value = Self.size(token(at: position)) else { throw failure("bad alignment") }
        alignment = value
      case ("at", let position?): fixed = try address(at: position)
      default: throw failure("unknown mmap option '\(option.key)'")
      }
    }
    return .mmap(process: process, name: name, size: size, protection: protection, shared: shared,
                 alignment: alignment, fixed: fixed)
  }

  private mutating func system() throws(CrosscheckParseError) -> CrosscheckOperation {
    var thp: String?
    var memory: UInt64?
    var fragment: UInt64?
    var hugetlb = false
    for option in try options() {
      switch (option.key, option.value) {
      case ("thp", let position?): thp = token(at: position)
      case ("memory", let position?): memory = Self.size(token(at: position))
      case ("fragment", let position?): fragment = Self.size(token(at: position))
      case ("oracle", _): break
      case ("hugetlb", nil): hugetlb = true
      case ("2M", _), ("1G", _): hugetlb = true
      default: throw failure("unknown system setting '\(option.key)'")
      }
    }
    return .system(thp: thp, memory: memory, fragment: fragment, hugetlbPools: hugetlb)
  }
}
