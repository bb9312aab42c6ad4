import MemoryModel

extension LiveVMA {
  /// Parses `/proc/PID/maps`: one VMA a line, `start-end perms offset dev inode [path]`. The path
  /// is the rest of the line and may contain spaces (and a ` (deleted)` suffix).
  /// - Throws: ``LiveLinuxError/malformedMaps(line:text:)`` naming the first bad line.
  ///
  /// With `overlapping`, a line whose `start-end` parses and lies outside `[start, end)` is
  /// skipped without being parsed further.
  public static func parseMaps(_ text: String, overlapping range: (start: UInt64, end: UInt64)? = nil) throws(LiveLinuxError) -> [LiveVMA] {
    var result: [LiveVMA] = []
    var lineNumber = 0
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNumber += 1
      if let range, let dash = line.firstIndex(of: "-"), let space = line[dash...].firstIndex(of: " "),
        let start = UInt64(line[line.startIndex..<dash], radix: 16),
        let end = UInt64(line[line.index(after: dash)..<space], radix: 16), end <= range.start || start >= range.end
      { continue }
      if line.allSatisfy({ $0 == " " }) { continue }
      guard let vma = parseLine(line) else {
        throw .malformedMaps(line: lineNumber, text: String(line))
      }
      result.append(vma)
    }
    return result
  }

  /// Parses one line of `/proc/PID/maps`; nil if it is malformed.
  static func parseLine(_ line: Substring) -> LiveVMA? {
    var rest = line[...]
    func nextField() -> Substring? {
      rest = rest.drop(while: { $0 == " " })
      guard !rest.isEmpty else { return nil }
      let field = rest.prefix(while: { $0 != " " })
      rest = rest[field.endIndex...]
      return field
    }
    guard let span = nextField(), let perms = nextField(), let offsetField = nextField(),
      let device = nextField(), let inodeField = nextField()
    else { return nil }
    let bounds = span.split(separator: "-", omittingEmptySubsequences: false)
    guard bounds.count == 2, let start = UInt64(bounds[0], radix: 16), let end = UInt64(bounds[1], radix: 16),
      start < end, start & 0xFFF == 0, end & 0xFFF == 0,
      let permissions = VMAPermissions(parsing: perms),
      let offset = UInt64(offsetField, radix: 16),
      device.contains(":"), let inode = UInt64(inodeField)
    else { return nil }
    let path = String(rest.drop(while: { $0 == " " }))
    return LiveVMA(start: VirtualAddress(start), end: VirtualAddress(end), permissions: permissions, offset: offset,
                   device: String(device), inode: inode, path: path)
  }
}
