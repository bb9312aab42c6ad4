import ArgumentParser

/// The `--memory-mib` option's value: parsed from text (so that `--memory-mib -1` reaches the
/// check instead of being taken for a flag) and checked against the command's limits.
enum MemoryOption {
  /// `text` as a whole number of MiB within `range`, in bytes.
  /// - Throws: a `ValidationError` that names the accepted range.
  static func bytes(_ text: String, range: ClosedRange<UInt64>) throws -> UInt64 {
    let accepted = "--memory-mib must be a whole number of MiB from \(range.lowerBound) to \(range.upperBound)"
    guard let value = UInt64(text) else { throw ValidationError("\(accepted); got '\(text)'") }
    guard range.contains(value) else { throw ValidationError("\(accepted); got \(value)") }
    return value << 20
  }
}
