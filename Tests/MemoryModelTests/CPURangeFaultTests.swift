import Testing

@testable import MemoryModel

/// `touch` and `handleFaults` find the pages of one PTE table from the table and enter the
/// fault at the PTE; these check that they leave exactly what one access (or one
/// `handleFault`) per page leaves: the same frames, entries, counters and invalidations.
@Suite struct CPURangeFaultTests {
  /// A machine with a mix of states to fault through: present, zero-page and empty PTEs of an
  /// anonymous VMA shared copy-on-write with a child, a private file mapping with cached pages,
  /// a THP, and a hole after the last VMA.
  struct Fixture {
    let system: MemorySystem
    let parent: AddressSpace
    let child: AddressSpace
    let recorder = InvalidationRecorder()
    let anon: VirtualAddress
    let huge: VirtualAddress
    let mapped: VirtualAddress

    init() throws {
      system = makeSystem()
      parent = try system.createProcess(name: "A")
      parent.register(recorder)
      anon = try mapAnon(parent, .mib(4), huge: false)
      try parent.touch(anon, .kib(64), write: true)
      try parent.touch(anon + .kib(256), .kib(64), write: false)
      try parent.touch(anon + .mib(2) + .kib(8), .kib(8), write: true)
      huge = try mapAnon(parent, .mib(2))
      try parent.access(huge, write: false)
      let file = system.createFile(name: "F", size: .mib(1))
      for page in stride(from: UInt64(0), to: UInt64.mib(1), by: 12 << 10) { try system.write(file, offset: page, bytes: [1, 2, 3]) }
      mapped = try parent.mmap(.init(length: .mib(1), protection: .readWrite, file: file))
      try parent.touch(mapped + .kib(4), .kib(4), write: false)
      child = try parent.fork(childName: "B")
      recorder.reset()
    }

    /// Everything the faults can change, as text.
    func state() -> String {
      var lines: [String] = []
      for space in [parent, child] {
        for range in [(anon, anon + .mib(4)), (huge, huge + .mib(2)), (mapped, mapped + .mib(1))] {
          var page = range.0
          while page < range.1 {
            lines.append("\(space.name) \(page): \(String(describing: space.translate(page)))")
            page = page + 4096
          }
          lines.append(space.snapshot(range.0, range.1).map(\.description).joined(separator: "; "))
        }
        lines.append("\(space.name) rss \(space.residentPages)")
      }
      lines.append("events \(system.events)")
      lines.append("mthp \(system.mthpStats)")
      lines.append("free \(system.memory.freeFrameCount)")
      lines.append("invalidations \(recorder.ranges) \(recorder.completed)")
      return lines.joined(separator: "\n")
    }
  }

  @Test(arguments: [false, true])
  func touchLeavesWhatOneAccessPerPageLeaves(write: Bool) throws {
    let batched = try Fixture()
    let reference = try Fixture()
    #expect(batched.state() == reference.state())
    for (start, length) in [(batched.anon, UInt64.mib(4)), (batched.huge, .mib(2)), (batched.mapped, .mib(1))] {
      try batched.parent.touch(start, length, write: write)
      var page = start
      while page < start + length {
        try reference.parent.access(page, write: write)
        page = page + 4096
      }
    }
    #expect(batched.state() == reference.state())
    #expect(batched.system.events.pageFaults > 0 && batched.system.checkInvariants().isEmpty)
  }

  @Test(arguments: [false, true])
  func handleFaultsLeavesWhatOneFaultPerPageLeaves(write: Bool) throws {
    let batched = try Fixture()
    let reference = try Fixture()
    for (start, length) in [(batched.anon, UInt64.mib(4)), (batched.huge, .mib(2)), (batched.mapped, .mib(1))] {
      var faulted = 0
      #expect(batched.parent.handleFaults(start, start + length, write: write, faulted: &faulted) == nil)
      #expect(faulted == Int(length / 4096))
      var page = start
      while page < start + length {
        try reference.parent.handleFault(at: page, write: write)
        page = page + 4096
      }
    }
    #expect(batched.state() == reference.state())
    #expect(!write || batched.recorder.count(.clear) > 0, "the writes broke COW with invalidations")
  }

  /// After the first page of a 2 MiB block faults in a THP (or finds a PMD leaf that allows the
  /// access), the block's other pages are counted without a walk each: the counts and the state
  /// must be those of one fault per page, also for a range that starts and ends inside blocks,
  /// after a read made the huge zero page, and under a fork's write protection.
  @Test(arguments: [false, true])
  func handleFaultsOverPMDLeavesCountsEveryPage(write: Bool) throws {
    func run(batched: Bool) throws -> String {
      let system = makeSystem()
      let space = try system.createProcess(name: "A")
      let recorder = InvalidationRecorder()
      space.register(recorder)
      let base = try mapAnon(space, .mib(8))
      var lines: [String] = []
      func fault(_ start: VirtualAddress, _ end: VirtualAddress, write: Bool) throws {
        if batched {
          var faulted = 0
          #expect(space.handleFaults(start, end, write: write, faulted: &faulted) == nil)
          #expect(faulted == Int((end - start) / 4096))
        } else {
          var page = start
          while page < end {
            try space.handleFault(at: page, write: write)
            page = page + 4096
          }
        }
        lines.append("events \(system.events) free \(system.memory.freeFrameCount)")
        lines.append(space.snapshot(base, base + .mib(8)).map(\.description).joined(separator: "; "))
      }
      try fault(base + .kib(12), base + .mib(3) + .kib(20), write: write)
      try fault(base + .mib(4), base + .mib(6), write: false)
      try fault(base + .mib(4) + .kib(4), base + .mib(6), write: true)
      let child = try space.fork(childName: "B")
      try fault(base, base + .mib(8), write: write)
      lines.append("child \(child.snapshot(base, base + .mib(8)).map(\.description).joined(separator: "; "))")
      lines.append("invalidations \(recorder.ranges) \(recorder.completed)")
      #expect(system.checkInvariants().isEmpty)
      return lines.joined(separator: "\n")
    }
    #expect(try run(batched: true) == run(batched: false))
  }

  @Test func handleFaultsStopsAtTheFirstFailingPage() throws {
    let fixture = try Fixture()
    // The anonymous VMA ends 4 MiB in; the page after it has no VMA.
    let end = fixture.anon + .mib(4)
    var faulted = 0
    let failure = fixture.parent.handleFaults(end - .kib(8), end + .kib(8), write: true, faulted: &faulted)
    #expect(failure?.address == end)
    #expect(faulted == 2)
    if case .segmentationFault = failure?.error {} else { Issue.record("expected a segmentation fault, got \(String(describing: failure))") }
  }
}
