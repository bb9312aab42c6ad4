import Testing
@testable import HMM
@testable import MemoryModel

/// A range built on a reused output buffer behaves as a fresh one; notifier counts by event.
@Suite struct HMMRangeReuseTests {
  @Test func aReusedOutputBufferStartsEmptyEveryTime() throws {
    let f = try Fixture()
    let start = try f.space.mmap(.init(length: .mib(1), protection: .readWrite))
    try f.space.touch(start, .mib(1), write: true)
    var buffer = [HMMPFN](repeating: HMMPFN(rawValue: UInt64.max), count: 1024)
    var range = HMMRange(notifier: f.notifier, notifierSequence: f.notifier.readBegin(), start: start, end: start + .mib(1),
                         defaultFlags: .requestFault, reusing: &buffer)
    #expect(buffer.isEmpty)
    #expect(range.pfns.count == 256 && range.pfns.allSatisfy { $0 == .none })
    #expect(range.defaultFlags == .requestFault && range.pfnFlagsMask == .none && range.devicePrivateOwner == nil)
    try HMM.rangeFault(&range)
    #expect(range.pfns.allSatisfy { $0.isValid && $0.isWritable })
    swap(&buffer, &range.pfns)
    let again = HMMRange(notifier: f.notifier, notifierSequence: 0, start: start, end: start + 8192, reusing: &buffer)
    #expect(again.pfns == [.none, .none])
  }

  @Test func invalidationsAreCountedByEvent() throws {
    let f = try Fixture()
    let start = try f.space.mmap(.init(length: .mib(1), protection: .readWrite))
    try f.space.touch(start, .mib(1), write: true)
    try f.space.mprotect(start, 4096, .read)
    try f.space.munmap(start, 8192)
    for event in InvalidationEvent.allCases {
      let delivered = f.ops.ranges.filter { $0.event == event }.count
      #expect(f.notifier.invalidations(event) == delivered, "\(event)")
      #expect(f.notifier.invalidationCounts[event] == (delivered > 0 ? delivered : nil), "\(event)")
    }
    #expect(f.notifier.invalidations(.protectionVMA) > 0 && f.notifier.invalidations(.unmap) > 0)
    #expect(f.notifier.invalidations() == f.ops.ranges.count)
  }
}
