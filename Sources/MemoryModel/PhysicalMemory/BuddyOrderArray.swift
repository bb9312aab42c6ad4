/// One value per buddy order (0 to ``PhysicalMemory/maxBuddyOrder``) in a block of memory its
/// owner frees: the free-list heads and block counts the allocator reads and writes on every
/// allocation, without an array's copy-on-write check per store. Only ``PhysicalMemory`` uses it
/// and never copies it.
struct BuddyOrderArray<Element> {
  private let base: UnsafeMutablePointer<Element>

  /// Every order's value is `value`.
  init(repeating value: Element) {
    base = .allocate(capacity: PhysicalMemory.maxBuddyOrder + 1)
    base.initialize(repeating: value, count: PhysicalMemory.maxBuddyOrder + 1)
  }

  /// The value for `order`.
  @inline(__always)
  subscript(order: Int) -> Element {
    get {
      precondition(order >= 0 && order <= PhysicalMemory.maxBuddyOrder, "buddy order out of range")
      return base[order]
    }
    nonmutating set {
      precondition(order >= 0 && order <= PhysicalMemory.maxBuddyOrder, "buddy order out of range")
      base[order] = newValue
    }
  }

  /// Frees the block (the owner's `deinit`).
  func release() {
    base.deinitialize(count: PhysicalMemory.maxBuddyOrder + 1)
    base.deallocate()
  }
}
