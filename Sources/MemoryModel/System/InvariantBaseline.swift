#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the invariant check's frame scan finds in the chunks of a machine's frame table that
/// still hold the descriptors of the table's ``FrameTemplate`` (FrameTable+BaselineChunks.swift)
/// when nothing counts there: where each group of chunks starts and ends and its free frames.
///
/// The scan's verdict and findings for a group of chunks depend on its descriptors and on what
/// the counts say of its frames alone. A fresh machine's table holds its template's descriptors
/// in every chunk it did not write since, so a group learned once (from a scan that passed with
/// no entry, page cache, GUP hold, whole-folio map or migration entry counting in it) is known
/// for every later machine of that template: the first incremental check of a fuzz case and
/// the full check at its end need not read the free blocks of gigabytes that no step touched.
///
/// Immutable once made: learning more publishes a new value (``learn(_:_:)``), so machines on
/// other threads read theirs without a lock.
final class InvariantBaseline: @unchecked Sendable {
  /// The template the groups were learned for (kept: its identity is the key).
  let template: FrameTemplate
  /// Per chunk of RAM: the chunks of the group that starts there (0: not learned), and the
  /// frames of free buddy blocks in it.
  let span: [Int32]
  let free: [Int32]

  private init(template: FrameTemplate, span: [Int32], free: [Int32]) {
    self.template = template
    self.span = span
    self.free = free
  }

  /// The group learned to start at chunk `chunk`, if any.
  @inline(__always)
  func group(at chunk: Int) -> (span: Int, free: Int)? {
    guard chunk < span.count, span[chunk] > 0 else { return nil }
    return (Int(span[chunk]), Int(free[chunk]))
  }

  nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
    let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    lock.initialize(to: pthread_mutex_t())
    pthread_mutex_init(lock, nil)
    return lock
  }()
  /// The groups known per template (a few templates at most: one per machine size pooled).
  nonisolated(unsafe) private static var known: [ObjectIdentifier: InvariantBaseline] = [:]
  /// Templates kept at most (their groups are learned again after a reset).
  private static let limit = 16

  /// What is known of `template`'s groups, if anything.
  static func lookup(_ template: FrameTemplate) -> InvariantBaseline? {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    return known[ObjectIdentifier(template)]
  }

  /// Forgets what is known of `template` (for tests: the next machine learns again).
  static func forget(_ template: FrameTemplate) {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    known[ObjectIdentifier(template)] = nil
  }

  /// Adds `groups` (start chunk, chunks, free frames; each found by a scan that passed, in
  /// chunks holding `template`'s descriptors, with nothing counting there) to what is known.
  static func learn(_ template: FrameTemplate, _ groups: [(start: Int, span: Int, free: Int)]) {
    guard !groups.isEmpty else { return }
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    let key = ObjectIdentifier(template)
    let chunks = (template.ramFrameCount + FrameTable.chunkSize - 1) >> FrameTable.chunkShift
    var span: [Int32]
    var free: [Int32]
    if let old = known[key], old.template === template {
      span = old.span
      free = old.free
    } else {
      if known.count >= limit { known.removeAll() }
      span = [Int32](repeating: 0, count: chunks)
      free = [Int32](repeating: 0, count: chunks)
    }
    for group in groups where group.start + group.span <= chunks {
      span[group.start] = Int32(group.span)
      free[group.start] = Int32(group.free)
    }
    known[key] = InvariantBaseline(template: template, span: span, free: free)
  }
}
