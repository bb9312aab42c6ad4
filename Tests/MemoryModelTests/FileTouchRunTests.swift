import Testing

@testable import MemoryModel

/// `touch` resolves faults on empty PTEs of file and shmem VMAs inside its per-table loop and
/// goes on with the run; these check that it leaves exactly what one access per page leaves —
/// the same frames, entries, page caches, counters and errors — for shared and private mappings,
/// a file with large folios, shmem, partly cached files, and a mapping past the file's end.
@Suite struct FileTouchRunTests {
  /// A machine with file mappings in several states.
  struct Fixture {
    let system: MemorySystem
    let space: AddressSpace
    let recorder = InvalidationRecorder()
    /// Each mapping's start and length (the last one runs past its file's end).
    var ranges: [(start: VirtualAddress, length: UInt64)] = []
    let files: [File]

    init() throws {
      system = makeSystem()
      space = try system.createProcess(name: "A")
      space.register(recorder)
      let plain = system.createFile(name: "plain", size: .mib(1))
      let huge = system.createFile(name: "huge", size: .mib(4), largeFolios: true)
      let shmem = system.createFile(name: "shm", kind: .shmem, size: .mib(1))
      let short = system.createFile(name: "short", size: .kib(40))
      files = [plain, huge, shmem, short]
      // Some pages cached already (every 12 KiB of the plain file, a few of shmem).
      for offset in stride(from: UInt64(0), to: UInt64.mib(1), by: 12 << 10) { try system.write(plain, offset: offset, bytes: [7]) }
      for offset in stride(from: UInt64(0), to: UInt64.kib(256), by: 64 << 10) { try system.write(shmem, offset: offset, bytes: [9]) }
      for (file, shared, length) in [(plain, false, UInt64.mib(1)), (plain, true, .mib(1)), (huge, true, .mib(4)),
                                     (huge, false, .mib(4)), (shmem, true, .mib(1)), (short, true, .kib(64))] {
        let start = try space.mmap(.init(length: length, protection: .readWrite, shared: shared, file: file))
        ranges.append((start, length))
      }
      // A page mapped in the middle of the private plain mapping already.
      try space.access(ranges[0].start + .kib(100), write: false)
      recorder.reset()
    }

    /// Everything the faults can change, as text.
    func state() -> String {
      var lines: [String] = []
      for range in ranges {
        var page = range.start
        while page < range.start + range.length {
          lines.append("\(page): \(String(describing: space.translate(page)))")
          page = page + 4096
        }
        lines.append(space.snapshot(range.start, range.start + range.length).map(\.description).joined(separator: "; "))
      }
      for file in files { lines.append("\(file.name) cache \(file.pageCache.keys.sorted()) \(file.cachedPageCount)") }
      lines.append("rss \(space.residentPages)")
      lines.append("events \(system.events)")
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
    var errors: [String?] = []
    for (start, length) in batched.ranges {
      var batchedError: String?
      do { try batched.space.touch(start, length, write: write) } catch { batchedError = "\(error)" }
      var referenceError: String?
      var page = start
      while page < start + length {
        do { try reference.space.access(page, write: write) } catch {
          referenceError = "\(error)"
          break
        }
        page = page + 4096
      }
      #expect(batchedError == referenceError)
      errors.append(batchedError)
    }
    #expect(batched.state() == reference.state())
    // Only the mapping past the short file's end fails (SIGBUS at its 11th page).
    #expect(errors.dropLast().allSatisfy { $0 == nil } && errors.last! != nil)
    #expect(batched.system.events.pageFaults > 200)
    #expect(batched.system.checkInvariants().isEmpty)
  }

  /// `handleFaults` (hmm_range_fault's faults) keeps the fault-around window across its run too:
  /// it leaves what one `handleFault` per page leaves, and stops at the same page.
  @Test(arguments: [false, true])
  func handleFaultsLeavesWhatOneFaultPerPageLeaves(write: Bool) throws {
    let batched = try Fixture()
    let reference = try Fixture()
    var stops: [String] = []
    for (start, length) in batched.ranges {
      var faulted = 0
      let failure = batched.space.handleFaults(start, start + length, write: write, faulted: &faulted)
      var referenceFailure: (VirtualAddress, FaultError)?
      var referenceFaulted = 0
      var page = start
      while page < start + length {
        do { try reference.space.handleFault(at: page, write: write) } catch {
          referenceFailure = (page, error)
          break
        }
        referenceFaulted += 1
        page = page + 4096
      }
      #expect(faulted == referenceFaulted)
      #expect(failure.map { "\($0.address) \($0.error)" } == referenceFailure.map { "\($0.0) \($0.1)" })
      stops.append(failure.map { "\($0.address)" } ?? "-")
    }
    #expect(batched.state() == reference.state())
    #expect(stops.dropLast().allSatisfy { $0 == "-" } && stops.last! != "-")
    #expect(batched.system.checkInvariants().isEmpty)
  }
}
