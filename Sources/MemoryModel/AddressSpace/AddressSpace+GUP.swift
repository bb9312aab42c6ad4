/// `get_user_pages()` and `pin_user_pages()` (`mm/gup.c`): the kernel takes references or pins
/// on the pages behind a user range, faulting them in as the CPU would first, and what pins do
/// to fork (copied, not shared) and to `FOLL_LONGTERM` (device-coherent pages migrated out).
///
/// The fast variants (`get_user_pages_fast()`, `pin_user_pages_fast()`) fall back to this slow
/// path for every page the fast walk cannot take, and take the same pages when it can, so the
/// model has one path for both.
extension AddressSpace {
  /// `get_user_pages()` (`reference: .get`) or `pin_user_pages()` (`.pin`) of `count` pages
  /// from `start` (rounded down to its page): follows each page, faulting it in as
  /// `faultin_page()` does — a write fault for `FOLL_WRITE` on a page that is not mapped
  /// writable (breaking copy-on-write, bringing a device-private page back), an unshare fault
  /// (`FAULT_FLAG_UNSHARE`) for a read-only pin of an anonymous page that is not exclusive — and
  /// takes a reference or pin on each. With `FOLL_LONGTERM`, pages that may not be pinned for
  /// long (device-coherent memory) are migrated to system memory and the pin is retried
  /// (`check_and_migrate_movable_folios()`). Marks the address space `MMF_HAS_PINNED` for a pin.
  /// - Returns: the pages, one per 4 KiB page, in order; fewer than `count` when a later page
  ///   failed (as Linux returns the number pinned).
  /// - Throws: the first page's error: `EFAULT` (no VMA, no permission, a `VM_IO`/`VM_PFNMAP`
  ///   VMA, a fault that failed), `ENOMEM`, `EINVAL` (`FOLL_LONGTERM` without a pin, or the
  ///   process has exited), `EBUSY` (a large device-coherent folio cannot be migrated out).
  public func getUserPages(_ start: VirtualAddress, count: Int, flags: GUPFlags, reference: GUPReference) throws(SyscallError) -> [PFN] {
    guard !hasExited else { throw SyscallError(.EFAULT, "get_user_pages: the process has exited") }
    guard reference == .pin || !flags.contains(.longterm) else {
      throw SyscallError(.EINVAL, "get_user_pages: FOLL_LONGTERM needs FOLL_PIN (is_valid_gup_args)")
    }
    guard count > 0 else { return [] }
    if reference == .pin { hasPinned = true }
    let first = start.alignedDown(to: PageSize.bytes4K)
    // __gup_longterm_locked(): pin, migrate what must not stay pinned, unpin and retry.
    for _ in 0..<8 {
      var pages: [PFN] = []
      pages.reserveCapacity(count)
      var failure: SyscallError?
      for i in 0..<count {
        do {
          pages.append(try followOrFault(first + UInt64(i) << PageSize.shift4K, flags, reference))
        } catch {
          failure = error
          break
        }
      }
      if flags.contains(.longterm) {
        let unpinnable = pages.filter { memory.kind(of: $0) == .deviceCoherent }
        if !unpinnable.isEmpty {
          system.releaseUserPages(pages, reference)
          for pfn in unpinnable where memory.kind(of: pfn) == .deviceCoherent {
            try system.migrateDeviceCoherentPageToSystem(pfn)
          }
          continue
        }
      }
      if pages.isEmpty, let failure { throw failure }
      return pages
    }
    throw SyscallError(.ENOMEM, "pin_user_pages: FOLL_LONGTERM migration did not settle")
  }

  /// `follow_page_mask()` and, when it finds no page it may take, `faultin_page()`, until the
  /// page can be taken; then `try_grab_folio()`.
  private func followOrFault(_ address: VirtualAddress, _ flags: GUPFlags, _ reference: GUPReference) throws(SyscallError) -> PFN {
    let write = flags.contains(.write)
    for _ in 0..<4 {
      // check_vma_flags()
      guard let vma = vma(containing: address) else { throw SyscallError(.EFAULT, "get_user_pages: no VMA at \(address)") }
      guard vma.flags.isDisjoint(with: [.io, .pfnmap]) else {
        throw SyscallError(.EFAULT, "get_user_pages: \(address) lies in a VM_IO or VM_PFNMAP VMA")
      }
      if write && !vma.protection.contains(.write) {
        throw SyscallError(.EFAULT, "get_user_pages: FOLL_WRITE on a VMA without write permission at \(address)")
      }
      if !write && !vma.protection.contains(.read) {
        throw SyscallError(.EFAULT, "get_user_pages: a read of a VMA without read permission at \(address)")
      }
      let (entry, level, _) = pageTable.lookup(address)
      if entry.isPresent && !entry.isProtNone && (level == .pte || entry.isHuge) {
        let offset = (address - address.alignedDown(to: level.entrySpan)) >> PageSize.shift4K
        let pfn = level == .pte ? entry.pfn : entry.pfn + offset
        if write && !entry.isWritable {
          try gupFault(address, write: true)
          continue
        }
        if reference == .pin && !write && mustUnshare(pfn, vma, flags) {
          try unshare(address)
          continue
        }
        system.grabFolio(pfn, reference)
        return pfn
      }
      // pte_none, a device-private, device-exclusive or migration entry: fault it in.
      try gupFault(address, write: write)
    }
    throw SyscallError(.EFAULT, "get_user_pages: the page at \(address) did not settle after its faults")
  }

  /// `gup_must_unshare()`: a read-only pin of an anonymous page that is not exclusive, or (with
  /// `FOLL_LONGTERM`) of a page-cache page in a private mapping, must unshare it first so that
  /// the pin and the page table keep naming the same page.
  private func mustUnshare(_ pfn: PFN, _ vma: VMA, _ flags: GUPFlags) -> Bool {
    let kind = memory.kind(of: pfn)
    if kind == .zero { return false }
    if kind == .anonymous || kind.isDevice || (kind == .hugetlb && !vma.isShared) { return !memory.isAnonExclusive(pfn) }
    return flags.contains(.longterm) && vma.isCOWMapping
  }

  /// A fault GUP raises (`handle_mm_fault` from `faultin_page`), its error as GUP returns it.
  private func gupFault(_ address: VirtualAddress, write: Bool) throws(SyscallError) {
    do {
      try handleFault(at: address, write: write)
    } catch {
      switch error {
      case .outOfMemory: throw SyscallError(.ENOMEM, "get_user_pages: \(error)")
      default: throw SyscallError(.EFAULT, "get_user_pages: \(error)")
      }
    }
  }

  /// `FAULT_FLAG_UNSHARE` (`do_wp_page()` / `do_huge_pmd_wp_page()` / `hugetlb_wp()` with
  /// unshare): the page becomes exclusive — reused when nothing else maps or holds it, otherwise
  /// replaced by a private copy — and stays read-only.
  private func unshare(_ address: VirtualAddress) throws(SyscallError) {
    system.events.pageFaults += 1
    let page = address.alignedDown(to: PageSize.bytes4K)
    let (entry, level, slot) = pageTable.lookup(address)
    guard entry.isPresent else { return }  // gone meanwhile: the caller faults it in again
    if level != .pte {
      let span = level.entrySpan
      let haddr = address.alignedDown(to: span)
      let head = entry.pfn
      let pages = Int(span >> PageSize.shift4K)
      let kind = memory.kind(of: head)
      if kind == .file || kind == .shmem {
        // A page-cache PMD in a private mapping (a FOLL_LONGTERM read-only pin): the PMD is
        // zapped (__split_huge_pmd of a file THP) and the page gets a private read-only copy.
        let source = head + ((address - haddr) >> PageSize.shift4K)
        splitHugePMD(at: haddr, slot)
        guard let index = vmaIndex(containing: address), let pteSlot = pageTable.slot(for: address, level: .pte, allocate: true) else {
          throw SyscallError(.ENOMEM, "unshare: no page table for \(address)")
        }
        ensureAnonVMA(index)
        let copy: PFN
        do { copy = try allocateAnonymousPage(address) } catch { throw SyscallError(.ENOMEM, "unshare: no page for the copy at \(address)") }
        memory.copyContents(from: source, to: copy)
        pageTable.setEntry(.present(copy, writable: false, dirty: true), at: pteSlot)
        addPTEMapping(copy)
        memory.setAnonExclusive(copy, true)
        system.events.cowCopies += 1
        return
      }
      if memory.referenceCount(ofFolio: head) == 1 && memory.entireMapCount(ofFolio: head) == 1 {
        for i in 0..<UInt64(pages) { memory.setAnonExclusive(head + i, true) }
        return
      }
      if memory.kind(of: head) == .hugetlb {
        let size = PageSize(order: memory.order(ofFolio: head)) ?? .size2M
        guard let copy = system.allocateHugetlbFolio(size) else { throw SyscallError(.ENOMEM, "unshare: the \(size) hugetlb pool has no free page") }
        for i in 0..<UInt64(pages) {
          memory.copyContents(from: head + i, to: copy + i)
          memory.setAnonExclusive(copy + i, true)
        }
        invalidating(haddr, haddr + span, .clear) {
          pageTable.setEntry(.present(copy, writable: false, huge: true, dirty: entry.isDirty), at: slot)
          addEntireMapping(copy)
          removeEntireMapping(head)
        }
        system.events.cowCopies += 1
        return
      }
      // A PMD-mapped THP that is shared: split the PMD and unshare the one page.
      splitHugePMD(at: haddr, slot)
      return try unshare(address)
    }
    let pfn = entry.pfn
    if memory.kind(of: pfn) == .anonymous && canReuseAnonymousPage(pfn, slot) {
      memory.setAnonExclusive(pfn, true)
      return
    }
    guard let vmaIndex = vmaIndex(containing: address) else { throw SyscallError(.EFAULT, "unshare: no VMA at \(address)") }
    ensureAnonVMA(vmaIndex)
    let copy: PFN
    do {
      copy = try allocateAnonymousPage(address)
    } catch {
      throw SyscallError(.ENOMEM, "unshare: no page for the copy at \(address)")
    }
    memory.copyContents(from: pfn, to: copy)
    invalidating(page, page + PageSize.bytes4K, .clear) {
      pageTable.setEntry(.present(copy, writable: false, dirty: true), at: slot)
      addPTEMapping(copy)
      memory.setAnonExclusive(copy, true)
      removePTEMapping(pfn)
    }
    system.events.cowCopies += 1
  }

  // MARK: fork

  /// `folio_try_dup_anon_rmap_*()` refusing to share (`folio_needs_cow_for_dma()`): in a process
  /// that has pinned pages, an exclusive anonymous page whose folio may be pinned is copied for
  /// the child instead of being shared.
  func needsCOWForDMA(_ entry: PageTableEntry) -> Bool {
    guard hasPinned, entry.isPresent, !entry.isProtNone, let frame = entry.mappedFrame else { return false }
    let kind = memory.kind(of: frame)
    guard kind == .anonymous || kind == .hugetlb || kind == .deviceCoherent else { return false }
    return memory.isAnonExclusive(frame) && system.folioMaybeDMAPinned(frame)
  }

  /// `copy_huge_pmd()` finding a maybe-pinned exclusive THP: splits the parent's PMD so that its
  /// pages are copied one by one. Returns whether it split.
  func splitMaybePinnedPMDForFork(_ entry: PageTableEntry, _ slot: Int, _ address: VirtualAddress) -> Bool {
    guard entry.isHuge, memory.kind(of: entry.pfn) == .anonymous, needsCOWForDMA(entry) else { return false }
    splitHugePMD(at: address.alignedDown(to: PageSize.size2M.bytes), slot)
    return true
  }

  /// `copy_present_page()`: the child maps a fresh copy of the parent's page (dirty, writable
  /// if its VMA is), exclusively; the parent's entry and its pin stay as they are.
  /// - Returns: false when no page is free for the copy (fork fails with `ENOMEM`).
  func copyMaybePinnedPage(_ pte: PageTableEntry, to child: AddressSpace, at childSlot: Int, vma: VMA) -> Bool {
    guard let copy = memory.allocateFolio(order: 0, kind: .anonymous) else { return false }
    memory.copyContents(from: pte.pfn, to: copy)
    child.pageTable.setEntry(.present(copy, writable: vma.protection.contains(.write), dirty: true), at: childSlot)
    child.addPTEMapping(copy)
    memory.setAnonExclusive(copy, true)
    return true
  }

  /// `copy_hugetlb_page_range()` with a maybe-pinned exclusive page: the child gets a copy from
  /// the pool. Returns false when the pool has none (fork fails).
  func copyMaybePinnedHugetlbPage(_ entry: PageTableEntry, to child: AddressSpace, at childSlot: Int, level: PageTableLevel) -> Bool {
    let head = entry.pfn
    let size = PageSize(order: memory.order(ofFolio: head)) ?? .size2M
    guard let copy = system.allocateHugetlbFolio(size) else { return false }
    for i in 0..<UInt64(size.pageCount) {
      memory.copyContents(from: head + i, to: copy + i)
      memory.setAnonExclusive(copy + i, true)
    }
    child.pageTable.setEntry(.present(copy, writable: entry.isWritable, huge: true, dirty: true), at: childSlot)
    child.addEntireMapping(copy)
    return true
  }
}

extension MemorySystem {
  /// `migrate_device_coherent_folio()`, as `FOLL_LONGTERM` calls it: copies a device-coherent
  /// page to a new system page and points every mapping at the copy (each after a `clear`
  /// invalidation, as `try_to_migrate()` raises it), freeing the device page.
  /// - Throws: `EBUSY` for a large folio (Linux migrates only small device-coherent folios here),
  ///   `ENOMEM` when no system page is free.
  func migrateDeviceCoherentPageToSystem(_ pfn: PFN) throws(SyscallError) {
    let head = memory.folioHead(of: pfn)
    guard memory.order(ofFolio: head) == 0 else {
      throw SyscallError(.EBUSY, "pin_user_pages: large device-coherent folio \(head) cannot be migrated out for FOLL_LONGTERM")
    }
    guard !isHeldByGUP(head) else { throw SyscallError(.EBUSY, "pin_user_pages: device-coherent page \(pfn) is held by another GUP caller") }
    guard let copy = memory.allocateFolio(order: 0, kind: .anonymous) else {
      throw SyscallError(.ENOMEM, "pin_user_pages: no system page to migrate device-coherent page \(pfn) to")
    }
    memory.copyContents(from: pfn, to: copy)
    let exclusive = memory.isAnonExclusive(pfn)
    memory.setAnonExclusive(copy, exclusive)
    for site in entriesMapping(pfn) where site.level == .pte {
      let space = site.space
      guard let slot = space.pageTable.slot(for: site.address, level: .pte, allocate: false) else { continue }
      space.invalidating(site.address, site.address + PageSize.bytes4K, .clear) {
        let old = space.pageTable.entry(at: slot)
        space.pageTable.setEntry(.present(copy, writable: old.isWritable, dirty: true), at: slot)
        space.addPTEMapping(copy)
        space.removePTEMapping(pfn)
      }
    }
  }
}
