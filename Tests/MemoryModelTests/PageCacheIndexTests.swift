import Testing

@testable import MemoryModel

/// The page cache index keeps chunks of 512 indices and remembers the last chunk used; these
/// check that lookups, drops and the whole-chunk check agree with a plain dictionary.
@Suite struct PageCacheIndexTests {
  @Test func lookupsAndDropsAgreeWithADictionary() {
    let index = PageCacheIndex()
    var reference: [UInt64: PFN] = [:]
    // Indices on both sides of chunk edges, far apart, overwritten and dropped again.
    let indices: [UInt64] = [0, 1, 511, 512, 513, 1023, 1 << 40, (1 << 40) + 511, 7, 512, 0]
    for (n, i) in indices.enumerated() {
      index[i] = PFN(UInt64(1000 + n))
      reference[i] = PFN(UInt64(1000 + n))
    }
    for i in [UInt64(511), 512, 1 << 40] {
      index[i] = nil
      reference[i] = nil
    }
    index[5000] = nil  // dropping an uncached index changes nothing
    for i in Set(indices).union([2, 510, 514, 5000, (1 << 40) + 1]) { #expect(index[i] == reference[i], "index \(i)") }
    #expect(index.count == reference.count)
    #expect(Set(index.keys) == Set(reference.keys))
    #expect(Set(index.values) == Set(reference.values))
    #expect(Array(index.values).count == reference.count)
  }

  /// The generation is drawn when read after a change: reads with no change between them agree,
  /// a change between them (an insertion, a drop, a clear) gives a value never seen before, and
  /// two indices never share one.
  @Test func theGenerationChangesExactlyWhenTheCacheDoes() {
    let first = PageCacheIndex()
    let second = PageCacheIndex()
    var seen: Set<UInt64> = [first.generation]
    #expect(first.generation == first.generation, "no change, no new value")
    #expect(seen.insert(second.generation).inserted, "two indices never share a generation")
    let changes: [(PageCacheIndex) -> Void] = [
      { $0[3] = PFN(7) }, { $0.insert(510, PFN(20), count: 4) }, { $0[3] = nil }, { $0.removeAll() },
    ]
    for (n, change) in changes.enumerated() {
      change(first)
      change(first)  // two changes before one read still give one new value
      let value = first.generation
      #expect(seen.insert(value).inserted, "change \(n)")
      #expect(first.generation == value, "change \(n): read twice")
    }
  }

  @Test func aChunkIsEmptyOnlyWhenNoIndexOfItIsCached() {
    let index = PageCacheIndex()
    #expect(index.isEmptyChunk(at: 512))
    index[1023] = PFN(9)
    #expect(!index.isEmptyChunk(at: 512))
    #expect(index.isEmptyChunk(at: 0) && index.isEmptyChunk(at: 1024))
    index[1023] = nil
    #expect(index.isEmptyChunk(at: 512))
    #expect(index[1023] == nil, "the remembered chunk was dropped with its last page")
    index[600] = PFN(3)
    index.removeAll()
    #expect(index.isEmpty && index[600] == nil && index.isEmptyChunk(at: 512))
  }
}
