import Testing
@testable import HMM
@testable import MemoryModel

@Suite struct NotifierTests {
  @Test func theSequenceProtocolFollowsMMUNotifierC() throws {
    let system = MemorySystem(memoryBytes: .mib(256))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(4), protection: .readWrite))
    try space.touch(buf, .mib(4), write: true)
    let ops = RecordingOps()
    let notifier = try IntervalNotifier.insert(into: space, start: buf, length: .mib(1), ops: ops)
    let subscriptions = NotifierSubscriptions.of(space)
    #expect(subscriptions.sequence == 2)
    #expect(notifier.sequence == 1, "inserted while idle: the global sequence minus one (odd)")
    let seq = notifier.readBegin()
    // An invalidation elsewhere does not touch this interval.
    try space.madvise(buf + .mib(2), 4096, .dontneed)
    #expect(!notifier.readRetry(seq))
    #expect(subscriptions.sequence == 2, "no interval was hit: the global sequence stays even")
    // One that overlaps makes read_retry true.
    try space.madvise(buf + .kib(4), 4096, .dontneed)
    #expect(notifier.readRetry(seq))
    #expect(notifier.sequence == 3, "the callback stored the odd in-progress sequence")
    #expect(subscriptions.sequence == 4, "the end made it even again")
    #expect(ops.ranges == [InvalidationRange(start: buf + .kib(4), end: buf + .kib(8), event: .clear)])
    #expect(notifier.invalidations(.clear) == 1)
  }

  @Test func insertRejectsBadIntervals() throws {
    let system = MemorySystem(memoryBytes: .mib(256))
    let space = try system.createProcess(name: "A")
    let ops = RecordingOps()
    #expect(throws: HMMError.overflow) { try IntervalNotifier.insert(into: space, start: VirtualAddress(0x1000), length: 0, ops: ops) }
    #expect(throws: HMMError.overflow) {
      try IntervalNotifier.insert(into: space, start: VirtualAddress(UInt64.max - 10), length: 4096, ops: ops)
    }
    space.exit()
    #expect(throws: HMMError.self) { try IntervalNotifier.insert(into: space, start: VirtualAddress(0x1000), length: 4096, ops: ops) }
  }

  @Test func removedNotifiersHearNothingAndExitIsARelease() throws {
    let system = MemorySystem(memoryBytes: .mib(256))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(1), protection: .readWrite))
    try space.touch(buf, .mib(1), write: true)
    let kept = RecordingOps()
    let gone = RecordingOps()
    _ = try IntervalNotifier.insert(into: space, start: buf, length: .mib(1), ops: kept)
    let removed = try IntervalNotifier.insert(into: space, start: buf, length: .mib(1), ops: gone)
    removed.remove()
    #expect(!removed.isInserted)
    space.exit()
    #expect(gone.ranges.isEmpty)
    #expect(kept.ranges.map(\.event) == [.release])
  }

  @Test func insertDuringAnInvalidationWaitsForItsEnd() throws {
    final class InsertingOps: IntervalNotifierOps {
      var inserted: IntervalNotifier?
      let space: AddressSpace
      init(space: AddressSpace) { self.space = space }
      func invalidate(_ notifier: IntervalNotifier, range: InvalidationRange, currentSequence: UInt64) -> Bool {
        notifier.setSequence(currentSequence)
        if inserted == nil { inserted = try? IntervalNotifier.insert(into: space, start: range.start, length: 4096, ops: RecordingOps()) }
        return true
      }
    }
    let system = MemorySystem(memoryBytes: .mib(256))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: .mib(1), protection: .readWrite))
    try space.touch(buf, .mib(1), write: true)
    let ops = InsertingOps(space: space)
    _ = try IntervalNotifier.insert(into: space, start: buf, length: .mib(1), ops: ops)
    try space.madvise(buf, 4096, .dontneed)
    let late = try #require(ops.inserted)
    #expect(late.isInserted, "the deferred insert happened at the end of the invalidation")
    #expect(late.sequence == 3, "inserted while the tree was frozen: it carries the in-progress sequence")
    #expect(NotifierSubscriptions.of(space).notifiers.count == 2)
  }

  @Test(arguments: [1, 2, 3])
  func intervalTreeAgreesWithBruteForce(seed: UInt64) {
    var rng = SplitMix64(seed: seed)
    var tree = IntervalTree<Int>()
    var intervals: [(UInt64, UInt64, Int)] = []
    for id in 0..<200 {
      let start = rng.next() % 10_000
      let last = start + rng.next() % 500
      tree.insert(id, start: start, last: last)
      intervals.append((start, last, id))
    }
    for id in stride(from: 0, to: 200, by: 7) {
      tree.remove { $0 == id }
      intervals.removeAll { $0.2 == id }
    }
    for _ in 0..<300 {
      let start = rng.next() % 11_000
      let last = start + rng.next() % 300
      let expected = Set(intervals.filter { $0.0 <= last && start <= $0.1 }.map(\.2))
      #expect(Set(tree.overlapping(start: start, last: last)) == expected, "seed \(seed)")
    }
  }
}

/// A tiny deterministic generator for tests (seeded, printed in failures).
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
