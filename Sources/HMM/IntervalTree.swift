/// An interval tree of closed intervals `[start, last]` (like the kernel's `interval_tree`):
/// stabbing and overlap queries in O(log n + k·log n), insertion and removal in O(n).
///
/// Elements are kept sorted by start (ties in insertion order) with an implicit segment tree of
/// the largest `last` over each block, so a query prunes every subtree that ends before it.
/// Notifier sets change rarely and are queried on every invalidation, hence the trade-off.
public struct IntervalTree<Element> {
  private var starts: [UInt64] = []
  private var lasts: [UInt64] = []
  private var elements: [Element] = []
  // Segment tree, 1-based, size 2 * capacity: the largest `last` of each block. The padding
  // leaves past `count` hold 0 and are never reached: a descent stops at its `limit`, which is
  // at most `count`, so `last` itself is stored (an interval may end at UInt64.max).
  private var maxLast: [UInt64] = []
  private var capacity = 0

  /// An empty tree.
  public init() {}

  /// The number of intervals.
  public var count: Int { elements.count }
  /// Whether the tree is empty.
  public var isEmpty: Bool { elements.isEmpty }

  /// Inserts `element` for `[start, last]`.
  public mutating func insert(_ element: Element, start: UInt64, last: UInt64) {
    var low = 0
    var high = starts.count
    while low < high {
      let mid = (low + high) / 2
      if starts[mid] <= start { low = mid + 1 } else { high = mid }
    }
    starts.insert(start, at: low)
    lasts.insert(last, at: low)
    elements.insert(element, at: low)
    rebuild()
  }

  /// Removes the first element for which `matches` is true.
  /// - Returns: whether one was removed.
  @discardableResult
  public mutating func remove(where matches: (Element) -> Bool) -> Bool {
    guard let index = elements.firstIndex(where: matches) else { return false }
    starts.remove(at: index)
    lasts.remove(at: index)
    elements.remove(at: index)
    rebuild()
    return true
  }

  private mutating func rebuild() {
    capacity = 1
    while capacity < max(1, elements.count) { capacity <<= 1 }
    maxLast = Array(repeating: 0, count: 2 * capacity)
    for (i, last) in lasts.enumerated() { maxLast[capacity + i] = last }
    var node = capacity - 1
    while node >= 1 {
      maxLast[node] = max(maxLast[2 * node], maxLast[2 * node + 1])
      node -= 1
    }
  }

  /// The elements whose intervals overlap `[start, last]`, in tree order (by start).
  public func overlapping(start: UInt64, last: UInt64) -> [Element] {
    var result: [Element] = []
    guard !elements.isEmpty else { return result }
    // Only elements whose start ≤ last can overlap: a prefix of the sorted order.
    var low = 0
    var high = starts.count
    while low < high {
      let mid = (low + high) / 2
      if starts[mid] <= last { low = mid + 1 } else { high = mid }
    }
    collect(node: 1, nodeLow: 0, nodeHigh: capacity, limit: low, start: start, into: &result)
    return result
  }

  private func collect(node: Int, nodeLow: Int, nodeHigh: Int, limit: Int, start: UInt64, into result: inout [Element]) {
    guard nodeLow < limit, maxLast[node] >= start else { return }
    if nodeHigh - nodeLow == 1 {
      result.append(elements[nodeLow])
      return
    }
    let mid = (nodeLow + nodeHigh) / 2
    collect(node: 2 * node, nodeLow: nodeLow, nodeHigh: mid, limit: limit, start: start, into: &result)
    collect(node: 2 * node + 1, nodeLow: mid, nodeHigh: nodeHigh, limit: limit, start: start, into: &result)
  }

  /// Whether the `index`th interval (in tree order) overlaps `[start, last]`: it starts at or
  /// before `last` and ends at or after `start` (the descent's tests).
  /// - Parameters:
  ///   - index: the position in tree order (below ``count``).
  ///   - start: the first address of the query.
  ///   - last: the last address of the query (inclusive).
  @inline(__always)
  public func overlaps(at index: Int, start: UInt64, last: UInt64) -> Bool {
    starts[index] <= last && lasts[index] >= start
  }

  /// The `index`th element in tree order.
  /// - Parameter index: the position in tree order (below ``count``).
  @inline(__always)
  public func element(at index: Int) -> Element { elements[index] }

  /// Whether some interval overlaps `[start, last]` (what ``overlapping(start:last:)`` would
  /// find, without building the list).
  /// - Parameters:
  ///   - start: the first address of the query.
  ///   - last: the last address of the query (inclusive).
  public func containsOverlap(start: UInt64, last: UInt64) -> Bool {
    var found = false
    forEachOverlapping(start: start, last: last) { _ in found = true }
    return found
  }

  /// Calls `body` for each element whose interval overlaps `[start, last]`, in tree order (by
  /// start): the elements ``overlapping(start:last:)`` returns, without the array. `body` must
  /// not change the tree.
  /// - Parameters:
  ///   - start: the first address of the query.
  ///   - last: the last address of the query (inclusive).
  ///   - body: hears each overlapping element.
  @inline(__always)
  public func forEachOverlapping(start: UInt64, last: UInt64, _ body: (Element) -> Void) {
    let count = elements.count
    guard count > 0 else { return }
    if count <= 8 {
      // A few notifiers (the usual case): a scan in start order reports the same elements in
      // the same order as the pruned descent, with its tests.
      for i in 0..<count where overlaps(at: i, start: start, last: last) { body(elements[i]) }
      return
    }
    var low = 0
    var high = count
    while low < high {
      let mid = (low + high) / 2
      if starts[mid] <= last { low = mid + 1 } else { high = mid }
    }
    visit(node: 1, nodeLow: 0, nodeHigh: capacity, limit: low, start: start, body)
  }

  private func visit(node: Int, nodeLow: Int, nodeHigh: Int, limit: Int, start: UInt64, _ body: (Element) -> Void) {
    guard nodeLow < limit, maxLast[node] >= start else { return }
    if nodeHigh - nodeLow == 1 {
      body(elements[nodeLow])
      return
    }
    let mid = (nodeLow + nodeHigh) / 2
    visit(node: 2 * node, nodeLow: nodeLow, nodeHigh: mid, limit: limit, start: start, body)
    visit(node: 2 * node + 1, nodeLow: mid, nodeHigh: nodeHigh, limit: limit, start: start, body)
  }

  /// Every element, in tree order.
  public var all: [Element] { elements }
}
