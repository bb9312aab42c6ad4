import Testing

@testable import MemoryModel

/// `touch` accesses the pages of a PTE table in one pass (resolving empty anonymous PTEs in the
/// loop) and skips the walk for the rest of a huge leaf; page contents carry a per-frame
/// "has contents" bit; `entriesMapping` stops once it has found every mapping. These check
/// that all of it leaves exactly what one `access` per page (or the full scan) leaves, on the
/// cases where a shortcut could go wrong: copy-on-write after fork, zero pages, lazily freed
/// pages, mTHP, THP, hugetlb, file and shmem mappings, a read-only VMA, a hole, and running out
/// of memory part way.
@Suite struct TouchRunTests {
  enum Case: String, CaseIterable, CustomStringConvertible {
    case anonymousAfterFork, lazyFree, multiSizeTHP, transparentHuge, hugetlb, fileAndShmem, readOnly, outOfMemory
    var description: String { rawValue }
  }

  /// One machine set up for `kind`, and the ranges to touch in order.
  struct Fixture {
    let system: MemorySystem
    let space: AddressSpace
    let others: [AddressSpace]
    let recorder = InvalidationRecorder()
    let ranges: [(VirtualAddress, UInt64)]

    init(_ kind: Case) throws {
      system = makeSystem(memory: kind == .outOfMemory ? .mib(8) : .mib(256))
      let parent = try system.createProcess(name: "P")
      var ranges: [(VirtualAddress, UInt64)] = []
      var others: [AddressSpace] = []
      switch kind {
      case .anonymousAfterFork:
        let anon = try mapAnon(parent, .mib(4), huge: false)
        try parent.touch(anon, .kib(64), write: true)
        try parent.touch(anon + .kib(256), .kib(64), write: false)
        try parent.touch(anon + .mib(2) + .kib(8), .kib(40), write: true)
        for page in stride(from: UInt64(0), to: .kib(64), by: 8192) { try parent.writePage(anon + page, .filled(UInt8(page >> 13) + 1)) }
        others.append(try parent.fork(childName: "C"))
        // A hole part way: the touch stops there with a segmentation fault.
        try parent.munmap(anon + .mib(3), .kib(16))
        ranges = [(anon, .mib(3) + .kib(64)), (anon + .mib(3) + .kib(16), .kib(512))]
      case .lazyFree:
        let anon = try mapAnon(parent, .mib(4), huge: false)
        try parent.touch(anon, .mib(1), write: true)
        let huge = try mapAnon(parent, .mib(2))
        try parent.touch(huge, .mib(2), write: true)
        try parent.madvise(anon + .kib(64), .kib(256), .free)
        try parent.madvise(huge, .mib(2), .free)
        ranges = [(anon, .mib(4)), (huge, .mib(2))]
      case .multiSizeTHP:
        system.settings.mthp[4] = .always
        let anon = try mapAnon(parent, .mib(2), huge: false)
        try parent.touch(anon + .kib(8), .kib(4), write: true)
        others.append(try parent.fork(childName: "C"))
        ranges = [(anon, .mib(2))]
      case .transparentHuge:
        let huge = try mapAnon(parent, .mib(6))
        try parent.access(huge, write: false)
        try parent.access(huge + .mib(2), write: true)
        others.append(try parent.fork(childName: "C"))
        ranges = [(huge + .kib(4), .mib(6) - .kib(4))]
      case .hugetlb:
        _ = system.setHugetlbPool(.size2M, count: 3)
        var request = AddressSpace.MapRequest(length: .mib(4), protection: .readWrite, alignment: .mib(2))
        request.hugetlbPageSize = .size2M
        let address = try parent.mmap(request)
        try parent.access(address, write: true)
        others.append(try parent.fork(childName: "C"))
        ranges = [(address, .mib(4))]
      case .fileAndShmem:
        let file = system.createFile(name: "F", size: .mib(1))
        for page in stride(from: UInt64(0), to: UInt64.mib(1), by: 12 << 10) { try system.write(file, offset: page, bytes: [1, 2, 3]) }
        let mapped = try parent.mmap(.init(length: .mib(1), protection: .readWrite, file: file))
        let shmem = system.createFile(name: "S", kind: .shmem, size: .mib(4), largeFolios: true)
        let shared = try parent.mmap(.init(length: .mib(4), protection: .readWrite, shared: true, file: shmem, alignment: .mib(2)))
        try parent.touch(shared + .mib(2), .kib(8), write: true)
        others.append(try parent.fork(childName: "C"))
        ranges = [(mapped, .mib(1)), (shared, .mib(4))]
      case .readOnly:
        let anon = try mapAnon(parent, .mib(1), huge: false)
        try parent.touch(anon, .kib(64), write: true)
        try parent.mprotect(anon + .kib(32), .kib(64), .read)
        ranges = [(anon, .mib(1))]
      case .outOfMemory:
        let anon = try mapAnon(parent, .mib(16), huge: false)
        ranges = [(anon, .mib(16))]
      }
      space = parent
      self.others = others
      self.ranges = ranges
      for space in [parent] + others { space.register(recorder) }
      recorder.reset()
    }

    /// Everything the accesses can change, as text.
    func state() -> String {
      var lines: [String] = []
      for space in [space] + others {
        for (start, length) in ranges {
          var page = start
          while page < start + length {
            let translation = space.translate(page)
            var line = "\(space.name) \(page): \(String(describing: translation))"
            if let pfn = translation?.pfn {
              line += " \(system.memory.page(pfn)) lazy=\(system.memory.frames[pfn.index].flags.contains(.lazyFree))"
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
      lines.append("free \(system.memory.freeFrameCount) statistics \(system.memory.statistics)")
      lines.append("contents \(system.memory.framesWithContents)")
      lines.append("invalidations \(recorder.ranges) \(recorder.completed)")
      return lines.joined(separator: "\n")
    }
  }

  @Test(arguments: Case.allCases, [false, true])
  func touchLeavesWhatOneAccessPerPageLeaves(kind: Case, write: Bool) throws {
    let batched = try Fixture(kind)
    let reference = try Fixture(kind)
    #expect(batched.state() == reference.state())
    var batchedErrors: [String] = []
    var referenceErrors: [String] = []
    for (start, length) in batched.ranges {
      do { try batched.space.touch(start, length, write: write) } catch { batchedErrors.append("\(error)") }
      var page = start
      while page < start + length {
        do {
          try reference.space.access(page, write: write)
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
    if kind == .outOfMemory && write { #expect(batchedErrors.count == 1 && batchedErrors[0].contains("out of memory")) }
    if kind == .readOnly && write { #expect(batchedErrors.count == 1 && batchedErrors[0].contains("SIGSEGV")) }
    if kind == .anonymousAfterFork && write { #expect(batched.system.events.cowCopies > 0) }
  }

  /// A lazily freed page keeps its mark until a write clears it: reads do not, writes through a
  /// PTE and through a PMD leaf do, and a freed frame's mark goes with it.
  @Test func lazyFreeMarksAreClearedByWritesOnly() throws {
    let fixture = try Fixture(.lazyFree)
    let (anon, _) = fixture.ranges[0]
    let (huge, _) = fixture.ranges[1]
    let memory = fixture.system.memory
    let lazyPage = try #require(fixture.space.translate(anon + .kib(64))).pfn
    #expect(memory.isLazyFree(lazyPage) && memory.lazyFreeMarks > 0)
    try fixture.space.touch(anon, .mib(1), write: false)
    #expect(memory.isLazyFree(lazyPage))
    try fixture.space.touch(anon, .mib(1), write: true)
    #expect(!memory.isLazyFree(lazyPage))
    if let hugePage = fixture.space.translate(huge + .kib(12))?.pfn, memory.isLazyFree(hugePage) {
      try fixture.space.touch(huge, .mib(2), write: true)
      #expect(!memory.isLazyFree(hugePage))
    }
    try fixture.space.munmap(anon, .mib(4))
    try fixture.space.munmap(huge, .mib(2))
    #expect(memory.lazyFreeMarks == 0)
  }

  /// Contents follow copies, clears and frees whether or not the frame held any before.
  @Test func contentsFollowCopiesClearsAndFrees() throws {
    let memory = PhysicalMemory(bytes: .mib(16))
    let a = try #require(memory.allocateFolio(order: 0, kind: .anonymous))
    let b = try #require(memory.allocateFolio(order: 0, kind: .anonymous))
    let folio = try #require(memory.allocateFolio(order: 9, kind: .anonymous))
    #expect(memory.page(a) == .zero && memory.framesWithContents == 0)
    memory.setPage(a, .filled(7))
    memory.copyContents(from: a, to: b)
    #expect(memory.page(b) == .filled(7) && memory.framesWithContents == 2)
    memory.copyContents(from: folio, to: b)
    #expect(memory.page(b) == .zero && memory.framesWithContents == 1)
    memory.write(folio + 3, offset: 10, bytes: [1, 2])
    var buffer: [UInt8] = []
    memory.read(folio + 3, offset: 9, count: 4, into: &buffer)
    #expect(buffer == [0, 1, 2, 0])
    memory.setPage(a, .zero)
    #expect(memory.page(a) == .zero && memory.framesWithContents == 1)
    memory.freeFolio(folio)
    #expect(memory.framesWithContents == 0)
    let again = try #require(memory.allocateFolio(order: 9, kind: .anonymous))
    #expect(again == folio && memory.page(again + 3) == .zero)
  }

  /// `entriesMapping` finds the same sites as a scan of every table, for a page mapped in
  /// several processes, a THP mapped whole and by PTEs, and the zero page (whose mappings are
  /// not counted).
  @Test func entriesMappingFindsEverySite() throws {
    let system = makeSystem()
    let parent = try system.createProcess(name: "P")
    let anon = try mapAnon(parent, .mib(2), huge: false)
    try parent.touch(anon, .kib(64), write: true)
    try parent.touch(anon + .kib(128), .kib(16), write: false)
    let huge = try mapAnon(parent, .mib(4))
    try parent.access(huge, write: true)
    let child = try parent.fork(childName: "C")
    _ = try parent.fork(childName: "D")
    try child.mprotect(huge, .kib(4), .read)
    for pfn in [try #require(parent.translate(anon + .kib(8))).pfn, try #require(parent.translate(huge)).pfn,
                try #require(parent.translate(huge + .kib(8))).pfn, system.memory.zeroPage] {
      let found = system.entriesMapping(pfn).map { "\($0.space.name) \($0.address) \($0.level)" }
      var expected: [String] = []
      for space in system.addressSpaces {
        for vma in space.vmas {
          var page = vma.start
          while page < vma.end {
            let (entry, level, _) = space.pageTable.lookup(page)
            if entry.mappedFrame == (level == .pte ? pfn : system.memory.folioHead(of: pfn)) && page.isAligned(to: level.entrySpan) {
              expected.append("\(space.name) \(page) \(level)")
            }
            page = page + 4096
          }
        }
      }
      #expect(found == expected, "\(pfn)")
      #expect(!found.isEmpty)
    }
  }
}
