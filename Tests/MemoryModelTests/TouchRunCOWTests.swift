import Testing

@testable import MemoryModel

/// `touch`'s in-loop write faults on present read-only PTEs (copy-on-write, reuse, a shared
/// page made writable), the PTE-table cursor kept across them, `canReuseAnonymousPage`'s
/// other-process probe before it sums map counts, and the page cache's one-call folio
/// insertion leave exactly what one `access` per page leaves: frames, entries, contents,
/// counters, and every invalidation in its order, over the zero page, small and PTE-mapped
/// large folios after fork (and after the child exited or copied some pages), mTHP, private and
/// shared file mappings, lazily freed pages, a read-only part and running out of memory part way.
@Suite struct TouchRunCOWTests {
  enum Case: String, CaseIterable, CustomStringConvertible {
    case zeroPage, smallAfterFork, pteMappedTHPAfterFork, pteMappedTHPChildExited, pteMappedTHPChildCopied
    case multiSizeTHPAfterFork, privateFile, sharedFileWriteProtected, lazyFreeAfterFork, readOnlyPart, outOfMemory
    var description: String { rawValue }
  }

  struct Fixture {
    let system: MemorySystem
    let spaces: [AddressSpace]
    let recorder = InvalidationRecorder()
    let ranges: [(VirtualAddress, UInt64)]

    init(_ kind: Case) throws {
      system = makeSystem(memory: kind == .outOfMemory ? .mib(8) : .mib(256))
      let parent = try system.createProcess(name: "P")
      var spaces = [parent]
      var ranges: [(VirtualAddress, UInt64)] = []
      switch kind {
      case .zeroPage:
        let anon = try mapAnon(parent, .mib(4), huge: false)
        try parent.touch(anon, .mib(3), write: false)
        try parent.touch(anon + .kib(64), .kib(16), write: true)
        ranges = [(anon, .mib(4))]
      case .smallAfterFork:
        let anon = try mapAnon(parent, .mib(4), huge: false)
        try parent.touch(anon, .mib(3), write: true)
        for page in stride(from: UInt64(0), to: .kib(256), by: 8192) { try parent.writePage(anon + page, .filled(UInt8(page >> 13) + 1)) }
        spaces.append(try parent.fork(childName: "C"))
        // The child writes some pages first: the parent reuses those, copies the others.
        try spaces[1].touch(anon + .kib(512), .kib(128), write: true)
        ranges = [(anon, .mib(4))]
      case .pteMappedTHPAfterFork, .pteMappedTHPChildExited, .pteMappedTHPChildCopied:
        let huge = try mapAnon(parent, .mib(4))
        try parent.touch(huge, .mib(4), write: true)
        for page in stride(from: UInt64(0), to: .mib(4), by: 36 << 10) { try parent.writePage(huge + page, .filled(UInt8((page >> 12) & 0x7f) + 1)) }
        // Split both PMDs: the folios stay whole, mapped by PTEs.
        try parent.mprotect(huge + .kib(64), .kib(4), .read)
        try parent.mprotect(huge + .kib(64), .kib(4), .readWrite)
        try parent.mprotect(huge + .mib(2) + .kib(64), .kib(4), .read)
        try parent.mprotect(huge + .mib(2) + .kib(64), .kib(4), .readWrite)
        let child = try parent.fork(childName: "C")
        if kind == .pteMappedTHPChildExited {
          child.exit()
        } else {
          spaces.append(child)
          if kind == .pteMappedTHPChildCopied { try child.touch(huge + .kib(128), .mib(2), write: true) }
        }
        ranges = [(huge, .mib(4))]
      case .multiSizeTHPAfterFork:
        system.settings.mthp[4] = .always
        let anon = try mapAnon(parent, .mib(2), huge: false)
        try parent.touch(anon, .kib(512), write: true)
        spaces.append(try parent.fork(childName: "C"))
        ranges = [(anon, .mib(2))]
      case .privateFile:
        let file = system.createFile(name: "F", size: .mib(1))
        for page in stride(from: UInt64(0), to: UInt64.mib(1), by: 12 << 10) { try system.write(file, offset: page, bytes: [1, 2, 3]) }
        let mapped = try parent.mmap(.init(length: .mib(1), protection: .readWrite, file: file))
        try parent.touch(mapped, .kib(768), write: false)
        spaces.append(try parent.fork(childName: "C"))
        ranges = [(mapped, .mib(1))]
      case .sharedFileWriteProtected:
        let shmem = system.createFile(name: "S", kind: .shmem, size: .mib(4), largeFolios: true)
        let shared = try parent.mmap(.init(length: .mib(4), protection: .readWrite, shared: true, file: shmem, alignment: .mib(2)))
        try parent.touch(shared, .mib(4), write: false)
        try parent.mprotect(shared, .mib(4), .read)
        try parent.mprotect(shared, .mib(4), .readWrite)
        let file = system.createFile(name: "F", size: .mib(1))
        let mapped = try parent.mmap(.init(length: .mib(1), protection: .readWrite, shared: true, file: file))
        try parent.touch(mapped, .mib(1), write: false)
        try parent.mprotect(mapped, .mib(1), .read)
        try parent.mprotect(mapped, .mib(1), .readWrite)
        ranges = [(shared, .mib(4)), (mapped, .mib(1))]
      case .lazyFreeAfterFork:
        let anon = try mapAnon(parent, .mib(2), huge: false)
        try parent.touch(anon, .mib(2), write: true)
        try parent.madvise(anon + .kib(64), .kib(512), .free)
        spaces.append(try parent.fork(childName: "C"))
        ranges = [(anon, .mib(2))]
      case .readOnlyPart:
        let anon = try mapAnon(parent, .mib(1), huge: false)
        try parent.touch(anon, .mib(1), write: true)
        spaces.append(try parent.fork(childName: "C"))
        try parent.mprotect(anon + .kib(512), .kib(64), .read)
        ranges = [(anon, .mib(1))]
      case .outOfMemory:
        let anon = try mapAnon(parent, .mib(3), huge: false)
        try parent.touch(anon, .mib(3), write: true)
        spaces.append(try parent.fork(childName: "C"))
        ranges = [(anon, .mib(3))]
      }
      self.spaces = spaces
      self.ranges = ranges
      for space in spaces { space.register(recorder) }
      recorder.reset()
    }

    /// Everything the accesses can change, as text.
    func state() -> String {
      var lines: [String] = []
      for space in spaces {
        for (start, length) in ranges {
          var page = start
          while page < start + length {
            let translation = space.translate(page)
            var line = "\(space.name) \(page): \(String(describing: translation))"
            if let pfn = translation?.pfn {
              let flags = system.memory.frames[pfn.index].flags
              line += " \(system.memory.page(pfn)) lazy=\(flags.contains(.lazyFree)) excl=\(flags.contains(.anonExclusive))"
            }
            lines.append(line)
            page = page + 4096
          }
          lines.append(space.snapshot(start, start + length).map(\.description).joined(separator: "; "))
        }
        lines.append("\(space.name) rss \(space.residentPages)")
      }
      lines.append("events \(system.events)")
      lines.append("mthp \(system.mthpStats)")
      lines.append("deferred \(system.deferredSplitQueue)")
      lines.append("free \(system.memory.freeFrameCount) statistics \(system.memory.statistics)")
      lines.append("contents \(system.memory.framesWithContents)")
      lines.append("invalidations \(recorder.ranges) \(recorder.completed)")
      return lines.joined(separator: "\n")
    }
  }

  @Test(arguments: Case.allCases)
  func writeTouchLeavesWhatOneAccessPerPageLeaves(_ kind: Case) throws {
    let batched = try Fixture(kind)
    let reference = try Fixture(kind)
    #expect(batched.state() == reference.state())
    var batchedErrors: [String] = []
    var referenceErrors: [String] = []
    for (start, length) in batched.ranges {
      do { try batched.spaces[0].touch(start, length, write: true) } catch { batchedErrors.append("\(error)") }
      var page = start
      while page < start + length {
        do {
          try reference.spaces[0].access(page, write: true)
        } catch {
          referenceErrors.append("\(error)")
          break
        }
        page = page + 4096
      }
    }
    #expect(batchedErrors == referenceErrors)
    #expect(batched.state() == reference.state())
    #expect(batched.system.checkInvariants().isEmpty)
    switch kind {
    case .readOnlyPart: #expect(batchedErrors.count == 1 && batchedErrors[0].contains("SIGSEGV"))
    case .outOfMemory: #expect(batchedErrors.count == 1 && batchedErrors[0].contains("out of memory"))
    case .sharedFileWriteProtected: break
    case .pteMappedTHPChildExited: #expect(batched.system.events.cowCopies == 0)  // reused: this MM's alone
    default: #expect(batched.system.events.cowCopies > 0 && batched.recorder.ranges.count > 0)
    }
  }

  /// The COW runs raise one `clear` invalidation per copied page, each completed before the
  /// next starts, in address order: what one fault per page raises.
  @Test func copiesRaiseOneInvalidationPerPageInOrder() throws {
    let fixture = try Fixture(.smallAfterFork)
    let (start, _) = fixture.ranges[0]
    let before = fixture.system.events
    try fixture.spaces[0].touch(start, .mib(3), write: true)
    let copies = fixture.system.events.cowCopies - before.cowCopies
    #expect(copies == 768 - 32)
    #expect(fixture.system.events.pageFaults - before.pageFaults == 768)
    let clears = fixture.recorder.ranges.filter { $0.event == .clear }
    #expect(clears.count == copies)
    #expect(zip(clears, clears.dropFirst()).allSatisfy { $0.start < $1.start })
    #expect(fixture.recorder.completed == fixture.recorder.ranges.count)
  }

  /// Inserting a folio into the page cache in one call leaves the index as setting each index
  /// does, across a chunk boundary and over a partly cached chunk, and gives it a new generation.
  @Test func folioInsertionMatchesOneIndexAtATime() {
    let one = PageCacheIndex()
    let all = PageCacheIndex()
    for index: UInt64 in [3, 700, 1030] {
      one[index] = PFN(index * 10)
      all[index] = PFN(index * 10)
    }
    for (first, count) in [(UInt64(0), 8), (UInt64(512), 512), (UInt64(1000), 100), (UInt64(4096), 1)] {
      let generation = all.generation
      all.insert(first, PFN(50_000 + first), count: count)
      #expect(all.generation != generation)
      for i in 0..<UInt64(count) { one[first + i] = PFN(50_000 + first + i) }
    }
    #expect(all.count == one.count)
    #expect(all.keys.sorted() == one.keys.sorted())
    for index in one.keys { #expect(all[index] == one[index]) }
    #expect(all.isEmptyChunk(at: 2048) && !all.isEmptyChunk(at: 4096))
    for index in one.keys { all[index] = nil }
    #expect(all.isEmpty)
  }
}
