import Testing

@testable import HMM
@testable import MemoryModel

@Suite struct DriverLoopStepTests {
  func points(_ f: Fixture, _ range: inout HMMRange, variant: DriverLoopVariant = .correct,
              at inject: DriverLoopPoint? = nil, _ change: @escaping () -> Void = {}) throws -> (points: [DriverLoopPoint], committed: Int) {
    var seen: [DriverLoopPoint] = []
    var committed = 0
    var injected = false
    try HMM.faultAndCommit(&range, variant: variant, scheduler: { point in
      seen.append(point)
      if point == inject && !injected {
        injected = true
        change()
      }
    }, commit: { _ in committed += 1 })
    return (seen, committed)
  }

  @Test func theLoopRunsAsNamedSteps() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    try f.space.touch(buf, 4096, write: true)
    var range = HMMRange(notifier: f.notifier, notifierSequence: 0, start: buf, end: buf + 4096, defaultFlags: .requestFault)
    let run = try points(f, &range)
    #expect(run.points == [.readBegin, .rangeFault, .lock, .readRetry, .program, .unlock] && run.committed == 1)
  }

  @Test func hmmsOwnFaultsAreSegments() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    var range = HMMRange(notifier: f.notifier, notifierSequence: 0, start: buf, end: buf + 4096, defaultFlags: .requestFault)
    let run = try points(f, &range)
    #expect(run.points == [.readBegin, .segment, .rangeFault, .lock, .readRetry, .program, .unlock])
  }

  @Test func anInvalidationAfterHMMRangeFaultIsRetriedUnderTheLock() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    try f.space.touch(buf, 4096, write: true)
    var range = HMMRange(notifier: f.notifier, notifierSequence: 0, start: buf, end: buf + 4096, defaultFlags: .requestFault)
    let run = try points(f, &range, at: .rangeFault) { try? f.space.mprotect(buf, 4096, .read) }
    #expect(run.points == [.readBegin, .rangeFault, .lock, .unlock, .readBegin, .rangeFault, .lock, .readRetry, .program, .unlock])
    #expect(run.committed == 1 && !range.pfns[0].isWritable, "the commit saw the mprotect")
  }

  @Test func withoutReadRetryTheStaleResultIsCommitted() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    try f.space.touch(buf, 4096, write: true)
    var range = HMMRange(notifier: f.notifier, notifierSequence: 0, start: buf, end: buf + 4096, defaultFlags: .requestFault)
    let run = try points(f, &range, variant: .noReadRetry, at: .rangeFault) { try? f.space.mprotect(buf, 4096, .read) }
    #expect(run.points == [.readBegin, .rangeFault, .lock, .readRetry, .program, .unlock])
    #expect(range.pfns[0].isWritable, "the device was given a writable entry the CPU no longer has")
  }

  @Test func withoutSequenceRefreshTheLoopSpinsToItsBudget() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    try f.space.touch(buf, 4096, write: true)
    var range = HMMRange(notifier: f.notifier, notifierSequence: 0, start: buf, end: buf + 4096, defaultFlags: .requestFault)
    #expect(throws: HMMError.busy) {
      _ = try points(f, &range, variant: .noSeqRefresh, at: .readBegin) { try? f.space.mprotect(buf, 4096, .read) }
    }
    var fresh = HMMRange(notifier: f.notifier, notifierSequence: 0, start: buf, end: buf + 4096, defaultFlags: .requestFault)
    let run = try points(f, &fresh, at: .readBegin) { try? f.space.mprotect(buf, 4096, .readWrite) }
    #expect(run.committed == 1 && run.points.filter { $0 == .readBegin }.count == 2, "the correct loop retries once")
  }
}
