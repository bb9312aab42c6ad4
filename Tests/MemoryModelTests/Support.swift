import Testing
@testable import MemoryModel

/// A small machine for tests: 256 MiB, THP in madvise mode.
func makeSystem(memory: UInt64 = .mib(256), thp: MemorySystem.THPMode = .madvise) -> MemorySystem {
  var settings = MemorySystem.Settings()
  settings.thp = thp
  return MemorySystem(memoryBytes: memory, settings: settings)
}

/// Asserts that the memory model's invariants hold.
func expectConsistent(_ system: MemorySystem, sourceLocation: SourceLocation = #_sourceLocation) {
  let violations = system.checkInvariants()
  #expect(violations.isEmpty, "\(violations)", sourceLocation: sourceLocation)
}

/// Maps `length` bytes of private anonymous read-write memory, 2 MiB aligned, with MADV_HUGEPAGE
/// when `huge`.
func mapAnon(_ space: AddressSpace, _ length: UInt64, huge: Bool = true, alignment: UInt64 = .mib(2)) throws -> VirtualAddress {
  let address = try space.mmap(.init(length: length, protection: .readWrite, alignment: alignment))
  if huge { try space.madvise(address, length, .hugepage) }
  return address
}

extension AddressSpace {
  /// The snapshot of one page.
  func page(_ address: VirtualAddress) -> SnapshotRun {
    snapshot(address, address + 4096)[0]
  }
}
