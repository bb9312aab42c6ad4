import Testing
@testable import MemoryModel

/// The errno a throwing call gives, or nil when it succeeds.
private func errno(_ body: () throws(SyscallError) -> Void) -> Errno? {
  do {
    try body()
    return nil
  } catch {
    return error.errno
  }
}

/// Edge cases of the system calls' arguments, each checked against Linux 6.18 first.
@Suite struct SyscallEdgeTests {
  @Test func zeroLengthsSucceedAtAlignedAddresses() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let top = VirtualAddress(0xFFFF_FFFF_FFFF_F000)
    try a.mprotect(VirtualAddress(0x10000), 0, .read)
    try a.mprotect(top, 0, .read)
    for advice in AddressSpace.Advice.allCases { try a.madvise(top, 0, advice) }
    #expect(errno { () throws(SyscallError) in try a.mprotect(VirtualAddress(0x10001), 0, .read) } == .EINVAL)
    #expect(errno { () throws(SyscallError) in try a.madvise(VirtualAddress(0x10001), 0, .dontneed) } == .EINVAL)
    #expect(errno { () throws(SyscallError) in try a.munmap(VirtualAddress(0x10000), 0) } == .EINVAL)
    #expect(a.vmas.isEmpty)
  }

  @Test func rangesPastUserSpace() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let top = VirtualAddress(0xFFFF_FFFF_FFFF_F000)
    #expect(errno { () throws(SyscallError) in try a.mprotect(top, 4096, .read) } == .ENOMEM)
    #expect(errno { () throws(SyscallError) in try a.madvise(top, 4096, .dontneed) } == .EINVAL)
    #expect(errno { () throws(SyscallError) in try a.munmap(top, 4096) } == .EINVAL)
    #expect(throws: FaultError.self) { try a.touch(top, 4096, write: false) }
    try a.touch(VirtualAddress(UInt64.max), 0, write: false)
  }

  @Test func mapFixedBelowMmapMinAddrAsRoot() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let low = try a.mmap(.init(length: 4096, protection: .readWrite, fixedAddress: VirtualAddress(0x1000)))
    #expect(low == VirtualAddress(0x1000))
    try a.write(low, bytes: [7])
    #expect(try a.read(low, count: 1) == [7])
    expectConsistent(system)
  }

  @Test func multiVMAMoveWithDontUnmapKeepsTheOldVMAsEmpty() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(4), huge: false)
    try a.write(buf, bytes: [7])
    try a.write(buf + .mib(2), bytes: [8])
    try a.mprotect(buf + .mib(1), .mib(1), .read)
    let hole = try a.mmap(.init(length: .mib(16), protection: .none, alignment: .mib(2)))
    try a.munmap(hole, .mib(16))
    let moved = try a.mremap(buf, oldSize: .mib(4), newSize: .mib(4), mayMove: true, fixedAddress: hole, dontUnmap: true)
    #expect(moved == hole)
    #expect(try a.read(hole, count: 1) == [7])
    #expect(try a.read(hole + .mib(2), count: 1) == [8])
    #expect(a.page(buf).state == .notPresent && a.page(buf + .mib(2)).state == .notPresent)
    expectConsistent(system)
  }

  @Test func mremapThatCannotAllocatePageTablesFailsCleanly() throws {
    let system = makeSystem(memory: .mib(16))
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .kib(64), huge: false, alignment: 4096)
    try a.touch(buf, .kib(64), write: true)
    try a.write(buf, bytes: [9])
    let fill = try a.mmap(.init(length: .mib(16), protection: .readWrite))
    #expect(throws: FaultError.self) { try a.touch(fill, .mib(16), write: true) }
    #expect(system.memory.freeFrameCount == 0)
    let target = VirtualAddress(0x1000_0000_0000)
    #expect(errno { () throws(SyscallError) in
      _ = try a.mremap(buf, oldSize: .kib(64), newSize: .kib(64), mayMove: true, fixedAddress: target)
    } == .ENOMEM)
    #expect(try a.read(buf, count: 1) == [9])
    #expect(a.page(target).state == .unmapped)
    expectConsistent(system)
  }

  @Test func fragmentSetsTheLevelAnew() {
    let system = makeSystem(memory: .mib(64))
    let free = system.memory.freeFrameCount
    // 32 regions of 2M; the one holding the huge zero page has no free frame to take.
    let all = system.memory.fragment(percent: 100)
    #expect(all >= 31 && system.memory.freeFrameCount == free - all)
    let half = system.memory.fragment(percent: 50)
    #expect(half > 0 && half < all && system.memory.freeFrameCount == free - half)
    #expect(system.memory.fragment(percent: 0) == 0)
    #expect(system.memory.freeFrameCount == free && system.memory.freeBlockCount(order: 10) > 0)
    expectConsistent(system)
  }
}
