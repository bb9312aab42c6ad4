extension CrosscheckRunner {
  /// One side's view of one process: its VMAs (for the pages that are not present) and its
  /// present pages one by one (bounded by the resident memory, not by the size of the mappings).
  struct SideView {
    /// The VMAs in the window, by model address, sorted, with their labels.
    var vmas: [(start: UInt64, end: UInt64, label: String)] = []
    /// The present pages, by model address.
    var pages: [UInt64: CrosscheckPageState] = [:]

    /// The state of the page at `address`.
    func state(at address: UInt64) -> CrosscheckPageState {
      if let page = pages[address] { return page }
      var low = 0
      var high = vmas.count
      while low < high {
        let middle = (low + high) / 2
        if vmas[middle].end <= address { low = middle + 1 } else { high = middle }
      }
      if low < vmas.count, vmas[low].start <= address { return CrosscheckPageState(vma: vmas[low].label) }
      return CrosscheckPageState(vma: nil)
    }
  }
}
