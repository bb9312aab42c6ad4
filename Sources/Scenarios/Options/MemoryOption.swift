/// The `--memory-mib` option of `hmmkit run` and `hmmkit demo`: a whole number of MiB within
/// the command's limits, checked from the option's text (so that `-1` gets the same message as
/// any other bad value).
public enum MemoryOption {
  /// Why a `--memory-mib` value was refused.
  public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message, naming the accepted range.
    public var description: String
  }

  /// The values `hmmkit run` accepts (`system memory=`'s limits), in MiB.
  public static let runRange = (ScenarioParser.minimumMemory >> 20)...(ScenarioParser.maximumMemory >> 20)

  /// `text` as a number of MiB within `range`, in bytes.
  /// - Throws: a ``Refusal`` that names the accepted range.
  public static func bytes(_ text: String, range: ClosedRange<UInt64>) throws(Refusal) -> UInt64 {
    let accepted = "--memory-mib must be a whole number of MiB from \(range.lowerBound) to \(range.upperBound)"
    guard let value = UInt64(text) else { throw Refusal(description: "\(accepted); got '\(text)'") }
    guard range.contains(value) else { throw Refusal(description: "\(accepted); got \(value)") }
    return value << 20
  }
}
