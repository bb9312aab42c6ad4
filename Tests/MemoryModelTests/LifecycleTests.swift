import Testing
@testable import MemoryModel

@Suite struct LifecycleTests {
  @Test func exitReturnsEveryFrameAndRaisesOneRelease() throws {
    let system = makeSystem()
    let free = system.memory.freeFrameCount
    let a = try system.createProcess(name: "A")
    let recorder = InvalidationRecorder()
    a.register(recorder)
    let buf = try mapAnon(a, .mib(8))
    try a.touch(buf, .mib(4), write: true)
    try a.mprotect(buf + .mib(1), 4096, .read)
    try a.touch(buf + .mib(4), .mib(2), write: false)
    let small = try mapAnon(a, .mib(1), huge: false)
    try a.touch(small, .mib(1), write: true)
    let b = try a.fork(childName: "B")
    try b.touch(buf, .mib(1), write: true)
    try b.touch(buf + .mib(2), .mib(6), write: true)
    try a.munmap(buf + .mib(2), .kib(64))
    recorder.reset()
    a.exit()
    #expect(recorder.ranges == [InvalidationRange(start: VirtualAddress(0), end: VirtualAddress(UInt64.max), event: .release)])
    b.exit()
    system.processDeferredSplitQueue()
    #expect(system.memory.freeFrameCount == free, "no frame leaked")
    #expect(system.addressSpaces.isEmpty)
    #expect(system.deferredSplitQueue.isEmpty)
    expectConsistent(system)
  }

  @Test func operationsOnAnExitedProcessFail() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    a.exit()
    a.exit()
    do { _ = try a.mmap(.init(length: 4096, protection: .read)) } catch { #expect(error.errno == .EINVAL) }
    #expect(throws: FaultError.self) { try a.access(VirtualAddress(0x10000), write: false) }
  }

  @Test func firstPopulationRaisesNoInvalidation() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let recorder = InvalidationRecorder()
    a.register(recorder)
    let buf = try mapAnon(a, .mib(4))
    try a.touch(buf, .mib(2), write: true)
    let small = try mapAnon(a, .mib(1), huge: false)
    try a.touch(small, .mib(1), write: true)
    let file = system.createFile(name: "f", size: .mib(1))
    let m = try a.mmap(.init(length: .mib(1), protection: .readWrite, shared: true, file: file))
    try a.touch(m, .mib(1), write: true)
    #expect(recorder.count() == 0)
  }

  @Test func mprotectOfAnUnpopulatedRangeRaisesNothing() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(4))
    let recorder = InvalidationRecorder()
    a.register(recorder)
    try a.mprotect(buf, .mib(4), .read)
    #expect(recorder.count() == 0)
    try a.munmap(buf, .mib(4))
    #expect(recorder.ranges == [InvalidationRange(start: buf, end: buf + .mib(4), event: .unmap)], "munmap raises even for empty ranges, as Linux does")
  }
}
