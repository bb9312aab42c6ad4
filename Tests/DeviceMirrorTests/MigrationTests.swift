import Testing
@testable import DeviceMirror
@testable import HMM
@testable import MemoryModel

@Suite struct MigrationTests {
  struct Setup {
    let system = MemorySystem(memoryBytes: .mib(512))
    let space: AddressSpace
    let dev0: DMirrorDevice
    let dev1: DMirrorDevice
    let fd0: DMirror
    let fd1: DMirror
    let oracle = SafetyOracle()

    init(coherent: Bool = false) throws {
      space = try system.createProcess(name: "hmm-tests")
      dev0 = DMirrorDevice(number: coherent ? 2 : 0, ownerID: 10, system: system, memoryBytes: .mib(64))
      dev1 = DMirrorDevice(number: coherent ? 3 : 1, ownerID: 11, system: system, memoryBytes: .mib(64))
      fd0 = try DMirror(device: dev0, space: space)
      fd1 = try DMirror(device: dev1, space: space)
      oracle.watch(fd0)
      oracle.watch(fd1)
      space.register(oracle)
    }

    func check(sourceLocation: SourceLocation = #_sourceLocation) {
      #expect(system.checkInvariants().isEmpty, "\(system.checkInvariants())", sourceLocation: sourceLocation)
      #expect(oracle.check().isEmpty, "\(oracle.check())", sourceLocation: sourceLocation)
    }
  }

  static func pattern(_ pages: Int, offset: Int32 = 0) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(pages * 4096)
    for i in 0..<(pages * 1024) { withUnsafeBytes(of: (Int32(i) + offset).littleEndian) { bytes.append(contentsOf: $0) } }
    return bytes
  }

  @Test(arguments: [false, true])
  func migrateAndFaultBack(coherent: Bool) throws {
    let s = try Setup(coherent: coherent)
    let ptr = try s.space.mmap(.init(length: .mib(4), protection: .readWrite))
    let data = Self.pattern(1024)
    try s.space.write(ptr, bytes: data)
    let result = s.fd0.migrateToDevice(ptr, pages: 1024)
    #expect(result.returnCode == 0 && result.cpages == 1024 && result.data == data)
    let snapshot = s.fd0.snapshot(ptr, pages: 1)
    #expect(snapshot.data == [coherent ? 0x42 : 0x22])
    s.check()
    // The CPU reads the first half: device-private pages come back.
    #expect(try s.space.read(ptr, count: 2 << 20) == Array(data[0..<(2 << 20)]))
    #expect(s.fd0.snapshot(ptr, pages: 1).data == [coherent ? 0x42 : 0x02], "the CPU reads coherent memory in place")
    let again = s.fd0.migrateToDevice(ptr, pages: 1024)
    #expect(again.returnCode == 0 && again.cpages == 1024 && again.data == data)
    s.check()
  }

  @Test func migrateSharedIsENOENT() throws {
    let s = try Setup()
    let ptr = try s.space.mmap(.init(length: .mib(4), protection: .readWrite, shared: true))
    #expect(s.fd0.migrateToDevice(ptr, pages: 1024).returnCode == -2)
  }

  @Test func migrateRelease() throws {
    let s = try Setup()
    let ptr = try s.space.mmap(.init(length: .mib(4), protection: .readWrite))
    let data = Self.pattern(1024)
    try s.space.write(ptr, bytes: data)
    #expect(s.fd0.migrateToDevice(ptr, pages: 1024).cpages == 1024)
    #expect(s.fd0.release(ptr, pages: 1024).returnCode == 0)
    #expect(try s.space.read(ptr, count: 2 << 20) == Array(data[0..<(2 << 20)]))
    s.check()
  }

  @Test func snapshotOfDevicePages() throws {
    let s = try Setup()
    let ptr = try s.space.mmap(.init(length: 3 * 4096, protection: .readWrite))
    try s.space.write(ptr, bytes: [UInt8](repeating: 3, count: 3 * 4096))
    #expect(s.fd0.migrateToDevice(ptr + 4096, pages: 1).cpages == 1)
    #expect(s.fd1.migrateToDevice(ptr + 2 * 4096, pages: 1).cpages == 1)
    let snapshot = s.fd0.snapshot(ptr, pages: 3)
    #expect(snapshot.data == [0x02, 0x22, 0x00], "this device's page is local; the other's is not reported")
    // Device 0 faults device 1's page back through HMM (hmm2.double_map's last step).
    let read = s.fd0.read(ptr, pages: 3)
    #expect(read.returnCode == 0 && read.cpages == 3 && read.faults == 1)
    s.check()
  }

  @Test func thpMigratesAsOneDevicePrivatePMD() throws {
    let s = try Setup()
    let raw = try s.space.mmap(.init(length: .mib(4), protection: .readWrite))
    let map = raw.alignedUp(to: .mib(2))
    let data = Self.pattern(512)
    try s.space.write(map, bytes: data)
    try s.space.madvise(map, .mib(2), .collapse)
    #expect(s.space.snapshot(map, map + .mib(2)).first?.level == .pmd)
    let result = s.fd0.migrateToDevice(map, pages: 512)
    #expect(result.returnCode == 0 && result.cpages == 512 && result.data == data)
    #expect(s.space.cpuEntry(map).level == .pmd && s.space.cpuEntry(map).entry.swapType == .devicePrivate)
    #expect(s.fd0.snapshot(map, pages: 512).data.allSatisfy { $0 == 0x26 })
    s.check()
    #expect(try s.space.read(map, count: 2 << 20) == data, "the CPU faults the 2M folio back")
    #expect(s.space.snapshot(map, map + .mib(2)).first?.level == .pmd)
    s.check()
  }

  @Test func largeAllocationFailureFallsBackTo4K() throws {
    let s = try Setup()
    let raw = try s.space.mmap(.init(length: .mib(4), protection: .readWrite))
    let map = raw.alignedUp(to: .mib(2))
    try s.space.madvise(map, .mib(2), .hugepage)
    let data = Self.pattern(512)
    try s.space.write(map, bytes: data)
    _ = s.fd0.setFlags(dmirrorFlagFailAlloc)
    let result = s.fd0.migrateToDevice(map, pages: 512)
    #expect(result.returnCode == 0 && result.cpages == 512 && result.data == data)
    #expect(s.space.cpuEntry(map).level == .pte)
    #expect(try s.space.read(map + 8192, count: 4) == Array(data[8192..<8196]))
    s.check()
  }

  @Test func emptyAndZeroTHPsMigrate() throws {
    let s = try Setup()
    let raw = try s.space.mmap(.init(length: .mib(4), protection: .read))
    let map = raw.alignedUp(to: .mib(2))
    try s.space.madvise(map, .mib(2), .hugepage)
    let empty = s.fd0.migrateToDevice(map, pages: 512)
    #expect(empty.returnCode == 0 && empty.cpages == 512 && empty.data.allSatisfy { $0 == 0 })
    s.check()
    let raw2 = try s.space.mmap(.init(length: .mib(4), protection: .read))
    let map2 = raw2.alignedUp(to: .mib(2))
    try s.space.madvise(map2, .mib(2), .hugepage)
    #expect(try s.space.read(map2, count: 4) == [0, 0, 0, 0])
    let zero = s.fd0.migrateToDevice(map2, pages: 512)
    #expect(zero.returnCode == 0 && zero.cpages == 512 && zero.data.allSatisfy { $0 == 0 })
    #expect(try s.space.read(map2, count: 2 << 20).allSatisfy { $0 == 0 })
    s.check()
  }

  @Test func exclusiveAccessIsRevokedByCPUAccess() throws {
    let s = try Setup()
    let ptr = try s.space.mmap(.init(length: .mib(4), protection: .readWrite))
    let data = Self.pattern(1024)
    try s.space.write(ptr, bytes: data)
    let result = s.fd0.exclusive(ptr, pages: 1024)
    #expect(result.returnCode == 0 && result.cpages == 1024 && result.data == data)
    #expect(s.fd0.checkExclusive(ptr, pages: 1024).returnCode == -1)
    s.check()
    try s.space.write(ptr, bytes: Self.pattern(1024, offset: 1))
    #expect(s.fd0.checkExclusive(ptr, pages: 1024).returnCode == 0, "atomic access revoked")
    s.check()
  }

  @Test func exclusiveThenMprotectMakesDeviceWritesEPERM() throws {
    let s = try Setup()
    let ptr = try s.space.mmap(.init(length: .mib(4), protection: .readWrite))
    try s.space.write(ptr, bytes: Self.pattern(1024))
    #expect(s.fd0.exclusive(ptr, pages: 1024).cpages == 1024)
    try s.space.mprotect(ptr, .mib(4), .read)
    #expect(s.fd0.write(ptr, pages: 1024, data: Self.pattern(1024)).returnCode == -1)
    s.check()
  }

  @Test func forkWithDevicePrivatePages() throws {
    let s = try Setup()
    let ptr = try s.space.mmap(.init(length: .mib(4), protection: .readWrite))
    let data = Self.pattern(1024)
    try s.space.write(ptr, bytes: data)
    #expect(s.fd0.migrateToDevice(ptr, pages: 1024).cpages == 1024)
    let child = try s.space.fork(childName: "child")
    #expect(try child.read(ptr, count: 4 << 20) == data, "the child sees the data")
    let childFD = try DMirror(device: s.dev0, space: child)
    let negated = Self.pattern(1024, offset: -1_000_000)
    let written = childFD.write(ptr, pages: 1024, data: negated)
    #expect(written.returnCode == 0 && written.cpages == 1024 && written.faults == 1)
    #expect(try child.read(ptr, count: 4 << 20) == negated)
    #expect(try s.space.read(ptr, count: 4 << 20) == data, "the parent keeps its data")
    s.check()
  }

  @Test func cowInDevice() throws {
    let s = try Setup()
    let ptr = try s.space.mmap(.init(length: 4 * 4096, protection: .readWrite))
    let data = Self.pattern(4)
    try s.space.write(ptr, bytes: data)
    #expect(s.fd0.migrateToDevice(ptr, pages: 4).cpages == 4)
    let child = try s.space.fork(childName: "child")
    try s.space.write(ptr, bytes: data)
    child.exit()
    #expect(s.fd0.snapshot(ptr, pages: 4).data == [0x02, 0x02, 0x02, 0x02])
    s.check()
  }

  @Test func partialUnmapOfADeviceTHP() throws {
    let s = try Setup()
    let raw = try s.space.mmap(.init(length: .mib(4), protection: .readWrite))
    let map = raw.alignedUp(to: .mib(2))
    try s.space.madvise(map, .mib(2), .hugepage)
    let data = Self.pattern(512)
    try s.space.write(map, bytes: data)
    #expect(s.fd0.migrateToDevice(map, pages: 512).cpages == 512)
    try s.space.munmap(map + .kib(512), .mib(1))
    #expect(try s.space.read(map, count: 512 << 10) == Array(data[0..<(512 << 10)]))
    #expect(try s.space.read(map + .kib(1536), count: 512 << 10) == Array(data[(1536 << 10)...]))
    s.check()
  }

  @Test func migrateToSystemCountsEntries() throws {
    let s = try Setup(coherent: true)
    let ptr = try s.space.mmap(.init(length: .mib(4), protection: .readWrite))
    let data = Self.pattern(1024)
    try s.space.write(ptr, bytes: data)
    #expect(s.fd0.migrateToDevice(ptr, pages: 1024).cpages == 1024)
    let back = s.fd0.migrateToSystem(ptr, pages: 1024)
    #expect(back.returnCode == 0 && back.cpages == 1024)
    #expect(try s.space.read(ptr, count: 4 << 20) == data)
    #expect(s.fd0.snapshot(ptr, pages: 1).data == [0x02])
    s.check()
  }
}
