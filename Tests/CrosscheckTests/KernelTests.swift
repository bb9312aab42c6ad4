import Crosscheck
import LiveLinux
import Testing

/// The suites that fork helper processes from the test process, one at a time, holding
/// `HelperForkLock` so that LiveLinuxTests' self-inspection never runs while helpers exist.
@Suite(.serialized, HoldsHelperForkLock()) enum KernelTests {
  /// Why crosschecks cannot run here, printed once when the tests are skipped.
  static let unavailable: String? = {
    let reason = Crosscheck.unavailabilityReason()
    if let reason { print("crosscheck tests skipped: \(reason)") }
    return reason
  }()
}

/// A suite trait that holds `HelperForkLock` while the suite runs (waiting for it without
/// blocking a thread).
struct HoldsHelperForkLock: SuiteTrait, TestScoping {
  func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
    try await HelperForkLock.withLock { try await function() }
  }
}
