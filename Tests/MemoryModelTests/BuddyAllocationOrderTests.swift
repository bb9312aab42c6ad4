import Testing

@testable import MemoryModel

/// The buddy allocator hands out exactly the blocks, in exactly the order, that doubly linked
/// free lists (pushed and popped at the head, unlinked anywhere) give: fuzz traces compare PFNs,
/// so any other representation of the free lists must keep this order.
@Suite struct BuddyAllocationOrderTests {
  /// The allocator with doubly linked free lists, as plain arrays (index 0 is a list's head):
  /// what ``PhysicalMemory`` must agree with.
  private struct LinkedListBuddy {
    var lists = [[Int]](repeating: [], count: PhysicalMemory.maxBuddyOrder + 1)
    /// The order of each free block, by its first PFN.
    var freeOrder: [Int: Int] = [:]
    let frames: Int

    init(frames: Int) {
      self.frames = frames
      var pfn = 0
      while pfn < frames {
        var order = PhysicalMemory.maxBuddyOrder
        while order > 0 && (pfn & ((1 << order) - 1) != 0 || pfn + (1 << order) > frames) { order -= 1 }
        push(pfn, order)
        pfn += 1 << order
      }
    }

    mutating func push(_ pfn: Int, _ order: Int) {
      lists[order].insert(pfn, at: 0)
      freeOrder[pfn] = order
    }

    mutating func remove(_ pfn: Int, _ order: Int) {
      lists[order].removeAll { $0 == pfn }
      freeOrder[pfn] = nil
    }

    mutating func allocate(_ order: Int) -> Int? {
      guard let k = (order...PhysicalMemory.maxBuddyOrder).first(where: { !lists[$0].isEmpty }) else { return nil }
      let pfn = lists[k][0]
      remove(pfn, k)
      for split in stride(from: k - 1, through: order, by: -1) { push(pfn + (1 << split), split) }
      return pfn
    }

    mutating func free(_ start: Int, _ order: Int) {
      var pfn = start
      var k = order
      while k < PhysicalMemory.maxBuddyOrder {
        let buddy = pfn ^ (1 << k)
        guard buddy < frames, freeOrder[buddy] == k else { break }
        remove(buddy, k)
        pfn = min(pfn, buddy)
        k += 1
      }
      push(pfn, k)
    }

    /// `reserveFrame`: takes the free frame `pfn` out of the block that holds it.
    mutating func reserve(_ pfn: Int) -> Bool {
      guard let order = (0...PhysicalMemory.maxBuddyOrder).first(where: { freeOrder[pfn & ~((1 << $0) - 1)] == $0 }) else { return false }
      var start = pfn & ~((1 << order) - 1)
      remove(start, order)
      for k in stride(from: order - 1, through: 0, by: -1) {
        if pfn < start + (1 << k) {
          push(start + (1 << k), k)
        } else {
          push(start, k)
          start += 1 << k
        }
      }
      return true
    }
  }

  private func expectSameCounts(_ memory: PhysicalMemory, _ reference: LinkedListBuddy, _ step: Int) {
    for order in 0...PhysicalMemory.maxBuddyOrder {
      #expect(memory.freeBlockCount(order: order) == reference.lists[order].count, "order \(order) after step \(step)")
    }
  }

  @Test(arguments: zip([UInt64(41 << 20) + 12288, UInt64(64 << 20), UInt64(16 << 20)], [UInt64(1), 2, 3]))
  func randomAllocationsFreesAndReservationsTakeTheBlocksLinkedListsWould(_ bytes: UInt64, _ seed: UInt64) throws {
    let memory = PhysicalMemory(bytes: bytes)
    var reference = LinkedListBuddy(frames: memory.ramFrameCount)
    // The zero pages, as PhysicalMemory.init allocates them.
    #expect(reference.allocate(0) == memory.zeroPage.index)
    #expect(reference.allocate(9) == memory.hugeZeroPage.index)
    expectSameCounts(memory, reference, 0)
    var random = SplitMix64(seed: seed)
    var held: [(pfn: Int, order: Int)] = []
    var reserved: Set<Int> = []
    for step in 1...3000 {
      let roll = random.below(100)
      if roll < 50 {
        // Mostly small folios, sometimes large ones (the free lists of every order churn).
        let order = random.percent(80) ? random.below(3) : random.below(PhysicalMemory.maxBuddyOrder + 1)
        let expected = reference.allocate(order)
        let got = memory.allocateFolio(order: order, kind: .anonymous)
        #expect(got?.index == expected, "allocation of order \(order) at step \(step)")
        if let expected { held.append((expected, order)) }
      } else if roll < 95, !held.isEmpty {
        // Frees in random order: merges unlink buddies from the middle of lists.
        let (pfn, order) = held.remove(at: random.below(held.count))
        memory.freeFolio(PFN(UInt64(pfn)))
        reference.free(pfn, order)
      } else {
        let pfn = random.below(memory.ramFrameCount)
        let expected = reference.reserve(pfn)
        #expect(memory.reserveFrame(pfn) == expected, "reserving frame \(pfn) at step \(step)")
        if expected { reserved.insert(pfn) }
      }
      if step % 100 == 0 { expectSameCounts(memory, reference, step) }
    }
    for (pfn, order) in held {
      memory.freeFolio(PFN(UInt64(pfn)))
      reference.free(pfn, order)
    }
    for pfn in reserved {
      memory.frames[pfn].refCount = 0
      memory.freeFolio(PFN(UInt64(pfn)))
      reference.free(pfn, 0)
    }
    expectSameCounts(memory, reference, -1)
    #expect(memory.freeFrameCount == memory.ramFrameCount - 1 - 512, "everything but the zero pages merged back")
    // Draining the allocator page by page walks every list in order.
    while let expected = reference.allocate(0) {
      #expect(memory.allocateFolio(order: 0, kind: .anonymous)?.index == expected)
    }
    #expect(memory.allocateFolio(order: 0, kind: .anonymous) == nil)
  }
}
