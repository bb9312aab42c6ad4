import Testing
@testable import HMM
@testable import MemoryModel

/// Notifier callbacks like test_hmm's: take the (imaginary) driver lock, set the sequence,
/// record the range.
final class RecordingOps: IntervalNotifierOps {
  var ranges: [InvalidationRange] = []
  var refuse = false
  func invalidate(_ notifier: IntervalNotifier, range: InvalidationRange, currentSequence: UInt64) -> Bool {
    ranges.append(range)
    if refuse { return false }
    notifier.setSequence(currentSequence)
    return true
  }
}

/// A machine with one process and a notifier over its whole address space.
struct Fixture {
  let system: MemorySystem
  let space: AddressSpace
  let ops = RecordingOps()
  let notifier: IntervalNotifier

  init(memory: UInt64 = .mib(512)) throws {
    system = MemorySystem(memoryBytes: memory)
    space = try system.createProcess(name: "A")
    notifier = try IntervalNotifier.insert(into: space, start: VirtualAddress(0), length: VirtualAddress.userSpaceEnd.rawValue, ops: ops)
  }

  /// Runs hmm_range_fault once over `[start, start + length)`.
  func fault(_ start: VirtualAddress, _ length: UInt64, defaultFlags: HMMPFN = .none, mask: HMMPFN = .none,
             inputs: [Int: HMMPFN] = [:]) throws(HMMError) -> HMMRange {
    var range = HMMRange(notifier: notifier, notifierSequence: notifier.readBegin(), start: start, end: start + length,
                         defaultFlags: defaultFlags, pfnFlagsMask: mask)
    for (index, value) in inputs { range.pfns[index] = value }
    try HMM.rangeFault(&range)
    return range
  }

  func anon(_ length: UInt64, huge: Bool = true, protection: Protection = .readWrite) throws -> VirtualAddress {
    let address = try space.mmap(.init(length: length, protection: protection, alignment: .mib(2)))
    if huge { try space.madvise(address, length, .hugepage) }
    return address
  }
}

let validWrite: UInt64 = 0xC000_0000_0000_0000
let validOnly: UInt64 = 0x8000_0000_0000_0000
let order9: UInt64 = 9 << 53
let order18: UInt64 = 18 << 53
