import Testing
@testable import MemoryModel

@Suite struct FileTests {
  @Test func sharedFileMappingsShareThePageCache() throws {
    let system = makeSystem()
    let file = system.createFile(name: "data", size: .mib(1))
    try system.write(file, offset: 0, bytes: [1, 2, 3])
    let a = try system.createProcess(name: "A")
    let b = try system.createProcess(name: "B")
    let ma = try a.mmap(.init(length: .mib(1), protection: .readWrite, shared: true, file: file))
    let mb = try b.mmap(.init(length: .kib(512), protection: .read, shared: true, file: file, offset: .kib(512)))
    #expect(try a.read(ma, count: 3) == [1, 2, 3])
    try a.write(ma + .kib(512), bytes: [9])
    #expect(try b.read(mb, count: 1) == [9])
    #expect(a.translate(ma + .kib(512))?.pfn == b.translate(mb)?.pfn)
    #expect(system.read(file, offset: .kib(512), count: 1) == [9])
    #expect(a.page(ma).folio?.kind == .file)
    expectConsistent(system)
  }

  @Test func privateFileMappingsCopyOnWrite() throws {
    let system = makeSystem()
    let file = system.createFile(name: "data", size: .mib(1))
    try system.write(file, offset: 0, bytes: [1])
    let a = try system.createProcess(name: "A")
    let m = try a.mmap(.init(length: .mib(1), protection: .readWrite, file: file))
    #expect(try a.read(m, count: 1) == [1])
    #expect(a.page(m).folio?.kind == .file && !a.page(m).isWritable)
    try a.write(m, bytes: [2])
    #expect(a.page(m).folio?.kind == .anonymous && a.page(m).isWritable)
    #expect(system.read(file, offset: 0, count: 1) == [1], "the file is unchanged")
    expectConsistent(system)
  }

  @Test func readFaultsMapCachedNeighboursAround() throws {
    let system = makeSystem()
    let file = system.createFile(name: "data", size: .mib(1))
    try system.write(file, offset: 0, bytes: [UInt8](repeating: 1, count: 65536))
    let a = try system.createProcess(name: "A")
    let m = try a.mmap(.init(length: .mib(1), protection: .read, shared: true, file: file))
    _ = try a.read(m + 4096 * 5, count: 1)
    let runs = a.snapshot(m, m + .kib(128))
    #expect(runs[0].state == .present && runs[0].pageCount == 16, "fault-around maps the 64K window of cached pages")
    #expect(runs[1].state == .notPresent)
  }

  @Test func largeFileFoliosArePMDMappedOnlyWhenAligned() throws {
    let system = makeSystem()
    let file = system.createFile(name: "big", kind: .shmem, size: .mib(4), largeFolios: true)
    let a = try system.createProcess(name: "A")
    let aligned = try a.mmap(.init(length: .mib(4), protection: .readWrite, shared: true, file: file))
    #expect(aligned.isAligned(to: .mib(2)))
    try a.touch(aligned, .mib(4), write: false)
    #expect(a.page(aligned).level == .pmd && a.page(aligned).folio?.order == 9 && a.page(aligned).folio?.kind == .shmem)
    // The same folio mapped 4K off its alignment: PTEs that map part of a large folio.
    let b = try system.createProcess(name: "B")
    let unaligned = try b.mmap(.init(length: .mib(2), protection: .read, shared: true, file: file, offset: 4096, alignment: .mib(2)))
    try b.touch(unaligned, .mib(2) - 4096, write: false)
    let page = b.page(unaligned)
    #expect(page.level == .pte && page.folio?.order == 9 && page.folio?.head == a.page(aligned).folio?.head)
    expectConsistent(system)
  }

  @Test func deletingAFileFreesItsCacheOnceUnmapped() throws {
    let system = makeSystem()
    let free = system.memory.freeFrameCount
    let file = system.createFile(name: "data", size: .mib(1))
    let a = try system.createProcess(name: "A")
    let m = try a.mmap(.init(length: .mib(1), protection: .read, shared: true, file: file))
    try a.touch(m, .mib(1), write: false)
    do { try system.deleteFile(file) } catch { #expect(error.errno == .EBUSY) }
    a.exit()
    try system.deleteFile(file)
    #expect(system.memory.freeFrameCount == free)
    expectConsistent(system)
  }

  @Test func faultsBeyondTheEndOfAFileAreBusErrors() throws {
    let system = makeSystem()
    let file = system.createFile(name: "small", size: 4096)
    let a = try system.createProcess(name: "A")
    let m = try a.mmap(.init(length: .kib(8), protection: .read, shared: true, file: file))
    _ = try a.read(m, count: 1)
    #expect(throws: FaultError.busError(m + 4096, "beyond the end of file small")) { try a.read(m + 4096, count: 1) }
  }
}

@Suite struct HugetlbTests {
  @Test func hugetlb2MPagesAreMappedWhole() throws {
    let system = makeSystem()
    #expect(system.setHugetlbPool(.size2M, count: 4) == 4)
    let a = try system.createProcess(name: "A")
    let m = try a.mmap(.init(length: .mib(4), protection: .readWrite, hugetlbPageSize: .size2M))
    try a.write(m + 5, bytes: [1])
    let page = a.page(m)
    #expect(page.level == .pmd && page.folio?.kind == .hugetlb && page.folio?.order == 9 && page.isWritable)
    #expect(system.hugetlbFreeCount(.size2M) == 3)
    #expect(a.residentPages.hugetlb == 512 && a.residentPages.total == 0)
    try a.mprotect(m, .mib(2), .read)
    #expect(a.page(m).level == .pmd && !a.page(m).isWritable)
    do { try a.mprotect(m, 4096, .read) } catch { #expect(error.errno == .EINVAL) }
    a.exit()
    #expect(system.hugetlbFreeCount(.size2M) == 4)
    expectConsistent(system)
  }

  @Test func hugetlb1GPagesUsePUDLeaves() throws {
    let system = makeSystem(memory: .gib(3))
    #expect(system.setHugetlbPool(.size1G, count: 1) == 1)
    let a = try system.createProcess(name: "A")
    let m = try a.mmap(.init(length: .gib(1), protection: .readWrite, hugetlbPageSize: .size1G))
    #expect(m.isAligned(to: .gib(1)))
    try a.access(m + .mib(300), write: true)
    let page = a.page(m)
    #expect(page.level == .pud && page.folio?.order == 18)
    expectConsistent(system)
  }

  @Test func hugetlbCOWAfterForkCopiesTheWholePage() throws {
    let system = makeSystem()
    system.setHugetlbPool(.size2M, count: 2)
    let a = try system.createProcess(name: "A")
    let m = try a.mmap(.init(length: .mib(2), protection: .readWrite, hugetlbPageSize: .size2M))
    try a.write(m, bytes: [1])
    let b = try a.fork(childName: "B")
    try b.write(m, bytes: [2])
    #expect(try a.read(m, count: 1) == [1])
    #expect(b.page(m).level == .pmd && b.page(m).folio?.head != a.page(m).folio?.head)
    #expect(system.hugetlbFreeCount(.size2M) == 0)
    expectConsistent(system)
  }

  @Test func anEmptyPoolIsABusError() throws {
    let system = makeSystem()
    system.setHugetlbPool(.size2M, count: 1)
    let a = try system.createProcess(name: "A")
    let m = try a.mmap(.init(length: .mib(2), protection: .readWrite, hugetlbPageSize: .size2M))
    let b = try system.createProcess(name: "B")
    let n = try b.mmap(.init(length: .mib(2), protection: .readWrite, hugetlbPageSize: .size2M))
    try a.access(m, write: true)
    #expect(throws: FaultError.busError(n, "the 2M hugetlb pool has no free page")) { try b.access(n, write: true) }
  }
}

@Suite struct DriverPageTests {
  @Test func insertedDriverPagesAreMappedReadOnlyInPrivateMappingsAndFreedOnUnmap() throws {
    let system = makeSystem()
    let free = system.memory.freeFrameCount
    let a = try system.createProcess(name: "A")
    let m = try a.mmap(.init(length: 4096, protection: .readWrite))
    try a.insertDriverPages(m, 4096)
    let page = a.page(m)
    #expect(page.state == .present && !page.isWritable && page.folio?.kind == .driver)
    #expect(a.vma(containing: m)?.flags.contains(.mixedmap) == true)
    expectConsistent(system)
    try a.munmap(m, 4096)
    a.exit()
    #expect(system.memory.freeFrameCount == free)
  }
}
