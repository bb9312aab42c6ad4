/// One value per node of a ``PageTable`` in a block of memory the page table owns and frees in
/// its `deinit`: the used counts and generations that every entry write updates, stored without
/// an array's copy-on-write check. Only its page table changes it and nothing copies it (a copy
/// would share the block).
struct PageTableNodeArray<Element> {
  private var base: UnsafeMutablePointer<Element>
  /// Values in use (one per node).
  private(set) var count = 0
  private var capacity: Int

  /// Empty, with room for `capacity` nodes.
  init(capacity: Int = 8) {
    self.capacity = capacity
    base = .allocate(capacity: capacity)
  }

  /// The value of node `node`.
  @inline(__always)
  subscript(node: Int) -> Element {
    get {
      precondition(node >= 0 && node < count, "page-table node out of range")
      return base[node]
    }
    nonmutating set {
      precondition(node >= 0 && node < count, "page-table node out of range")
      base[node] = newValue
    }
  }

  /// Appends the value of a new node.
  mutating func append(_ value: Element) {
    if count == capacity {
      let newCapacity = capacity * 2
      let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
      newBase.moveInitialize(from: base, count: count)
      base.deallocate()
      base = newBase
      capacity = newCapacity
    }
    (base + count).initialize(to: value)
    count += 1
  }

  /// Frees the block (the owner's `deinit`).
  func release() {
    base.deinitialize(count: count)
    base.deallocate()
  }
}
