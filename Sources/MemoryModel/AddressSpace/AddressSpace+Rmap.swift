/// Map-count, reference-count and RSS bookkeeping for every mapping a page table gains or
/// loses (`folio_add_*_rmap_*` / `folio_remove_rmap_*`), and freeing folios whose last
/// reference goes.
///
/// Reference-count model: each PTE mapping of a page and each PMD/PUD mapping of a whole folio
/// holds one reference on the folio, and a page cache holds one per folio (Linux holds one per
/// page). The zero pages are not counted.
extension AddressSpace {
  func account(_ kind: FolioKind, pages: Int) {
    switch kind {
    case .anonymous: residentPages.anonymous += pages
    case .file: residentPages.file += pages
    case .shmem: residentPages.shmem += pages
    case .hugetlb: residentPages.hugetlb += pages
    default: break
    }
  }

  /// A PTE now maps `pfn`.
  func addPTEMapping(_ pfn: PFN) {
    let kind = memory.countPTEMapping(pfn)
    guard kind != .zero else { return }
    account(kind, pages: 1)
  }

  /// A PTE no longer maps `pfn`.
  func removePTEMapping(_ pfn: PFN) {
    let kind = memory.kind(of: pfn)
    guard kind != .zero else { return }
    let head = memory.folioHead(of: pfn)
    memory.addPTEMapping(pfn, -1)
    account(kind, pages: -1)
    putFolio(head)
  }

  /// A PMD or PUD leaf now maps the whole folio `head`.
  func addEntireMapping(_ head: PFN) {
    let kind = memory.kind(of: head)
    guard kind != .zero else { return }
    memory.addEntireMapping(head, 1)
    memory.addReference(head)
    account(kind, pages: 1 << memory.order(ofFolio: head))
  }

  /// A PMD or PUD leaf no longer maps the whole folio `head`.
  func removeEntireMapping(_ head: PFN) {
    let kind = memory.kind(of: head)
    guard kind != .zero else { return }
    memory.addEntireMapping(head, -1)
    account(kind, pages: -(1 << memory.order(ofFolio: head)))
    putFolio(head)
  }

  /// Drops one reference; frees the folio when it was the last, or queues a partly mapped
  /// large anonymous folio for deferred split.
  func putFolio(_ head: PFN) {
    if memory.dropReference(head) {
      system.freeFolio(head)
    } else {
      system.queueForDeferredSplitIfPartlyMapped(head)
    }
  }
}

extension MemorySystem {
  /// Frees a folio whose last reference went: hugetlb pages return to their pool, everything
  /// else to the buddy allocator.
  func freeFolio(_ head: PFN) {
    if memory.isOnDeferredSplitQueue(head) {
      memory.setDeferredSplit(head, false)
      deferredSplitQueue.removeAll { $0 == head }
    }
    switch memory.kind(of: head) {
    case .hugetlb:
      releaseHugetlbFolio(head, size: PageSize(order: memory.order(ofFolio: head)) ?? .size2M)
    case .devicePrivate, .deviceCoherent:
      releaseDeviceFolio(head)
    case .zero, .free, .pageTable, .reserved:
      preconditionFailure("freeing a \(memory.kind(of: head)) frame as a folio")
    default:
      for i in 0..<(1 << memory.order(ofFolio: head)) { memory.setAnonExclusive(head + UInt64(i), false) }
      memory.freeFolio(head)
    }
  }

  /// Queues a large anonymous folio that is mapped only in part (some of its pages by PTEs, no
  /// whole-folio mapping), as `__folio_remove_rmap()` does.
  func queueForDeferredSplitIfPartlyMapped(_ head: PFN) {
    let order = memory.order(ofFolio: head)
    guard order > 0, order <= PhysicalMemory.maxBuddyOrder, memory.kind(of: head) == .anonymous,
      !memory.isOnDeferredSplitQueue(head), memory.entireMapCount(ofFolio: head) == 0
    else { return }
    // Mapped only in part (with no whole-folio mapping): some page has a PTE, some has none.
    guard memory.hasMappedAndUnmappedPages(ofFolio: head) else { return }
    memory.setDeferredSplit(head, true)
    deferredSplitQueue.append(head)
    // deferred_split_folio(): thp_deferred_split_page counts PMD-sized folios only.
    if order >= MTHPSettings.pmdOrder { events.thpDeferredSplitPage += 1 }
    mthpStats.splitDeferred[order] += 1
  }
}
