/// Turns scenario ASTs back into scenario text that ``ScenarioParser`` reads as the same AST
/// (apart from source locations and each statement's `text`).
///
/// Sizes are written with the largest exact binary suffix (``SizeFormatter``), addresses as a
/// region name plus offset or as hex literals, options in the parser's order.
public enum ScenarioPrinter {
  /// The text of a whole scenario: `header` lines as `#` comments, then one line per command.
  public static func text(_ commands: [Command], header: [String] = []) -> String {
    var text = ""
    for line in header { text += line.isEmpty ? "#\n" : "# \(line)\n" }
    for command in commands { text += line(command) + "\n" }
    return text
  }

  /// The text of a scenario's statements, in order.
  public static func text(_ scenario: Scenario, header: [String] = []) -> String {
    text(scenario.statements.map(\.command), header: header)
  }

  /// One command as a scenario line (without a newline).
  public static func line(_ command: Command) -> String {
    switch command {
    case .process(let name): return "process \(name)"
    case .file(let file):
      var text = "file \(file.name) size=\(size(file.size))"
      if file.shmem { text += " shmem" }
      if file.huge { text += " huge" }
      if let hugetlb = file.hugetlb { text += " hugetlb=\(hugetlb)" }
      return text
    case .fileWrite(let write):
      var text = "file \(write.file) write \(size(write.offset)) \(size(write.size))"
      if let pattern = write.pattern { text += " pattern=\(pattern)" }
      return text
    case .system(let settings):
      var parts: [String] = []
      var pools: [String] = []
      for setting in settings {
        if case .hugetlbPages(let size, let count) = setting {
          pools.append("\(size)=\(count)")
        } else {
          parts.append(setting.description)
        }
      }
      if !pools.isEmpty { parts.append("hugetlb " + pools.joined(separator: " ")) }
      return "system " + parts.joined(separator: " ")
    case .split: return "split"
    case .mmap(let mmap): return mmapLine(mmap)
    case .munmap(let process, let range): return "\(process): munmap \(self.range(range))"
    case .mprotect(let process, let range, let protection):
      return "\(process): mprotect \(self.range(range)) \(protection)"
    case .madvise(let process, let range, let advice):
      return "\(process): madvise \(self.range(range)) \(advice)"
    case .mremap(let mremap):
      var text = "\(mremap.process): "
      if let name = mremap.name { text += "\(name) = " }
      text += "mremap \(range(mremap.range)) \(size(mremap.newSize))"
      if mremap.mayMove { text += " maymove" }
      if let fixed = mremap.fixedAddress { text += " fixed=\(address(fixed))" }
      if mremap.dontUnmap { text += " dontunmap" }
      return text
    case .fork(let parent, let child): return "\(parent): \(child) = fork"
    case .exit(let process): return "\(process): exit"
    case .read(let access):
      return "\(access.process): read \(range(access.range))" + (access.pattern.map { " expect=\($0)" } ?? "")
    case .write(let access):
      return "\(access.process): write \(range(access.range))" + (access.pattern.map { " pattern=\($0)" } ?? "")
    case .collapse(let process, let range): return "\(process): collapse \(self.range(range))"
    case .snapshot(let process, let range): return "\(process): snapshot \(self.range(range))"
    case .kill(let process, let target, let signal): return "\(process): kill \(target) \(signal.rawValue)"
    case .waitpid(let process, let child): return "\(process): waitpid \(child)"
    case .expect(let expectation): return "expect " + self.expectation(expectation)
    case .device(let command): return device(command)
    }
  }

  /// A size as scenarios write it (`4K`, `2M`, `12345`).
  public static func size(_ bytes: UInt64) -> String { SizeFormatter.string(bytes) }

  /// An address expression that parses back to the same base and offset.
  public static func address(_ expression: AddressExpression) -> String {
    switch expression.base {
    case .region(let name):
      return expression.offset == 0 ? name.name : "\(name.name)+\(size(expression.offset))"
    case .literal(let value):
      let base = SizeFormatter.hex(value)
      return expression.offset == 0 ? base : "\(base)+\(size(expression.offset))"
    }
  }

  /// `ADDRESS SIZE`.
  public static func range(_ range: AddressRange) -> String { "\(address(range.address)) \(size(range.size))" }

  private static func mmapLine(_ mmap: Command.Mmap) -> String {
    var text = "\(mmap.process): \(mmap.name) = mmap \(size(mmap.size)) \(mmap.protection)"
    if mmap.shared { text += " shared" }
    if case .file(let file, let offset) = mmap.backing {
      text += " file=\(file)"
      if offset != 0 { text += " offset=\(size(offset))" }
    }
    if let alignment = mmap.alignment { text += " align=\(size(alignment))" }
    if let address = mmap.address { text += " at=\(self.address(address))" }
    if let hugetlb = mmap.hugetlb { text += " hugetlb=\(hugetlb)" }
    return text
  }
}
