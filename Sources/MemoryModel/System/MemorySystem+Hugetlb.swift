/// hugetlb pools: pages reserved up front (`nr_hugepages`), mapped whole, never split.
extension MemorySystem {
  /// Sets the number of hugetlb pages of `size` (like writing `nr_hugepages`). Growing takes
  /// pages from the buddy allocator (gigantic pages through a contiguous range search) and may
  /// stop short; shrinking frees only free pool pages.
  /// - Returns: the pool's size afterwards.
  /// - Precondition: `size` is 2M or 1G.
  @discardableResult
  public func setHugetlbPool(_ size: PageSize, count: Int) -> Int {
    precondition(size != .size4K, "hugetlb pools hold 2M or 1G pages")
    var total = hugetlbTotal[size] ?? 0
    var free = hugetlbFree[size] ?? []
    while total < count, let head = memory.allocateFolio(order: size.order, kind: .hugetlb) {
      memory.frames[head.index].flags.insert(.hugetlbFree)
      free.append(head)
      total += 1
    }
    while total > count, let head = free.popLast() {
      memory.freeFolio(head)
      total -= 1
    }
    hugetlbFree[size] = free
    hugetlbTotal[size] = total
    return total
  }

  /// Whether the hugetlb folio `head` sits free in its pool.
  public func isFreeHugetlbPage(_ head: PFN) -> Bool {
    memory.kind(of: head) == .hugetlb && memory.frames[head.index].flags.contains(.hugetlbFree)
  }

  /// Free pages in the hugetlb pool of `size` (`free_hugepages`).
  public func hugetlbFreeCount(_ size: PageSize) -> Int { hugetlbFree[size]?.count ?? 0 }

  func allocateHugetlbFolio(_ size: PageSize) -> PFN? {
    guard let head = hugetlbFree[size]?.popLast() else { return nil }
    memory.frames[head.index].flags.remove(.hugetlbFree)
    return head
  }

  func releaseHugetlbFolio(_ head: PFN, size: PageSize) {
    memory.clearFolioContents(head)
    memory.frames[head.index].flags.insert(.hugetlbFree)
    hugetlbFree[size, default: []].append(head)
  }
}

extension PhysicalMemory {
  /// Clears the contents of every frame of a folio.
  func clearFolioContents(_ head: PFN) {
    guard !contents.isEmpty else { return }
    for i in 0..<(1 << order(ofFolio: head)) { clearContents(head + UInt64(i)) }
  }
}
