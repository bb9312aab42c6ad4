/// Migration of pages between system memory and device memory (`mm/migrate_device.c`):
/// `migrate_vma_setup()` collects pages and replaces their entries with migration entries,
/// the driver allocates destination pages and copies, `migrate_vma_pages()` commits, and
/// `migrate_vma_finalize()` replaces the migration entries with the new pages (device-private
/// entries, or present entries for system and device-coherent memory) or restores the old ones.
///
/// Simplifications: pages are locked and copied without concurrency; a PTE-mapped large folio is
/// split before its pages are collected (as Linux 6.17+ does).
extension AddressSpace {
  /// `migrate_vma_setup()`: collects `[start, end)` (inside one VMA) for migration, raising one
  /// `migrate` invalidation with `pgmapOwner` as the owner.
  /// - Throws: `EINVAL` when the range is not page aligned, not inside one VMA, or in a hugetlb,
  ///   `VM_IO`, `VM_PFNMAP` or `VM_MIXEDMAP` VMA.
  public func migrateVMASetup(start: VirtualAddress, end: VirtualAddress, select: MigrateSelect,
                              pgmapOwner: Int?) throws(SyscallError) -> MigrateVMA {
    guard !hasExited else { throw SyscallError(.EINVAL, "migrate_vma: the process has exited") }
    guard start.isAligned(to: 4096), end.isAligned(to: 4096), start < end else {
      throw SyscallError(.EINVAL, "migrate_vma: bad range \(start)-\(end)")
    }
    guard let vma = vma(containing: start), end <= vma.end else {
      throw SyscallError(.EINVAL, "migrate_vma: \(start)-\(end) is not inside one VMA")
    }
    guard !vma.isHugetlb, vma.flags.isDisjoint(with: [.io, .pfnmap, .mixedmap]) else {
      throw SyscallError(.EINVAL, "migrate_vma: hugetlb and special VMAs cannot migrate")
    }
    // Built and returned inside the invalidation (the init has no side effects): the value is
    // moved out, not copied out of a captured variable.
    return invalidating(start, end, .migrate, owner: pgmapOwner) { () -> MigrateVMA in
      var migration = MigrateVMA(space: self, start: start, end: end, select: select, pgmapOwner: pgmapOwner)
      collect(&migration, vma)
      return migration
    }
  }

  private func collect(_ m: inout MigrateVMA, _ vma: VMA) {
    let anonymous = vma.isAnonymous && !vma.isShared
    var i = 0
    while i < m.pageCount {
      let address = m.address(of: i)
      let pmdStart = address.alignedDown(to: PageSize.size2M.bytes)
      let chunkEnd = min(pmdStart + PageSize.size2M.bytes, m.end)
      let chunkPages = Int((chunkEnd - address) >> 12)
      let whole = address == pmdStart && chunkPages == 512 && m.select.contains(.compound)
      guard let pmdSlot = pageTable.slot(for: address, level: .pmd, allocate: false), !pageTable.entry(at: pmdSlot).isNone else {
        collectHole(&m, i, chunkPages, anonymous: anonymous, whole: whole)
        i += chunkPages
        continue
      }
      let pmd = pageTable.entry(at: pmdSlot)
      if pmd.isHuge && !pmd.isProtNone {
        if memory.isZeroPage(pmd.pfn) && m.select.contains(.system) && whole {
          m.src[i] = MigratePFN(rawValue: MigratePFN.migrate | MigratePFN.compound)
          m.collected += 1
          i += chunkPages
          continue
        }
        if memory.kind(of: pmd.pfn) == .anonymous && m.select.contains(.system) && whole, !system.isHeldByGUP(pmd.pfn),
          let sites = pmdSites(of: pmd.pfn, pmdSlot, pmd)
        {
          collectPMD(&m, i, sites)
          i += chunkPages
          continue
        }
        if memory.kind(of: pmd.pfn) == .anonymous || memory.isZeroPage(pmd.pfn) {
          splitHugePMD(at: pmdStart, pmdSlot)
          continue
        }
        i += chunkPages
        continue
      }
      if pmd.swapType == .devicePrivate {
        let owned = m.select.contains(.devicePrivate) && system.devicePrivateOwner(of: pmd.pfn) == m.pgmapOwner
        if owned && whole, let sites = pmdSites(of: pmd.pfn, pmdSlot, pmd) {
          collectPMD(&m, i, sites)
        } else if owned {
          splitHugePMD(at: pmdStart, pmdSlot)
          continue
        }
        i += chunkPages
        continue
      }
      guard !pmd.isSwap, !pmd.isProtNone else {
        i += chunkPages
        continue
      }
      // The PTEs hang off this PMD entry: each page's slot is found from it, not by a walk from
      // the root (the same slot; a split on the way changes PTEs, never the tables above).
      for k in 0..<chunkPages { collectPTE(&m, i + k, pmdSlot, anonymous: anonymous) }
      i += chunkPages
    }
  }

  private func collectHole(_ m: inout MigrateVMA, _ first: Int, _ count: Int, anonymous: Bool, whole: Bool) {
    guard anonymous && m.select.contains(.system) else { return }
    if whole {
      m.src[first] = MigratePFN(rawValue: MigratePFN.migrate | MigratePFN.compound)
      m.collected += 1
      return
    }
    for k in first..<(first + count) {
      m.src[k] = MigratePFN(rawValue: MigratePFN.migrate)
      m.collected += 1
    }
  }

  /// Every PMD entry that maps the folio `head` (this one and, after fork, other processes'),
  /// or nil when the folio is also mapped some other way (then it is split instead).
  private func pmdSites(of head: PFN, _ slot: Int, _ pmd: PageTableEntry) -> [MigrateVMA.Site]? {
    let references = memory.referenceCount(ofFolio: head)
    if references == 1 { return [MigrateVMA.Site(space: self, slot: slot, level: .pmd, original: pmd)] }
    var sites: [MigrateVMA.Site] = []
    for site in system.entriesMapping(head) {
      guard site.level == .pmd, let other = site.space.pageTable.slot(for: site.address, level: .pmd, allocate: false) else { return nil }
      sites.append(MigrateVMA.Site(space: site.space, slot: other, level: .pmd, original: site.space.pageTable.entry(at: other)))
    }
    return sites.count == references ? sites : nil
  }

  /// Replaces the PMD leaves (a THP or a device-private PMD, in every process that maps it) by
  /// migration PMDs, as `try_to_migrate()` does.
  private func collectPMD(_ m: inout MigrateVMA, _ index: Int, _ sites: [MigrateVMA.Site]) {
    guard let mine = sites.first(where: { $0.space === self }) else { return }
    let head = mine.original.pfn
    installMigrationEntries(sites, frame: head)
    m.sites.set(sites, at: index)
    let writable = mine.original.isWritable
    m.src[index] = MigratePFN(pfn: head, flags: MigratePFN.migrate | MigratePFN.compound | (writable ? MigratePFN.write : 0))
    m.collected += 1
  }

  private func collectPTE(_ m: inout MigrateVMA, _ index: Int, _ pmdSlot: Int, anonymous: Bool) {
    let address = m.address(of: index)
    guard let slot = pageTable.pteSlot(underPMD: pmdSlot, address, allocate: false) else { return }
    let pte = pageTable.entry(at: slot)
    if pte.isNone || (pte.isPresent && !pte.isProtNone && memory.isZeroPage(pte.pfn)) {
      if anonymous && m.select.contains(.system) {
        m.src[index] = MigratePFN(rawValue: MigratePFN.migrate)
        m.collected += 1
      }
      return
    }
    let pfn = pte.pfn
    let kind = memory.kind(of: pfn)
    let selected: Bool
    if pte.isPresent && !pte.isProtNone {
      selected = (kind == .anonymous && m.select.contains(.system))
        || (kind == .deviceCoherent && m.select.contains(.deviceCoherent) && system.deviceMemory(containing: pfn)?.owner == m.pgmapOwner)
    } else if pte.swapType == .devicePrivate {
      selected = m.select.contains(.devicePrivate) && system.devicePrivateOwner(of: pfn) == m.pgmapOwner
    } else {
      selected = false
    }
    guard selected else { return }
    let head = memory.folioHead(of: pfn)
    if memory.order(ofFolio: head) > 0 {
      // A PTE-mapped large folio: split it first (its other PMD mappings are split too).
      guard kind == .anonymous ? system.splitFolio(head) : system.splitUnmappedDeviceFolio(head) else { return }
      // The split may have mapped this page to the zero page (remap_page): collect it afresh.
      if kind == .anonymous { return collectPTE(&m, index, pmdSlot, anonymous: anonymous) }
    }
    // A pinned or GUP-referenced page is not migrated: folio_try_share_anon_rmap_pte() refuses a
    // pinned exclusive page, migrate_vma_check_page() a page with extra references.
    guard !system.isHeldByGUP(head) else { return }
    if memory.mapCount(of: pfn) > 1 {
      var sites: [MigrateVMA.Site] = []
      for site in system.entriesMapping(pfn, probing: address) where site.level == .pte {
        guard let otherSlot = site.space.pageTable.slot(for: site.address, level: .pte, allocate: false) else { continue }
        sites.append(MigrateVMA.Site(space: site.space, slot: otherSlot, level: .pte, original: site.space.pageTable.entry(at: otherSlot)))
      }
      installMigrationEntries(sites, frame: pfn)
      m.sites.set(sites, at: index)
    } else {
      // Only this PTE maps the page: one site, no array.
      let site = MigrateVMA.Site(space: self, slot: slot, level: .pte, original: pte)
      installMigrationEntry(site, frame: pfn)
      m.sites.set(site, at: index)
    }
    m.src[index] = MigratePFN(pfn: pfn, flags: MigratePFN.migrate | (pte.isWritable ? MigratePFN.write : 0))
    m.collected += 1
  }

  /// Replaces each site's entry for `frame` (a page, or a folio head for PMD sites) by a
  /// migration entry that holds a reference but no mapping; sites in other processes get their
  /// own `clear` invalidation (this process's range is already being invalidated).
  private func installMigrationEntries(_ sites: [MigrateVMA.Site], frame: PFN) {
    for site in sites { installMigrationEntry(site, frame: frame) }
  }

  /// ``installMigrationEntries(_:frame:)`` for one site.
  private func installMigrationEntry(_ site: MigrateVMA.Site, frame: PFN) {
    let install = {
      self.memory.addReference(self.memory.folioHead(of: frame))
      site.space.pageTable.setEntry(.swap(.migration, pfn: frame, writable: site.original.isWritable), at: site.slot)
      if site.level == .pmd { site.space.removeEntireMapping(frame) } else { site.space.removePTEMapping(frame) }
    }
    if site.space === self {
      install()
    } else {
      let address = site.level == .pmd ? site.space.pageTableAddress(ofPMDSlot: site.slot) : site.space.pageTableAddress(ofPTESlot: site.slot)
      site.space.invalidating(address, address + site.level.entrySpan, .clear) { install() }
    }
  }

  /// `migrate_vma_pages()`: commits every collected entry the driver gave a destination; holes
  /// and zero pages get their new page inserted now. A whole-folio source whose destination is
  /// not compound is split first, so that its 512 pages migrate one by one.
  public func migrateVMAPages(_ m: inout MigrateVMA) {
    var holes: [Int] = []
    var i = 0
    while i < m.pageCount {
      defer { i += 1 }
      guard m.src[i].isMigrating else { continue }
      guard m.dst[i].isValid else {
        m.src[i].rawValue &= ~MigratePFN.migrate
        continue
      }
      if !m.src[i].isValid {
        if m.src[i].isCompound && !m.dst[i].isCompound {
          // A 2 MiB hole whose destination is 512 small pages: migrate the holes one by one.
          let count = min(512, m.pageCount - i)
          for k in 0..<count where m.dst[i + k].isValid {
            m.src[i + k] = MigratePFN(rawValue: MigratePFN.migrate)
            holes.append(i + k)
          }
          i += count - 1
          continue
        }
        holes.append(i)
      } else if m.src[i].isCompound && !m.dst[i].isCompound {
        splitCollectedPMD(&m, i)
        i += 511
      }
    }
    guard !holes.isEmpty else { return }
    invalidating(m.address(of: holes[0]), m.end, .migrate, owner: m.pgmapOwner) {
      for i in holes { insertIntoHole(&m, i) }
    }
  }

  /// Splits a collected whole-folio source into 512 migration PTEs and 512 order-0 pages.
  private func splitCollectedPMD(_ m: inout MigrateVMA, _ index: Int) {
    guard let site = m.sites.single(at: index), site.space === self, site.level == .pmd,
      let node = pageTable.withdrawDeposit(site.slot)
    else {
      m.src[index].rawValue &= ~MigratePFN.migrate
      return
    }
    let head = m.src[index].pfn
    let writable = site.original.isWritable
    for k in 0..<512 {
      pageTable.setEntry(.swap(.migration, pfn: head + UInt64(k), writable: writable), at: node << 9 | k)
    }
    pageTable.setEntry(.present(pageTable.nodeFrame[node], writable: true), at: site.slot)
    memory.splitMigratingFolio(head)
    for k in 0..<512 {
      let original: PageTableEntry = site.original.isSwap
        ? .swap(.devicePrivate, pfn: head + UInt64(k), writable: writable)
        : .present(head + UInt64(k), writable: writable, dirty: site.original.isDirty)
      m.sites.set(MigrateVMA.Site(space: self, slot: node << 9 | k, level: .pte, original: original), at: index + k)
      m.src[index + k] = MigratePFN(pfn: head + UInt64(k), flags: MigratePFN.migrate | (writable ? MigratePFN.write : 0))
    }
  }

  /// Inserts the destination page of a hole or zero page (`migrate_vma_insert_page`).
  private func insertIntoHole(_ m: inout MigrateVMA, _ index: Int) {
    let address = m.address(of: index)
    let destination = m.dst[index]
    let pfn = destination.pfn
    let kind = memory.kind(of: pfn)
    let writable = destination.isWritable
    func entry(huge: Bool) -> PageTableEntry {
      kind == .devicePrivate ? .swap(.devicePrivate, pfn: pfn, writable: writable) : .present(pfn, writable: writable, huge: huge, dirty: true)
    }
    guard pageTable.slot(for: address, level: .pud, allocate: true) != nil,
      let pmdSlot = pageTable.slot(for: address, level: .pmd, allocate: true)
    else {
      m.src[index].rawValue &= ~MigratePFN.migrate
      return
    }
    let pmd = pageTable.entry(at: pmdSlot)
    if m.src[index].isCompound && destination.isCompound {
      let isHugeZero = pmd.isHuge && memory.isZeroPage(pmd.pfn)
      guard pmd.isNone || isHugeZero, isHugeZero || pageTable.deposit(pmdSlot) else {
        m.src[index].rawValue &= ~MigratePFN.migrate
        return
      }
      pageTable.setEntry(entry(huge: true), at: pmdSlot)
      addEntireMapping(pfn)
      for k in 0..<UInt64(512) { memory.setAnonExclusive(pfn + k, true) }
      return
    }
    if pmd.isHuge && memory.isZeroPage(pmd.pfn) { splitHugePMD(at: address.alignedDown(to: PageSize.size2M.bytes), pmdSlot) }
    guard let slot = pageTable.slot(for: address, level: .pte, allocate: true) else {
      m.src[index].rawValue &= ~MigratePFN.migrate
      return
    }
    let old = pageTable.entry(at: slot)
    guard old.isNone || (old.isPresent && memory.isZeroPage(old.pfn)) else {
      m.src[index].rawValue &= ~MigratePFN.migrate
      return
    }
    pageTable.setEntry(entry(huge: false), at: slot)
    addPTEMapping(pfn)
    memory.setAnonExclusive(pfn, true)
  }

  /// `migrate_vma_finalize()`: every migration entry becomes the new page (same writability) or,
  /// if the page did not migrate, the old entry again; destination pages nobody took are freed.
  public func migrateVMAFinalize(_ m: inout MigrateVMA) {
    for i in 0..<m.pageCount {
      let source = m.src[i]
      let destination = m.dst[i]
      if source.isValid, let siteCount = m.sites.count(at: i) {
        let oldHead = memory.folioHead(of: source.pfn)
        let migrated = source.isMigrating && destination.isValid
        m.sites.forEach(at: i) { site in
          if migrated {
            let newPFN = destination.pfn
            let kind = memory.kind(of: newPFN)
            let writable = site.original.isWritable
            let huge = site.level == .pmd
            let entry: PageTableEntry = kind == .devicePrivate
              ? .swap(.devicePrivate, pfn: newPFN, writable: writable)
              : .present(newPFN, writable: writable, huge: huge, dirty: true)
            site.space.pageTable.setEntry(entry, at: site.slot)
            if huge { site.space.addEntireMapping(newPFN) } else { site.space.addPTEMapping(newPFN) }
            let exclusive = siteCount == 1
            for k in 0..<UInt64(huge ? 512 : 1) { memory.setAnonExclusive(newPFN + k, exclusive) }
          } else {
            site.space.pageTable.setEntry(site.original, at: site.slot)
            if site.level == .pmd { site.space.addEntireMapping(oldHead) } else if let frame = site.original.mappedFrame { site.space.addPTEMapping(frame) }
          }
          if memory.dropReference(oldHead) { system.freeFolio(oldHead) }
        }
      }
      if destination.isValid && !(source.isMigrating) {
        let head = memory.folioHead(of: destination.pfn)
        if memory.isAllocated(head) && memory.referenceCount(ofFolio: head) == 0 && memory.frames[head.index].flags.contains(.head) {
          system.freeFolio(head)
        }
      }
    }
    m.sites.removeAll()
    // Keep the storage for the next setup (the caller's `m` still reads the same values).
    spareMigrateSource = m.src
    spareMigrateDestination = m.dst
  }

  /// `make_device_exclusive()`: faults the page at `address` in for writing (splitting a PMD
  /// leaf), then replaces its PTE by a device-exclusive entry after an `exclusive`
  /// invalidation carrying `owner`. Any CPU access later restores the PTE.
  /// - Returns: the page's frame.
  /// - Throws: the fault's error.
  @discardableResult
  public func makeDeviceExclusive(_ address: VirtualAddress, owner: Int?) throws(FaultError) -> PFN {
    let page = address.alignedDown(to: 4096)
    try access(page, write: true)
    splitHugePMD(covering: page)
    guard let slot = pageTable.slot(for: page, level: .pte, allocate: false) else { throw .busError(page, "no PTE after the fault") }
    let pte = pageTable.entry(at: slot)
    guard pte.isPresent, memory.kind(of: pte.pfn) == .anonymous else {
      throw .busError(page, "only anonymous pages can become device-exclusive")
    }
    invalidating(page, page + 4096, .exclusive, owner: owner) {
      pageTable.setEntry(.swap(.deviceExclusive, pfn: pte.pfn, writable: pte.isWritable), at: slot)
    }
    return pte.pfn
  }

  /// The entry that maps `address` and its level, without faulting (for inspection: device
  /// memory, exclusive and migration entries included).
  public func cpuEntry(_ address: VirtualAddress) -> (entry: PageTableEntry, level: PageTableLevel) {
    let (entry, level, _) = pageTable.lookup(address)
    return (entry, level)
  }
}

extension PhysicalMemory {
  /// Splits a large folio held only by migration entries (one reference per page afterwards).
  func splitMigratingFolio(_ head: PFN) {
    let order = self.order(ofFolio: head)
    let kind = self.kind(of: head)
    for i in 0..<(1 << order) {
      formFolio(head: head.index + i, order: 0, kind: kind)
      frames[head.index + i].refCount = 1
    }
    entireMapCounts[UInt32(truncatingIfNeeded: head.rawValue)] = nil
  }
}

extension MemorySystem {
  /// Splits a large device folio mapped only by PTEs into order-0 folios.
  func splitUnmappedDeviceFolio(_ head: PFN) -> Bool {
    guard memory.entireMapCount(ofFolio: head) == 0 else { return false }
    let order = memory.order(ofFolio: head)
    let kind = memory.kind(of: head)
    var counts: [Int32] = []
    for i in 0..<(1 << order) { counts.append(memory.frames[head.index + i].mapCount) }
    for i in 0..<(1 << order) {
      memory.formFolio(head: head.index + i, order: 0, kind: kind)
      memory.frames[head.index + i].mapCount = counts[i]
      memory.frames[head.index + i].refCount = counts[i]
      if counts[i] == 0 { releaseDeviceFolio(head + UInt64(i)) }
    }
    return true
  }
}
