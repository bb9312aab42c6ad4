import Testing

@testable import MemoryModel

/// `canReuseAnonymousPage`'s shortcut (another process's PTE table at the same address maps
/// the large folio: not this MM's alone, no walk) answers as the rule without it does —
/// counted here from scratch with a walk of the whole address space — for every PTE-mapped
/// page of a large folio: after fork, after the child moved part of the range with mremap
/// (to an address that is not 2 MiB aligned), after the child copied some pages on write,
/// and after the child unmapped the range.
@Suite struct ReuseProbeTests {
  enum Case: String, CaseIterable, CustomStringConvertible {
    case afterFork, movedInChild, copiedInChild, unmappedInChild
    var description: String { rawValue }
  }

  /// The rule without the shortcut.
  static func slowRule(_ space: AddressSpace, _ pfn: PFN) -> Bool {
    let memory = space.system.memory
    if memory.isAnonExclusive(pfn) { return true }
    let head = memory.folioHead(of: pfn)
    let order = memory.order(ofFolio: head)
    let references = memory.referenceCount(ofFolio: head)
    if order == 0 { return references == 1 }
    guard memory.entireMapCount(ofFolio: head) == 0 else { return false }
    var mapped = 0
    for i in 0..<(1 << order) { mapped += memory.pteMapCount(of: head + UInt64(i)) }
    guard mapped > 1, mapped == references else { return false }
    var counter = FolioMappingCounter(head: head, end: head.rawValue + UInt64(1 << order))
    for vma in space.vmas where !vma.isShared { space.pageTable.walk(vma.start, vma.end, &counter) }
    return counter.count == mapped
  }

  @Test(arguments: Case.allCases)
  func shortcutAgreesWithTheWalk(_ kind: Case) throws {
    let system = makeSystem()
    system.settings.mthp[4] = .always
    let parent = try system.createProcess(name: "P")
    let anon = try mapAnon(parent, .mib(2), huge: false)
    try parent.touch(anon, .kib(512), write: true)
    let child = try parent.fork(childName: "C")
    switch kind {
    case .afterFork:
      break
    case .movedInChild:
      let hole = try child.mmap(.init(length: .mib(4), protection: .readWrite))
      _ = try child.mremap(anon, oldSize: .kib(128), newSize: .kib(128), mayMove: true, fixedAddress: hole + .kib(64))
    case .copiedInChild:
      try child.touch(anon + .kib(4), .kib(8), write: true)
      try child.touch(anon + .kib(64), .kib(64), write: true)
    case .unmappedInChild:
      try child.munmap(anon, .kib(256))
    }
    var large = 0
    var reusable = 0
    for space in system.addressSpaces {
      for vma in space.vmas {
        for page in stride(from: vma.start.rawValue, to: vma.end.rawValue, by: 4096) {
          guard let slot = space.pageTable.slot(for: VirtualAddress(page), level: .pte, allocate: false) else { continue }
          let entry = space.pageTable.entry(at: slot)
          guard entry.isPresent, system.memory.kind(of: entry.pfn) == .anonymous else { continue }
          if system.memory.order(ofFolio: system.memory.folioHead(of: entry.pfn)) > 0 { large += 1 }
          let expected = Self.slowRule(space, entry.pfn)
          #expect(space.canReuseAnonymousPage(entry.pfn, slot) == expected, "\(kind) pid \(space.pid) page \(page)")
          if expected { reusable += 1 }
        }
      }
    }
    #expect(large > 0)
    if kind == .unmappedInChild { #expect(reusable > 0) }
    expectConsistent(system)
  }
}
