import Testing
@testable import MemoryModel

/// MADV_COLLAPSE of shmem and files, and the range rule for a range inside one 2M (Linux 6.18).
@Suite struct CollapseFileTests {
  @Test func sharedAnonymousCollapsesThroughThePageCache() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let shm = try a.mmap(.init(length: .mib(4), protection: .readWrite, shared: true, alignment: .mib(2)))
    try a.write(shm, bytes: [7])
    let b = try a.fork(childName: "B")
    try b.touch(shm + .kib(64), .kib(64), write: false)
    #expect(throws: SyscallError.self) { try a.madvise(shm, .mib(4), .collapse) }  // the second 2M has no page
    #expect(a.page(shm).level == .pmd && a.page(shm).folio?.order == 9)
    #expect(b.page(shm + .kib(64)).state == .notPresent, "B's PTEs of the old pages were unmapped, its table retracted")
    try b.touch(shm + .kib(8), 4096, write: false)
    #expect(b.page(shm).level == .pmd && b.page(shm).firstPFN == a.page(shm).firstPFN)
    #expect(try b.read(shm, count: 1) == [7], "the data moved into the new folio")
    #expect(a.collapse(at: shm + .mib(2)) == .failed(.truncated, "no page of anon_shmem is cached at pages 512..<1024"))
    expectConsistent(system)
  }

  @Test func aPrivateCopyInTheRangeRefusesAfterThePageCacheCollapsed() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let file = system.createFile(name: "F", kind: .shmem, size: .mib(2))
    let shared = try a.mmap(.init(length: .mib(2), protection: .readWrite, shared: true, file: file, alignment: .mib(2)))
    try a.write(shared, bytes: [1])
    let priv = try a.mmap(.init(length: .mib(2), protection: .readWrite, shared: false, file: file, alignment: .mib(2)))
    try a.write(priv + .kib(4), bytes: [2])
    guard case .failed(.fail, _) = a.collapse(at: priv) else {
      Issue.record("a PTE mapping a private copy refuses (SCAN_FAIL)")
      return
    }
    #expect(a.page(shared).state == .notPresent, "the shared mapping's PTE of the old page was unmapped")
    try a.touch(shared, 4096, write: false)
    #expect(a.page(shared).level == .pmd, "the page cache holds a PMD-sized folio now")
    expectConsistent(system)
  }

  @Test func aRangeInsideOne2MNotStartingOnItIsEINVAL() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let buf = try mapAnon(a, .mib(4))
    try a.touch(buf, 4096, write: true)
    #expect(throws: SyscallError.self) { try a.madvise(buf + .kib(4), .kib(4), .collapse) }
    try a.madvise(buf, .kib(4), .collapse)  // hstart == hend: nothing to do
    #expect(CollapseScanResult.allocHugePageFail.errno == .ENOMEM && CollapseScanResult.pageCount.errno == .EAGAIN)
    #expect(CollapseScanResult.pmdNull.madviseCollapseContinues && !CollapseScanResult.truncated.madviseCollapseContinues)
  }
}
