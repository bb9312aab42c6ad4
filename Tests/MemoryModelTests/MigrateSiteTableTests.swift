import Testing

@testable import MemoryModel

/// `MigrateSiteTable` (one site per page in an array, other counts in a dictionary) answers as
/// the dictionary of site arrays it replaced: for one site, several, none (an empty list), and
/// when a page's sites are replaced by another number of them (a collected PMD split into PTEs).
@Suite struct MigrateSiteTableTests {
  @Test func behavesAsADictionaryOfArrays() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let b = try system.createProcess(name: "B")
    func site(_ space: AddressSpace, _ slot: Int) -> MigrateVMA.Site {
      MigrateVMA.Site(space: space, slot: slot, level: .pte, original: .none)
    }
    var table = MigrateSiteTable(pageCount: 8)
    var reference: [Int: [MigrateVMA.Site]] = [:]
    func record(_ sites: [MigrateVMA.Site], at index: Int) {
      table.set(sites, at: index)
      reference[index] = sites
    }
    func compare() {
      for index in 0..<8 {
        #expect(table.count(at: index) == reference[index]?.count, "page \(index)")
        let expectedSingle = reference[index].flatMap { $0.count == 1 ? $0[0] : nil }
        #expect(table.single(at: index)?.slot == expectedSingle?.slot, "page \(index)")
        var seen: [String] = []
        table.forEach(at: index) { seen.append("\($0.space.pid):\($0.slot)") }
        #expect(seen == (reference[index] ?? []).map { "\($0.space.pid):\($0.slot)" }, "page \(index)")
      }
    }
    compare()
    record([site(a, 10)], at: 0)
    record([site(a, 11), site(b, 21)], at: 1)
    record([], at: 2)
    compare()
    // One site replaced by two, two by one, one by none.
    record([site(b, 30), site(a, 31)], at: 0)
    record([site(b, 40)], at: 1)
    table.set(site(a, 50), at: 3)
    reference[3] = [site(a, 50)]
    record([], at: 3)
    compare()
    table.removeAll()
    reference.removeAll()
    compare()
  }

  /// A one-page table (its site kept inline, no array) answers the same way.
  @Test func onePageTableKeepsItsSiteInline() throws {
    let system = makeSystem()
    let a = try system.createProcess(name: "A")
    let b = try system.createProcess(name: "B")
    func site(_ space: AddressSpace, _ slot: Int) -> MigrateVMA.Site {
      MigrateVMA.Site(space: space, slot: slot, level: .pte, original: .none)
    }
    func seen(_ table: MigrateSiteTable) -> [String] {
      var seen: [String] = []
      table.forEach(at: 0) { seen.append("\($0.space.pid):\($0.slot)") }
      return seen
    }
    var table = MigrateSiteTable(pageCount: 1)
    #expect(table.count(at: 0) == nil)
    #expect(table.single(at: 0) == nil)
    #expect(seen(table).isEmpty)
    table.set(site(a, 7), at: 0)
    #expect(table.count(at: 0) == 1)
    #expect(table.single(at: 0)?.slot == 7)
    #expect(seen(table) == ["\(a.pid):7"])
    // One site replaced by two, two by one, one by none.
    table.set([site(b, 8), site(a, 9)], at: 0)
    #expect(table.count(at: 0) == 2)
    #expect(table.single(at: 0) == nil)
    #expect(seen(table) == ["\(b.pid):8", "\(a.pid):9"])
    table.set([site(b, 10)], at: 0)
    #expect(table.count(at: 0) == 1)
    #expect(table.single(at: 0)?.slot == 10)
    #expect(seen(table) == ["\(b.pid):10"])
    table.set([], at: 0)
    #expect(table.count(at: 0) == 0)
    #expect(table.single(at: 0) == nil)
    #expect(seen(table).isEmpty)
    table.set(site(a, 11), at: 0)
    table.removeAll()
    #expect(table.count(at: 0) == nil)
    #expect(seen(table).isEmpty)
  }
}
