import Testing

@testable import MemoryModel

/// `migrateVMASetup` reuses the `src`/`dst` storage of the space's last finished migration
/// (AddressSpace.spareMigrateSource/-Destination): a migration still held by its caller keeps
/// its values, a new one starts zeroed whatever size came before, and a sequence of migrations
/// gives the same arrays, PFNs and entries as with fresh storage every time (the old path).
@Suite struct MigrateStorageReuseTests {
  /// Migrates the pages `[first, first + count)` of `buf` within system memory (every collected
  /// page gets a fresh order-0 page), returning the finished migration.
  private func migrate(_ space: AddressSpace, _ buf: VirtualAddress, _ first: Int, _ count: Int) throws -> MigrateVMA {
    let start = buf + UInt64(first) << 12
    var m = try space.migrateVMASetup(start: start, end: start + UInt64(count) << 12, select: [.system], pgmapOwner: nil)
    for i in 0..<m.pageCount where m.src[i].isMigrating {
      let page = try #require(space.system.memory.allocateFolio(order: 0, kind: .anonymous))
      if m.src[i].isValid { space.system.memory.copyContents(from: m.src[i].pfn, to: page) }
      m.dst[i] = MigratePFN(pfn: page, flags: MigratePFN.write)
    }
    space.migrateVMAPages(&m)
    space.migrateVMAFinalize(&m)
    return m
  }

  /// A process with 8 written 4K pages.
  private func makeSpace() throws -> (AddressSpace, VirtualAddress) {
    let system = makeSystem(memory: .mib(32))
    let space = try system.createProcess(name: "A")
    let buf = try space.mmap(.init(length: 8 << 12, protection: .readWrite))
    for page in 0..<6 { try space.write(buf + UInt64(page) << 12, bytes: [UInt8(page + 1)]) }
    return (space, buf)
  }

  @Test func heldMigrationKeepsItsValues() throws {
    let (space, buf) = try makeSpace()
    let first = try migrate(space, buf, 0, 2)
    let firstSource = first.src
    let firstDestination = first.dst
    // The next setups take the storage `first` still holds: they must not change it.
    let second = try migrate(space, buf, 0, 2)
    _ = try migrate(space, buf, 5, 3)
    #expect(first.src == firstSource)
    #expect(first.dst == firstDestination)
    #expect(second.src != first.src, "the pages moved again, from the first migration's destinations")
    #expect(second.src.map(\.pfn) == first.dst.map(\.pfn))
  }

  @Test func droppedMigrationsStorageIsReusedZeroed() throws {
    let (space, buf) = try makeSpace()
    do { _ = try migrate(space, buf, 0, 4) }
    let before = space.spareMigrateSource.withUnsafeBufferPointer { $0.baseAddress }
    // Shorter, then one page of a hole (pages 6 and 7 were never written): no stale entry.
    let m = try space.migrateVMASetup(start: buf + (6 << 12), end: buf + (8 << 12), select: [.devicePrivate], pgmapOwner: nil)
    #expect(m.src == [MigratePFN(rawValue: 0), MigratePFN(rawValue: 0)])
    #expect(m.dst == [MigratePFN(rawValue: 0), MigratePFN(rawValue: 0)])
    #expect(m.src.withUnsafeBufferPointer { $0.baseAddress } == before, "the dropped migration's storage")
  }

  @Test func sameResultsAsFreshStorage() throws {
    func run(fresh: Bool) throws -> [String] {
      let (space, buf) = try makeSpace()
      var log: [String] = []
      for (first, count) in [(0, 1), (0, 4), (2, 1), (6, 2), (1, 7), (3, 1)] {
        if fresh {
          space.spareMigrateSource = []
          space.spareMigrateDestination = []
        }
        let m = try migrate(space, buf, first, count)
        log.append("\(m.src) \(m.dst) \(m.collected)")
        for page in 0..<8 { log.append("\(space.cpuEntry(buf + UInt64(page) << 12).entry)") }
        log.append("\(try space.read(buf, count: 8 << 12).reduce(0) { $0 &+ Int($1) })")
      }
      return log
    }
    #expect(try run(fresh: false) == run(fresh: true))
  }
}
