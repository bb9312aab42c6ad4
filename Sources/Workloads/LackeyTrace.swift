import MemoryModel

/// A memory trace from `valgrind --tool=lackey --trace-mem=yes`: its data accesses (`L` load,
/// `S` store, `M` modify = load and store) in program order; instruction fetches (`I`) and
/// valgrind's own `==PID==` lines are skipped.
public struct LackeyTrace: Sendable {
  /// One data access.
  public struct Access: Hashable, Sendable {
    /// The address.
    public var address: UInt64
    /// Bytes accessed.
    public var size: Int
    /// Whether it stores (`S` and `M`).
    public var write: Bool
  }

  /// The accesses.
  public private(set) var accesses: [Access] = []
  /// Instruction fetches skipped.
  public private(set) var instructions = 0

  /// A parse error: `file:line:column: error: …`.
  public struct ParseError: Error, CustomStringConvertible {
    /// The message.
    public var description: String
  }

  /// Parses lackey's output (`file` names it in errors).
  /// - Throws: ``ParseError`` for a line that is neither a trace record nor valgrind's.
  public init(parsing text: String, file: String = "<trace>") throws(ParseError) {
    var lineNumber = 0
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNumber += 1
      if line.isEmpty || line.hasPrefix("==") || line.hasPrefix("--") { continue }
      let bytes = Array(line.utf8)
      guard bytes.count >= 4 else {
        throw ParseError(description: "\(file):\(lineNumber):1: error: not a lackey record (expected ' L ADDR,SIZE', ' S …', ' M …' or 'I  …')")
      }
      let kind: UInt8
      if bytes[0] == UInt8(ascii: "I") {
        instructions += 1
        continue
      } else if bytes[0] == UInt8(ascii: " ") {
        kind = bytes[1]
      } else {
        throw ParseError(description: "\(file):\(lineNumber):1: error: not a lackey record (expected ' L ADDR,SIZE', ' S …', ' M …' or 'I  …')")
      }
      guard kind == UInt8(ascii: "L") || kind == UInt8(ascii: "S") || kind == UInt8(ascii: "M") else {
        throw ParseError(description: "\(file):\(lineNumber):2: error: unknown access kind '\(Character(Unicode.Scalar(kind)))' (expected L, S or M)")
      }
      let body = line.dropFirst(3)
      let parts = body.split(separator: ",")
      guard parts.count == 2, let address = UInt64(parts[0].trimmingCharacters(in: .whitespaces), radix: 16),
        let size = Int(parts[1].trimmingCharacters(in: .whitespaces)), size > 0
      else {
        throw ParseError(description: "\(file):\(lineNumber):4: error: expected HEXADDRESS,SIZE after '\(Character(Unicode.Scalar(kind)))'")
      }
      accesses.append(Access(address: address, size: size, write: kind != UInt8(ascii: "L")))
    }
  }

  /// The 2 MiB-aligned spans that hold every access, merged where they touch: the regions a
  /// replay maps at the same addresses.
  public var spans: [(start: VirtualAddress, end: VirtualAddress)] {
    let blocks = Set(accesses.map { $0.address >> 21 }).sorted()
    var result: [(VirtualAddress, VirtualAddress)] = []
    for block in blocks {
      let start = VirtualAddress(block << 21)
      if let last = result.last, last.1 == start {
        result[result.count - 1].1 = start + (2 << 20)
      } else {
        result.append((start, start + (2 << 20)))
      }
    }
    return result
  }
}

import Foundation
