import Testing

@testable import Fuzzing
@testable import Scenarios

/// `hmmkit fuzz --trace` compares builds by `ScenarioSession.stateDigest(frames:)` after every
/// step: the digest must follow the state (equal for equal runs, different when a page-table
/// entry, a VMA, a device mapping or a frame's contents differ).
@Suite struct FuzzTraceTests {
  /// The digest after running `text` in a fresh session.
  private func digest(_ text: String, frames: Bool = true) throws -> UInt64 {
    let session = ScenarioSession(options: ScenarioRunner.Options(checkInvariants: false))
    defer { session.discard() }
    for statement in try ScenarioParser.parse(text, file: "x.hmm").statements { _ = session.execute(statement.command) }
    return session.stateDigest(frames: frames)
  }

  private let base = "system memory=64M\nprocess p1\np1: r = mmap 2M rw\ndevice d1 pages=4K,2M policy=base\nd1: mirror p1\n"

  @Test func equalRunsGiveEqualDigests() throws {
    let text = base + "p1: write r 64K pattern=7\nd1: read r 4K\n"
    #expect(try digest(text) == digest(text))
  }

  @Test(arguments: [
    "p1: write r 8K pattern=7\nd1: read r 4K\n",  // one more PTE
    "p1: write r 4K pattern=8\nd1: read r 4K\n",  // other contents, same tables
    "p1: write r 4K pattern=7\n",  // no device mapping
    "p1: write r 4K pattern=7\nd1: read r 4K\np1: mprotect r+1M 4K r\n",  // a VMA split
  ])
  func eachDifferenceChangesTheDigest(_ tail: String) throws {
    let reference = try digest(base + "p1: write r 4K pattern=7\nd1: read r 4K\n")
    #expect(try digest(base + tail) != reference)
  }

  @Test func framesAreDigestedOnlyWhenAsked() throws {
    // Contents live in frames only: without them the two runs look alike.
    let one = base + "p1: write r 4K pattern=7\n", other = base + "p1: write r 4K pattern=8\n"
    #expect(try digest(one, frames: false) == digest(other, frames: false))
    #expect(try digest(one) != digest(other))
  }

  @Test func theHookSeesEveryStepOfACaseWithoutAFinding() {
    let configuration = FuzzConfiguration(seed: 2, policies: ["base"])
    let fuzzCase = ScenarioGenerator.generate(configuration, index: 0)
    var seen: [Int] = []
    let outcome = FuzzExecutor().run(fuzzCase.steps, afterStep: { step, _ in seen.append(step) })
    #expect(outcome.finding == nil)
    #expect(seen == Array(fuzzCase.steps.indices))
  }
}
