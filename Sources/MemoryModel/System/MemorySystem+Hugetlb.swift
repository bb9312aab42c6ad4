/// hugetlb pools: pages reserved up front (`nr_hugepages`), mapped whole, never split.
extension MemorySystem {
  /// Sets the number of hugetlb pages of `size` (like writing `nr_hugepages`,
  /// `set_max_huge_pages()`). Growing first turns surplus pages back into persistent ones, then
  /// takes pages from the buddy allocator (gigantic pages through a contiguous range search) and
  /// may stop short; shrinking frees free pool pages and turns pages still in use into surplus
  /// pages, which go back to the buddy allocator when they are freed (`free_huge_folio()`).
  /// - Returns: the pool's size afterwards (`nr_hugepages`: persistent plus surplus pages).
  /// - Precondition: `size` is 2M or 1G.
  @discardableResult
  public func setHugetlbPool(_ size: PageSize, count: Int) -> Int {
    precondition(size != .size4K, "hugetlb pools hold 2M or 1G pages")
    let count = max(0, count)
    var total = hugetlbTotal[size] ?? 0
    var surplus = hugetlbSurplus[size] ?? 0
    var free = hugetlbFree[size] ?? []
    while surplus > 0 && total - surplus < count { surplus -= 1 }
    while total - surplus < count, let head = memory.allocateFolio(order: size.order, kind: .hugetlb) {
      memory.frames[head.index].flags.insert(.hugetlbFree)
      free.append(head)
      total += 1
    }
    while total - surplus > count, let head = free.popLast() {
      memory.freeFolio(head)
      total -= 1
    }
    if total - surplus > count { surplus = total - count }
    hugetlbFree[size] = free
    hugetlbTotal[size] = total
    hugetlbSurplus[size] = surplus
    return total
  }

  /// Surplus pages in the pool of `size` (`surplus_hugepages`): pages in use when the pool was
  /// shrunk below them; each goes back to the buddy allocator when it is freed.
  public func hugetlbSurplusCount(_ size: PageSize) -> Int { hugetlbSurplus[size] ?? 0 }

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
    if let surplus = hugetlbSurplus[size], surplus > 0 {
      hugetlbSurplus[size] = surplus - 1
      hugetlbTotal[size, default: 1] -= 1
      memory.freeFolio(head)
      return
    }
    memory.frames[head.index].flags.insert(.hugetlbFree)
    hugetlbFree[size, default: []].append(head)
  }
}

extension PhysicalMemory {
  /// Clears the contents of every frame of a folio.
  func clearFolioContents(_ head: PFN) {
    guard !contents.isEmpty, hasContents.containsAny(head.index..<(head.index + (1 << order(ofFolio: head)))) else { return }
    for i in 0..<(1 << order(ofFolio: head)) { clearContents(head + UInt64(i)) }
  }
}
