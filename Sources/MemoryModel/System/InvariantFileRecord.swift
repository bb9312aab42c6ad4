/// What the incremental invariant check recorded of one page cache (``PageCacheIndex``): a copy
/// of its chunks of slots at the generation it last saw. The check updates the ledger's
/// ``InvariantScratch/cacheRefs`` by the difference of the slots when the generation moved.
final class InvariantFileRecord {
  /// The page cache recorded.
  let index: PageCacheIndex
  /// Its ``PageCacheIndex/generation`` then (`UInt64.max`: never).
  @exclusivity(unchecked) var generation = UInt64.max
  /// The incremental check that last found the file.
  @exclusivity(unchecked) var stamp: UInt64 = 0
  /// Copies of the index's chunks then, by key (512 raw slots each).
  @exclusivity(unchecked) var copy: [UInt64: [UInt64]] = [:]

  init(index: PageCacheIndex) { self.index = index }

  /// Uncounts from the ledger every frame the copy caches (nothing is marked).
  func uncountAll(_ scratch: InvariantScratch) {
    for slots in copy.values {
      for raw in slots where raw != PageCacheIndex.empty && raw < UInt64(scratch.frameCount) {
        scratch.cacheRefs[Int(raw)] -= 1
      }
    }
    copy = [:]
  }
}
