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

/// hugetlb pages are mapped, changed and unmapped whole (each rule checked against Linux 6.18
/// with a C program: `hugetlb_vm_op_split`, `hugetlbfs_file_mmap`, madvise and mremap).
@Suite struct HugetlbRulesTests {
  private func hugetlbProcess(pages: Int = 4) throws -> (MemorySystem, AddressSpace, VirtualAddress) {
    let system = makeSystem()
    system.setHugetlbPool(.size2M, count: pages)
    let a = try system.createProcess(name: "A")
    let h = try a.mmap(.init(length: .mib(4), protection: .readWrite, hugetlbPageSize: .size2M))
    try a.touch(h, .mib(4), write: true)
    return (system, a, h)
  }

  @Test func aHugetlbVMAIsNotCutInsideAPage() throws {
    let (system, a, h) = try hugetlbProcess()
    #expect(errno { () throws(SyscallError) in try a.munmap(h + 4096, 4096) } == .EINVAL)
    #expect(errno { () throws(SyscallError) in try a.munmap(h, 4096) } == .EINVAL)
    #expect(errno { () throws(SyscallError) in
      try a.mmap(.init(length: 4096, protection: .readWrite, fixedAddress: h + 4096))
    } == .EINVAL)
    #expect(errno { () throws(SyscallError) in try a.madvise(h + .mib(1), .mib(1), .nohugepage) } == .EINVAL)
    #expect(errno { () throws(SyscallError) in try a.mprotect(h + 4096, 4096, .read) } == .EINVAL)
    // Nothing changed: one VMA, both pages still mapped, nothing leaked.
    #expect(a.vmas.count == 1 && a.page(h).level == .pmd && a.page(h + .mib(2)).level == .pmd)
    try a.madvise(h, .mib(2), .nohugepage)
    #expect(a.vmas.count == 2)
    // A call that leaves the hugetlb VMA at its edge as it is does not split it: Linux returns 0
    // (checked on 6.18), and so does the model, changing nothing.
    try a.mprotect(h + 4096, 4096, .readWrite)
    try a.madvise(h + .mib(1), .mib(1), .nohugepage)
    #expect(errno { () throws(SyscallError) in try a.madvise(h + .mib(1), .mib(1), .hugepage) } == .EINVAL)
    #expect(a.vmas.count == 2)
    expectConsistent(system)
    a.exit()
    #expect(system.hugetlbFreeCount(.size2M) == 4)
    expectConsistent(system)
  }

  @Test func madviseOnHugetlb() throws {
    let (system, a, h) = try hugetlbProcess()
    #expect(errno { () throws(SyscallError) in try a.madvise(h, .mib(2), .free) } == .EINVAL)
    #expect(errno { () throws(SyscallError) in try a.madvise(h + 4096, 4096, .dontneed) } == .EINVAL)
    // DONTNEED from an aligned start rounds the end down to the huge page: 4K drops nothing,
    // 4M - 4K drops the first page only.
    try a.madvise(h, 4096, .dontneed)
    #expect(a.page(h).level == .pmd && system.hugetlbFreeCount(.size2M) == 2)
    try a.madvise(h, .mib(4) - 4096, .dontneed)
    #expect(a.page(h).state == .notPresent && a.page(h + .mib(2)).level == .pmd)
    #expect(system.hugetlbFreeCount(.size2M) == 3)
    expectConsistent(system)
  }

  @Test func hugetlbMremapRules() throws {
    let (system, a, h) = try hugetlbProcess()
    try a.write(h, bytes: [0x11])
    let hole = try a.mmap(.init(length: .mib(16), protection: .none, alignment: .mib(2)))
    try a.munmap(hole, .mib(16))
    #expect(errno { () throws(SyscallError) in
      _ = try a.mremap(h, oldSize: .mib(2), newSize: .mib(2), mayMove: true, fixedAddress: hole + 4096)
    } == .EINVAL)
    #expect(errno { () throws(SyscallError) in _ = try a.mremap(h, oldSize: .mib(2), newSize: .mib(4), mayMove: true) } == .EINVAL)
    #expect(errno { () throws(SyscallError) in _ = try a.mremap(h + .mib(2), oldSize: .mib(2), newSize: .mib(4), mayMove: false) } == .EINVAL)
    #expect(errno { () throws(SyscallError) in
      _ = try a.mremap(h, oldSize: .mib(2), newSize: .mib(2), mayMove: true, fixedAddress: hole, dontUnmap: true)
    } == .EINVAL)
    #expect(try a.read(h, count: 1) == [0x11])
    expectConsistent(system)
    // Lengths round up to the huge page: a 4K move moves the whole 2M page.
    let moved = try a.mremap(h, oldSize: 4096, newSize: 4096, mayMove: true, fixedAddress: hole)
    #expect(moved == hole && a.page(hole).level == .pmd)
    #expect(try a.read(hole, count: 1) == [0x11])
    #expect(a.page(h).state == .unmapped)
    // Shrinking to 4K keeps the whole page (the new length rounds up to 2M).
    #expect(try a.mremap(hole, oldSize: .mib(2), newSize: 4096, mayMove: false) == hole)
    #expect(a.page(hole + .mib(1)).level == .pmd)
    expectConsistent(system)
  }

  @Test func shrinkingAPoolInUseMakesSurplusPages() throws {
    let (system, a, _) = try hugetlbProcess(pages: 3)
    #expect(system.setHugetlbPool(.size2M, count: 0) == 2)
    #expect(system.hugetlbSurplusCount(.size2M) == 2 && system.hugetlbFreeCount(.size2M) == 0)
    #expect(system.setHugetlbPool(.size2M, count: 1) == 2)
    #expect(system.hugetlbSurplusCount(.size2M) == 1)
    let used = system.memory.ramFrameCount - system.memory.freeFrameCount
    a.exit()
    // One page went back to the buddy allocator (surplus), one stayed in the pool of 1.
    #expect(system.hugetlbTotal[.size2M] == 1 && system.hugetlbFreeCount(.size2M) == 1 && system.hugetlbSurplusCount(.size2M) == 0)
    #expect(system.memory.ramFrameCount - system.memory.freeFrameCount <= used - 512)
    system.setHugetlbPool(.size2M, count: 0)
    #expect(system.hugetlbTotal[.size2M] == 0)
    expectConsistent(system)
  }

  @Test func aHugetlbfsFileIsMappedInWholePages() throws {
    let system = makeSystem()
    system.setHugetlbPool(.size2M, count: 2)
    let file = system.createFile(name: "H", kind: .hugetlb, size: .mib(2), hugetlbPageSize: .size2M)
    let a = try system.createProcess(name: "A")
    #expect(errno { () throws(SyscallError) in
      try a.mmap(.init(length: .mib(2), protection: .readWrite, shared: true, file: file, offset: 4096))
    } == .EINVAL)
    let m = try a.mmap(.init(length: .kib(64), protection: .readWrite, shared: true, file: file))
    #expect(m.isAligned(to: .mib(2)) && a.vmas.last.map { $0.end - $0.start } == .mib(2))
    try a.write(m, bytes: [1])
    try a.write(m + .mib(1), bytes: [2])
    #expect(a.page(m).level == .pmd)
    // A writable mapping past the end extends the file, as hugetlbfs_file_mmap() does.
    let empty = system.createFile(name: "E", kind: .hugetlb, size: 0, hugetlbPageSize: .size2M)
    let e = try a.mmap(.init(length: .kib(64), protection: .readWrite, shared: true, file: empty))
    #expect(empty.size == .mib(2))
    try a.write(e, bytes: [3])
    expectConsistent(system)
  }

  @Test func hugetlbfsMappingsNeedPoolPages() throws {
    let system = makeSystem()
    system.setHugetlbPool(.size2M, count: 1)
    let file = system.createFile(name: "H", kind: .hugetlb, size: .mib(4), hugetlbPageSize: .size2M)
    let a = try system.createProcess(name: "A")
    // Checked on 6.18 with a pool of 1: both a private and a shared 4M mapping are ENOMEM.
    #expect(errno { () throws(SyscallError) in try a.mmap(.init(length: .mib(4), protection: .readWrite, file: file)) } == .ENOMEM)
    #expect(errno { () throws(SyscallError) in
      try a.mmap(.init(length: .mib(4), protection: .readWrite, shared: true, file: file))
    } == .ENOMEM)
    // A shared mapping needs pages only for what the file does not cache yet.
    let first = try a.mmap(.init(length: .mib(2), protection: .readWrite, shared: true, file: file))
    try a.write(first, bytes: [1])
    #expect(system.hugetlbFreeCount(.size2M) == 0)
    let again = try a.mmap(.init(length: .mib(2), protection: .readWrite, shared: true, file: file))
    #expect(try a.read(again, count: 1) == [1])
    expectConsistent(system)
  }
}
