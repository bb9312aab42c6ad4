import Testing
@testable import DeviceMirror
@testable import HMM
@testable import MemoryModel

@Suite struct DMirrorTests {
  func makeMirror() throws -> (MemorySystem, AddressSpace, DMirror) {
    let system = MemorySystem(memoryBytes: .mib(512))
    let space = try system.createProcess(name: "hmm-tests")
    let mirror = try DMirror(device: DMirrorDevice(number: 0, ownerID: 1), space: space)
    return (system, space, mirror)
  }

  func indexPattern(pages: Int, _ transform: (Int32) -> Int32 = { $0 }) -> [UInt8] {
    var bytes: [UInt8] = []
    for i in 0..<(pages * 1024) {
      withUnsafeBytes(of: transform(Int32(i)).littleEndian) { bytes.append(contentsOf: $0) }
    }
    return bytes
  }

  @Test func anonRead() throws {
    let (_, space, mirror) = try makeMirror()
    let npages: UInt64 = 1024
    let ptr = try space.mmap(.init(length: npages * 4096, protection: .readWrite))
    let data = indexPattern(pages: 1024)
    try space.write(ptr + 8192, bytes: Array(data[8192...]))
    try space.mprotect(ptr, npages * 4096, .read)
    #expect(try space.read(ptr + 4096, count: 4) == [0, 0, 0, 0])
    let result = mirror.read(ptr, pages: npages)
    #expect(result.returnCode == 0 && result.cpages == npages && result.faults == 1)
    #expect(result.data[0..<8192].allSatisfy { $0 == 0 })
    #expect(Array(result.data[8192...]) == Array(data[8192...]))
  }

  @Test func anonReadProt() throws {
    let (_, space, mirror) = try makeMirror()
    let ptr = try space.mmap(.init(length: .mib(4), protection: .readWrite))
    try space.write(ptr, bytes: indexPattern(pages: 1024))
    try space.mprotect(ptr, .mib(4), .none)
    let result = mirror.read(ptr, pages: 1024)
    #expect(result.returnCode == -14 && result.errno == .EFAULT)
  }

  @Test func anonWriteProt() throws {
    let (_, space, mirror) = try makeMirror()
    let ptr = try space.mmap(.init(length: .mib(4), protection: .read))
    let one = mirror.read(ptr, pages: 1)
    #expect(one.returnCode == 0 && one.cpages == 1 && one.faults == 1)
    let data = indexPattern(pages: 1024)
    #expect(mirror.write(ptr, pages: 1024, data: data).returnCode == -1, "-EPERM")
    #expect(try space.read(ptr, count: 8) == [0, 0, 0, 0, 0, 0, 0, 0])
    try space.mprotect(ptr, .mib(4), .readWrite)
    let written = mirror.write(ptr, pages: 1024, data: data)
    #expect(written.returnCode == 0 && written.cpages == 1024 && written.faults == 1)
    #expect(try space.read(ptr, count: 4 << 20) == data, "the zero page is replaced")
  }

  @Test func badArgumentsAreEINVAL() throws {
    let (_, space, mirror) = try makeMirror()
    let ptr = try space.mmap(.init(length: .mib(1), protection: .readWrite))
    #expect(mirror.read(ptr + 1, pages: 1).returnCode == -22)
    #expect(mirror.read(ptr, pages: 0).returnCode == -22)
    #expect(mirror.snapshot(ptr, pages: UInt64.max).returnCode == -22)
  }

  @Test func snapshotBytes() throws {
    let (system, space, mirror) = try makeMirror()
    // hmm2.snapshot pages 0-4: PROT_NONE VMA, hole, zero page, RO anon, RW anon.
    let ptr = try space.mmap(.init(length: 7 * 4096, protection: .none))
    try space.munmap(ptr + 4096, 4096)
    try space.mprotect(ptr + 2 * 4096, 4096, .read)
    _ = try space.read(ptr + 2 * 4096, count: 1)
    try space.mprotect(ptr + 3 * 4096, 4096, .readWrite)
    try space.write(ptr + 3 * 4096, bytes: [3])
    try space.mprotect(ptr + 3 * 4096, 4096, .read)
    try space.mprotect(ptr + 4 * 4096, 3 * 4096, .readWrite)
    try space.write(ptr + 4 * 4096, bytes: [3])
    let result = mirror.snapshot(ptr, pages: 5)
    #expect(result.returnCode == 0 && result.cpages == 5)
    #expect(result.data == [0xFF, 0xFF, 0x11, 0x01, 0x02])
    // A PMD-mapped THP: 0x06; read-only: 0x05; the huge zero page: 0x05 (not ZERO).
    let thp = try space.mmap(.init(length: .mib(4), protection: .readWrite, alignment: .mib(2)))
    try space.madvise(thp, .mib(4), .hugepage)
    try space.touch(thp, .mib(2), write: true)
    _ = try space.read(thp + .mib(2), count: 1)
    let huge = mirror.snapshot(thp, pages: 1024)
    #expect(huge.data[0..<512].allSatisfy { $0 == 0x06 })
    #expect(huge.data[512...].allSatisfy { $0 == 0x05 })
    _ = system
  }

  @Test func compoundHugetlbSnapshot() throws {
    let (system, space, mirror) = try makeMirror()
    system.setHugetlbPool(.size2M, count: 1)
    let ptr = try space.mmap(.init(length: .mib(2), protection: .readWrite, hugetlbPageSize: .size2M))
    try space.write(ptr, bytes: indexPattern(pages: 512))
    let rw = mirror.snapshot(ptr, pages: 512)
    #expect(rw.returnCode == 0 && rw.cpages == 512 && rw.data.allSatisfy { $0 == 0x06 })
    try space.mprotect(ptr, .mib(2), .read)
    let ro = mirror.snapshot(ptr, pages: 512)
    #expect(ro.data.allSatisfy { $0 == 0x05 })
  }

  @Test func invalidationErasesEntriesAndTheOracleAgrees() throws {
    let (_, space, mirror) = try makeMirror()
    let oracle = SafetyOracle()
    oracle.watch(mirror)
    space.register(oracle)
    let ptr = try space.mmap(.init(length: .mib(1), protection: .readWrite))
    #expect(mirror.write(ptr, pages: 4, data: [UInt8](repeating: 1, count: 4 * 4096)).returnCode == 0)
    #expect(mirror.pageTable.count == 4)
    try space.madvise(ptr, 8192, .dontneed)
    #expect(mirror.pageTable.count == 1, "dmirror_do_update erases [start >> 12, end >> 12] inclusive: one page past the range too")
    #expect(oracle.check().isEmpty)
    let again = mirror.read(ptr, pages: 4)
    #expect(again.faults == 1 && again.data[0] == 0 && again.data[8192] == 1)
  }

  @Test func childMirrorAfterFork() throws {
    let (system, space, mirror) = try makeMirror()
    let ptr = try space.mmap(.init(length: .mib(4), protection: .readWrite))
    let data = indexPattern(pages: 1024)
    try space.write(ptr, bytes: data)
    _ = mirror
    let child = try space.fork(childName: "child")
    let childMirror = try DMirror(device: DMirrorDevice(number: 0, ownerID: 1), space: child)
    let negated = indexPattern(pages: 1024) { -$0 }
    let result = childMirror.write(ptr, pages: 1024, data: negated)
    #expect(result.returnCode == 0 && result.cpages == 1024 && result.faults == 1)
    #expect(try child.read(ptr, count: 4 << 20) == negated)
    #expect(try space.read(ptr, count: 4 << 20) == data, "no device write leaked into the parent")
    _ = system
  }
}
