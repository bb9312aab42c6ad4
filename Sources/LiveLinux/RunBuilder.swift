/// Accumulates page states into runs of alike pages (internal; see ``PageRun``).
struct RunBuilder {
  /// A run being built: its first address, first page's state, length, and whether its PFNs are consecutive.
  struct Pending {
    var start: UInt64
    var first: PageState
    var last: PageState
    var pages: Int
    var contiguous: Bool
  }

  private(set) var runs: [Pending] = []

  /// Adds the page at `address` (pages must come in address order; a gap starts a new run).
  mutating func append(_ state: PageState, at address: UInt64) {
    if var current = runs.last, current.start + UInt64(current.pages) << 12 == address,
      current.first.admits(state, at: address)
    {
      if current.contiguous && state.isPresent && (state.pfn == 0 || state.pfn != current.last.pfn + 1) {
        current.contiguous = state.pfn == 0 && current.last.pfn == 0
      }
      current.pages += 1
      current.last = state
      runs[runs.count - 1] = current
    } else {
      runs.append(Pending(start: address, first: state, last: state, pages: 1, contiguous: true))
    }
  }

  /// Adds `count` pages from `address` on that all have `state` (a range known to be alike, such as
  /// a `PAGEMAP_SCAN` region without present pages), in one step.
  mutating func append(_ state: PageState, at address: UInt64, count: Int) {
    guard count > 0 else { return }
    append(state, at: address)
    runs[runs.count - 1].pages += count - 1
    runs[runs.count - 1].last = state
  }

  /// Makes the last run `pages` long (for ranges that are not read page by page).
  mutating func extendLast(toPages pages: Int) {
    guard !runs.isEmpty else { return }
    runs[runs.count - 1].pages = pages
  }
}
