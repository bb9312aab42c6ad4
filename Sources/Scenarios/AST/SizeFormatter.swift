/// Formats byte counts the way scenarios write them: the largest exact binary suffix
/// (`4K`, `2M`, `1G`, `3T`) or plain bytes.
public enum SizeFormatter {
  /// `bytes` as `4K`, `2M`, `1G`, `1T`, or as a decimal number when no suffix divides it.
  public static func string(_ bytes: UInt64) -> String {
    if bytes == 0 { return "0" }
    let suffixes: [(UInt64, String)] = [(1 << 40, "T"), (1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")]
    for (unit, suffix) in suffixes where bytes % unit == 0 {
      return "\(bytes / unit)\(suffix)"
    }
    return "\(bytes)"
  }

  /// `value` as `0x` followed by lowercase hex digits.
  public static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}
