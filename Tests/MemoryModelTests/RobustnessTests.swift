import Testing
@testable import MemoryModel

/// Host memory and time that follow what exists, not the simulated size.
@Suite struct RobustnessTests {
  @Test func patternPagesStayPatternsUntilPartlyOverwritten() throws {
    let system = makeSystem()
    let space = try system.createProcess(name: "A")
    let buf = try mapAnon(space, .mib(2), huge: false)
    try space.writePage(buf, .words(first: 10, step: 1))
    #expect(try space.readPage(buf) == .words(first: 10, step: 1))
    let bytes = try space.read(buf + 8, count: 4)
    #expect(bytes == [12, 0, 0, 0], "word 2 of a page counting from 10")
    try space.write(buf + 1, bytes: [0xFF])
    guard case .bytes(let expanded) = try space.readPage(buf) else {
      Issue.record("a partly overwritten pattern page is expanded")
      return
    }
    #expect(expanded[0] == 10 && expanded[1] == 0xFF && expanded[4] == 11)
    #expect(PageData.filled(7).sameBytes(as: .bytes([UInt8](repeating: 7, count: 4096))))
    #expect(!PageData.words(first: 0, step: 1).sameBytes(as: .words(first: 0, step: UInt32.max)))
    // A negated index page: word k holds -k.
    #expect(PageData.words(first: 0, step: UInt32.max).byte(at: 4) == 0xFF)
    expectConsistent(system)
  }

  @Test func aLargeMachineCostsTheFramesItUses() throws {
    // 64 GiB of simulated memory: the descriptor table is reserved, not touched.
    let system = makeSystem(memory: .gib(64))
    #expect(system.memory.frameCount == 1 << 24)
    let space = try system.createProcess(name: "A")
    let buf = try mapAnon(space, .mib(4), huge: false)
    for page in 0..<1024 as Range<UInt64> { try space.writePage(buf + page << 12, .filled(1)) }
    #expect(system.memory.framesWithContents == 1024)
    #expect(system.checkInvariants().isEmpty)
  }

  @Test func theIncrementalCheckStillSeesACountThatGoesWrong() throws {
    let system = makeSystem()
    let parent = try system.createProcess(name: "A")
    let buf = try mapAnon(parent, .mib(2), huge: false)
    try parent.touch(buf, .kib(64), write: true)
    let child = try parent.fork(childName: "B")
    #expect(system.checkInvariants(incremental: true).isEmpty)
    #expect(system.checkInvariants(incremental: true).isEmpty, "the second check replays the unchanged tables")
    // Corrupt a reference count behind the model's back: neither table changed.
    let pfn = try #require(child.translate(buf)?.pfn)
    system.memory.frames[pfn.index].refCount += 1
    let violations = system.checkInvariants(incremental: true)
    #expect(violations.contains { $0.invariant == "reference-count" }, "\(violations)")
    system.memory.frames[pfn.index].refCount -= 1
    #expect(system.checkInvariants(incremental: true).isEmpty)
  }

  @Test func collapseOfAHugeMostlyEmptyRangeCostsTheTablesThatExist() throws {
    let system = makeSystem()
    let space = try system.createProcess(name: "A")
    let big = try space.mmap(.init(length: .gib(1) * 1024 * 100, protection: .readWrite, alignment: .mib(2)))  // 100T
    try space.madvise(big, .mib(2), .hugepage)
    try space.touch(big, .kib(4), write: true)
    var calls = 0
    var chunks: UInt64 = 0
    space.collapseChunks(big, big + .gib(1) * 1024 * 100, byKhugepaged: false) { _, count, _ in
      calls += 1
      chunks += count
    }
    #expect(chunks == 100 * 512 * 1024, "every 2M chunk is accounted for")
    #expect(calls <= 3, "one call for the populated chunk and one per run of empty ones, not \(calls)")
    #expect(throws: SyscallError.self) { try space.madvise(big, .gib(1) * 1024 * 100, .collapse) }
    try space.munmap(big, .gib(1) * 1024 * 100)
    expectConsistent(system)
  }
}
