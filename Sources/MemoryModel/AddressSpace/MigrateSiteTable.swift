/// Where each collected page of a ``MigrateVMA`` was mapped (internal): one site per page in
/// one array (the usual case: a page only this process maps), and the pages with another
/// number of sites (shared after fork) in a dictionary — so that collecting a page does not
/// allocate an array of sites for it. A one-page range (a CPU fault's `migrate_to_ram`) keeps its
/// one site inline: no array at all.
struct MigrateSiteTable {
  /// The number of pages in the range.
  let pageCount: Int
  /// Pages with exactly one site (sized on first use; never used when `pageCount` is 1).
  private var one: [MigrateVMA.Site?] = []
  /// The one site of page 0 of a one-page range.
  private var only: MigrateVMA.Site?
  /// Pages with any other number of sites.
  private var other: [Int: [MigrateVMA.Site]] = [:]

  init(pageCount: Int) { self.pageCount = pageCount }

  /// Records that page `index` has the one site `site` (replacing what it had).
  mutating func set(_ site: MigrateVMA.Site, at index: Int) {
    if pageCount == 1 {
      precondition(index == 0, "page index out of range")
      only = site
      if !other.isEmpty { other[index] = nil }
      return
    }
    if one.isEmpty { one = Array(repeating: nil, count: pageCount) }
    one[index] = site
    if !other.isEmpty { other[index] = nil }
  }

  /// Records that page `index` has the sites `sites` (replacing what it had).
  mutating func set(_ sites: [MigrateVMA.Site], at index: Int) {
    if sites.count == 1 { return set(sites[0], at: index) }
    if pageCount == 1 { only = nil }
    if !one.isEmpty { one[index] = nil }
    other[index] = sites
  }

  /// How many sites page `index` has, or nil when none were recorded for it.
  func count(at index: Int) -> Int? {
    if pageCount == 1, only != nil { return 1 }
    if !one.isEmpty, one[index] != nil { return 1 }
    return other[index]?.count
  }

  /// The one site of page `index`, or nil when it has none recorded or more than one.
  func single(at index: Int) -> MigrateVMA.Site? {
    if pageCount == 1 { return index == 0 ? only : nil }
    return one.isEmpty ? nil : one[index]
  }

  /// Calls `body` with each site of page `index`, in the order recorded.
  func forEach(at index: Int, _ body: (MigrateVMA.Site) -> Void) {
    if let site = single(at: index) { return body(site) }
    for site in other[index] ?? [] { body(site) }
  }

  /// Forgets every site.
  mutating func removeAll() {
    only = nil
    one = []
    other = [:]
  }
}
