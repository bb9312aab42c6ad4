import MemoryModel

/// The `--range START-END` of `hmmkit inspect`: a half-open range of virtual addresses, widened
/// to whole pages.
public struct InspectionRange: Hashable, Sendable, CustomStringConvertible {
  /// The first address (page-aligned).
  public var start: VirtualAddress
  /// One past the last address (page-aligned).
  public var end: VirtualAddress

  /// A range; `start` is rounded down and `end` up to 4 KiB.
  /// - Throws: ``LiveLinuxError/badRange(_:reason:)`` when it is empty.
  public init(start: VirtualAddress, end: VirtualAddress) throws(LiveLinuxError) {
    guard start < end else {
      throw .badRange("\(start)-\(end)", reason: "START must be below END")
    }
    self.start = start.alignedDown(to: 4096)
    self.end = end.alignedUp(to: 4096)
  }

  /// Parses `START-END`: two hexadecimal addresses (with or without `0x`), START below END.
  public init(parsing text: String) throws(LiveLinuxError) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 2 else {
      throw .badRange(text, reason: "expected exactly one '-' between START and END")
    }
    func address(_ part: Substring, _ name: String) throws(LiveLinuxError) -> UInt64 {
      var digits = part.trimmingPrefix(while: { $0 == " " })
      if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
      guard !digits.isEmpty else { throw .badRange(text, reason: "\(name) is empty") }
      guard let value = UInt64(digits, radix: 16) else {
        throw .badRange(text, reason: "\(name) '\(part)' is not a hexadecimal address")
      }
      return value
    }
    let start = try address(parts[0], "START")
    let end = try address(parts[1], "END")
    guard start < end else { throw .badRange(text, reason: "START must be below END") }
    try self.init(start: VirtualAddress(start), end: VirtualAddress(end))
  }

  /// Whether the range overlaps `[start, end)`.
  public func overlaps(_ lower: VirtualAddress, _ upper: VirtualAddress) -> Bool { lower < end && start < upper }

  /// `0x…-0x…`.
  public var description: String { "\(start)-\(end)" }
}
