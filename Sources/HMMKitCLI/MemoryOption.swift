import ArgumentParser
import Scenarios

extension MemoryOption {
  /// `bytes(_:range:)` with the refusal as a usage error.
  static func validated(_ text: String, range: ClosedRange<UInt64>) throws -> UInt64 {
    do { return try bytes(text, range: range) } catch { throw ValidationError(error.description) }
  }
}
