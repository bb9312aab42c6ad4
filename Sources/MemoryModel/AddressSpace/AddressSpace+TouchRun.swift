/// ``AddressSpace/touch(_:_:write:)``'s inner loop over the pages of one PTE table: each page is
/// accessed exactly as ``AddressSpace/access(_:write:)`` would access it, but the PTEs are read
/// from the table in one pass, and the commonest fault, a write to an empty PTE of a private
/// anonymous VMA (or a read of one, which maps the zero page), is resolved in the loop with the
/// access check made once for the run. A fault on an empty PTE of a file or shmem VMA is made in
/// the loop too (``faultEmptyPTE(_:_:_:write:)`` after the same access check), and the run goes
/// on after it instead of ending there. So does a write fault on a present read-only PTE
/// (copy-on-write, reuse, or a shared mapping made writable: ``writeProtectedPTE(_:_:_:)`` after
/// the same access check), with the invalidation it raises for its page.
extension AddressSpace {
  /// Accesses up to `count` pages from `address`, whose PTE is in slot `slot` of a table the
  /// cursor remembers (the pages lie in that table); stops after the first page that needs a
  /// fault the loop does not resolve itself (that page is accessed through
  /// ``access(_:write:_:)``, which may drop the cursor).
  /// - Returns: how many pages were accessed (at least one).
  /// - Throws: ``FaultError`` at the first page that cannot be accessed.
  func touchRun(_ address: VirtualAddress, slot: Int, count: Int, write: Bool,
                _ cursor: inout PTETableCursor) throws(FaultError) -> Int {
    // The empty-PTE shortcut's access check, once for the run: the VMA that holds the first
    // page, private anonymous, not hugetlb, allowing the access, with no mTHP size enabled (a
    // fault would consider a large folio); pages past its end take the full path. Nothing the
    // shortcut does calls out of the model (no notifier runs for a fault on an empty PTE), so
    // the VMAs and settings it checked hold for the whole run.
    var fastPages = 0
    // The in-loop file faults' access check, once for the run: a file or shmem VMA (not hugetlb)
    // that allows the access. A file fault on an empty PTE raises no invalidation and changes no
    // VMA bounds and no table above the PTEs (it fills PTEs of this table: the page's, its
    // folio's, fault-around's), so the check and the table hold for the rest of the run.
    var filePages = 0
    // The fault-around window the run's last file fault left settled (the table and the VMA are
    // the run's throughout; only the run's own faults change the window in between).
    var window = FaultAroundWindow()
    // The file of the in-loop file faults, looked up once for the run (a fault changes no file
    // table); nil leaves each fault to look it up and find it gone, as it would.
    var runFile: File?
    // The in-loop copy-on-write faults' access check, once for the run: a write to a VMA (not
    // hugetlb) with write permission, whatever it maps. A write fault on a present read-only PTE
    // (``writeProtectedPTE(_:_:_:)``: reuse, copy, or a shared mapping made writable) changes
    // only that PTE: no VMA bounds and no table above the PTEs. Its invalidation's receivers see
    // the address space but do not change its page tables (as `mmu_notifier` callbacks may
    // not), so the table and the check hold for the rest of the run.
    var cowPages = 0
    var vmaIndex = 0
    if !hasExited, let index = hintedVMAIndex(containing: address) {
      let vma = vmas[index]
      if !vma.isHugetlb, !vma.protection.isEmpty, !write || vma.protection.contains(.write) {
        let pages = Int(min((vma.end.rawValue - address.rawValue) >> PageSize.shift4K, UInt64(count)))
        vmaIndex = index
        if write { cowPages = pages }
        if case .anonymous = vma.backing {
          if !write || !system.settings.mthp.enablesSmallOrders { fastPages = pages }
        } else {
          filePages = pages
          if case .file(let id) = vma.backing { runFile = system.file(id: id) }
        }
      }
    }
    var page = address
    for i in 0..<count {
      let entry = pageTable.entry(at: slot + i)
      if entry.isHardwarePresent, !entry.isSwap, !write || entry.isWritable {
        if !entry.isAccessed || (write && !entry.isDirty) { pageTable.setEntry(entry.touched(write: write), at: slot + i) }
        if write {
          let pfn = entry.pfn
          if memory.isLazyFree(pfn) { memory.setLazyFree(pfn, false) }
        }
      } else if entry.isNone && i < fastPages {
        // handleFault(at:write:pteSlot:) -> faultEmptyPTE() for an anonymous VMA; the access
        // after it finds the new entry accessed (and dirty), a new frame is never lazily free.
        system.events.pageFaults += 1
        lastFaultVMA = vmaIndex
        if write {
          ensureAnonVMA(vmaIndex)
          guard let pfn = memory.allocateFolio(order: 0, kind: .anonymous) else {
            system.events.pageFaults -= 1
            throw .outOfMemory(page)
          }
          memory.clearContents(pfn)
          mapNewAnonymousPage(pfn, slot + i, writable: true)
        } else {
          pageTable.setEntry(.present(memory.zeroPage, writable: false, special: true), at: slot + i)
        }
      } else if entry.isNone && i < filePages {
        // handleFault(at:write:pteSlot:) -> faultEmptyPTE() for a file VMA (the fault keeps the
        // cursor: it filled an empty PTE outside hugetlb), then access(_:write:_:)'s next attempt.
        system.events.pageFaults += 1
        lastFaultVMA = vmaIndex
        do {
          if let runFile {
            try faultEmptyFilePTE(vmaIndex, page, slot + i, write: write, runFile, &window)
          } else {
            try faultEmptyPTE(vmaIndex, page, slot + i, write: write, &window)
          }
        } catch {
          system.events.pageFaults -= 1
          throw error
        }
        let after = pageTable.entry(at: slot + i)
        guard after.isHardwarePresent, !after.isSwap, !write || after.isWritable else {
          _ = try access(page, write: write, &cursor, attempts: 3)
          return i + 1
        }
        if !after.isAccessed || (write && !after.isDirty) { pageTable.setEntry(after.touched(write: write), at: slot + i) }
        if write {
          let pfn = after.pfn
          if memory.isLazyFree(pfn) { memory.setLazyFree(pfn, false) }
        }
      } else if entry.isHardwarePresent && i < cowPages {
        // A write to a present read-only PTE (hardware-present entries are never software ones,
        // and the first test failed only because the PTE is not writable): handleFault(at:write:
        // pteSlot:) -> resolvePTEFault() -> writeProtectedPTE(), then access(_:write:_:)'s next
        // attempt on the same PTE.
        system.events.pageFaults += 1
        lastFaultVMA = vmaIndex
        do {
          try writeProtectedPTE(vmaIndex, page, slot + i)
        } catch {
          system.events.pageFaults -= 1
          throw error
        }
        let after = pageTable.entry(at: slot + i)
        guard after.isHardwarePresent, !after.isSwap, after.isWritable else {
          _ = try access(page, write: write, &cursor, attempts: 3)
          return i + 1
        }
        if !after.isAccessed || !after.isDirty { pageTable.setEntry(after.touched(write: true), at: slot + i) }
        let pfn = after.pfn
        if memory.isLazyFree(pfn) { memory.setLazyFree(pfn, false) }
      } else {
        _ = try access(page, write: write, &cursor)
        return i + 1
      }
      page = page + PageSize.bytes4K
    }
    return count
  }
}
