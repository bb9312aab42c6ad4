extension PageTableEntry {
  /// Whether the 16 entries from `first` are all empty (`pte_none`): one OR of their raw words,
  /// which the compiler vectorises. The scans that look for non-empty entries (the full check's
  /// PTE counting, the search for entries outside every VMA, the ledger's count of a new node)
  /// pass over empty runs with it.
  @inline(__always)
  static func emptyRunOf16(_ first: UnsafePointer<PageTableEntry>) -> Bool {
    var bits: UInt64 = 0
    for k in 0..<16 { bits |= first[k].rawValue }
    return bits == 0
  }
}
