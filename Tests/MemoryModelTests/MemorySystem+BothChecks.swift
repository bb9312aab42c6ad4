import Testing
@testable import MemoryModel

/// The incremental check's verdict, expected to equal the full check's (the invariant ledger
/// suites compare the two after every edit).
func expectBothAgree(_ system: MemorySystem, _ comment: Comment? = nil) -> [MemorySystem.InvariantViolation] {
  let incremental = system.checkInvariants(incremental: true)
  let full = system.checkInvariants()
  #expect(incremental == full, comment)
  return incremental
}
