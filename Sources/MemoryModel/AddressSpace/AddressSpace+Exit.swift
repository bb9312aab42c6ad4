/// Process exit: the address space goes away.
extension AddressSpace {
  /// Tears the address space down (`exit_mmap`): subscribers hear one `release` invalidation of
  /// the whole address space first (`mmu_notifier_release`), then every mapping is zapped
  /// without further invalidations, every page table (the PGD last) returns to the allocator,
  /// and the process leaves the system. Calling it twice does nothing.
  public func exit() {
    guard !hasExited else { return }
    invalidating(VirtualAddress(0), VirtualAddress(UInt64.max), .release) {}
    for vma in vmas { zap(vma.start, vma.end) }
    vmas.removeAll()
    pageTable.destroy()
    hasExited = true
    notifiersAfterExit()
    system.remove(self)
  }

  private func notifiersAfterExit() {
    for notifier in notifiers { unregister(notifier) }
  }
}

extension MemorySystem {
  /// Unlinks a file and frees its page cache.
  /// - Throws: `EBUSY` while a VMA still maps it (the model frees a file's cache only when it
  ///   is unmapped everywhere).
  public func deleteFile(_ file: File) throws(SyscallError) {
    for space in addressSpaces where space.vmas.contains(where: { $0.backing == .file(file.id) }) {
      throw SyscallError(.EBUSY, "file \(file.name) is still mapped by \(space.name)")
    }
    var heads: [PFN] = []
    for pfn in file.pageCache.values where memory.folioHead(of: pfn) == pfn { heads.append(pfn) }
    file.pageCache.removeAll()
    for head in heads.sorted() {
      memory.setPageCache(head, false)
      if memory.dropReference(head) {
        if memory.kind(of: head) == .hugetlb {
          releaseHugetlbFolio(head, size: PageSize(order: memory.order(ofFolio: head)) ?? .size2M)
        } else {
          memory.freeFolio(head)
        }
      }
    }
    file.isDeleted = true
    files[file.id] = nil
  }
}
