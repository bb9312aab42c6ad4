import Testing
@testable import HMM
@testable import MemoryModel

@Suite struct DriverLoopTests {
  @Test func anInvalidationBetweenReadBeginAndReadRetryMakesTheCallerRetry() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2))
    try f.space.touch(buf, .mib(2), write: true)
    var range = HMMRange(notifier: f.notifier, notifierSequence: 0, start: buf, end: buf + .mib(2), defaultFlags: .requestFault)
    var injected = false
    var committed: [HMMPFN] = []
    let result = try HMM.faultAndCommit(&range, beforeLock: { _ in
      if !injected {
        injected = true
        try? f.space.mprotect(buf + .mib(1), 4096, .read)  // a CPU thread changes the mapping
      }
    }, commit: { range in committed = range.pfns })
    #expect(result.calls == 2 && result.sequenceRetries == 1 && result.busyRetries == 0)
    #expect(committed.allSatisfy { $0.mapOrder == 0 }, "the device sees the split, not the stale PMD")
    #expect(!committed[256].isWritable)
  }

  @Test func busyFromHMMsOwnFaultIsRetried() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    _ = try f.space.read(buf, count: 1)
    var range = HMMRange(notifier: f.notifier, notifierSequence: 0, start: buf, end: buf + 4096,
                         defaultFlags: [.requestFault, .requestWrite])
    let result = try HMM.faultAndCommit(&range, commit: { _ in })
    #expect(result.calls == 2 && result.busyRetries == 1)
    #expect(range.pfns[0].isWritable)
  }

  @Test func theRetryBudgetEndsWithEBUSY() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    try f.space.touch(buf, 4096, write: true)
    var range = HMMRange(notifier: f.notifier, notifierSequence: 0, start: buf, end: buf + 4096)
    #expect(throws: HMMError.busy) {
      try HMM.faultAndCommit(&range, retryBudget: 3, beforeLock: { _ in
        try? f.space.mprotect(buf, 4096, .read)
        try? f.space.mprotect(buf, 4096, .readWrite)
      }, commit: { _ in Issue.record("never commits") })
    }
  }
}

@Suite struct RunBuilderTests {
  @Test func mapOrderRunsStepOverLargeMappings() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(4))
    try f.space.touch(buf, .mib(4), write: true)
    let range = try f.fault(buf + .mib(1), .mib(2))
    let runs = HMM.runsByMapOrder(range.pfns, start: range.start)
    #expect(runs.count == 2)
    #expect(runs[0].start == buf + .mib(1) && runs[0].size == .mib(1) && runs[0].order == 9 && runs[0].flags == [.valid, .write])
    #expect(runs[1].start == buf + .mib(2) && runs[1].size == .mib(1) && runs[1].order == 9)
    #expect(HMM.runsByScanning(range.pfns, start: range.start).allSatisfy { $0.order == 0 },
            "the scan cannot see a 2M mapping whose block is clipped by the range")
  }

  @Test func bothBuildersAgreeOnWholePMDs() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(4))
    try f.space.touch(buf, .mib(4), write: true)
    let range = try f.fault(buf, .mib(4))
    let byOrder = HMM.runsByMapOrder(range.pfns, start: buf)
    #expect(byOrder.count == 2 && byOrder.allSatisfy { $0.order == 9 && $0.size == .mib(2) })
    #expect(HMM.runsByScanning(range.pfns, start: buf) == byOrder)
  }

  @Test func aPTEMappedTHPIsOrder0ByMapOrderButTheScanRediscoversIt() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2))
    try f.space.touch(buf, .mib(2), write: true)
    try f.space.mprotect(buf + .mib(1), 4096, .read)
    try f.space.mprotect(buf + .mib(1), 4096, .readWrite)
    let range = try f.fault(buf, .mib(2))
    let byOrder = HMM.runsByMapOrder(range.pfns, start: buf)
    #expect(byOrder.count == 1 && byOrder[0].order == 0 && byOrder[0].size == .mib(2))
    let byScan = HMM.runsByScanning(range.pfns, start: buf)
    #expect(byScan.count == 1 && byScan[0].order == 9, "512 contiguous writable PTEs: the scan maps 2M")
  }

  @Test func invalidAndMixedEntriesFormTheirOwnRuns() throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(2), huge: false)
    try f.space.touch(buf + .kib(8), .kib(8), write: true)
    let range = try f.fault(buf, .kib(32))
    let runs = HMM.runsByMapOrder(range.pfns, start: buf)
    #expect(runs.map(\.pageCount) == [2, 2, 4], "two new pages with consecutive PFNs between two holes")
    #expect(runs.map(\.flags) == [.none, [.valid, .write], .none])
  }
}
