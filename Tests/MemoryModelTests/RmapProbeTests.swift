import Testing

@testable import MemoryModel

/// `entriesMapping(_:probing:)` (probe one address in every address space, walk only when the
/// probes do not find every mapping) gives exactly the sites, in the order, of the full
/// reverse-map walk `entriesMapping(_:)`: for every mapped page, probed at its own address, at
/// a neighbour's and at an unmapped one, after fork into several processes, after a child's
/// mremap moved a shared range, a child's munmap and new mapping at the same address, with
/// zero pages, THPs mapped by PMDs and PTE-mapped large folios.
@Suite struct RmapProbeTests {
  enum Case: String, CaseIterable, CustomStringConvertible {
    case forkedTwice, movedInChild, replacedInChild, zeroPages, transparentHuge, splitLargeFolio
    var description: String { rawValue }
  }

  /// A comparable rendering of a site list.
  static func render(_ sites: [MemorySystem.MappingSite]) -> [String] {
    sites.map { "\($0.space.pid)@\($0.address.rawValue)/\($0.level)" }
  }

  @Test(arguments: Case.allCases)
  func probeAgreesWithTheWalk(_ kind: Case) throws {
    let system = makeSystem()
    let parent = try system.createProcess(name: "P")
    let anon = try mapAnon(parent, .mib(4), huge: kind == .transparentHuge || kind == .splitLargeFolio)
    switch kind {
    case .zeroPages:
      try parent.touch(anon, .kib(64), write: false)
      try parent.touch(anon + .kib(64), .kib(64), write: true)
    default:
      try parent.touch(anon, .mib(2) + .kib(64), write: true)
    }
    let child = try parent.fork(childName: "C")
    let grandchild = try child.fork(childName: "G")
    switch kind {
    case .movedInChild:
      // The child's copy of the first 256 KiB now lies elsewhere: probes at the parent's address miss it.
      let hole = try child.mmap(.init(length: .mib(1), protection: .readWrite))
      _ = try child.mremap(anon, oldSize: .kib(256), newSize: .kib(256), mayMove: true, fixedAddress: hole + .kib(512))
    case .replacedInChild:
      try child.munmap(anon, .kib(128))
      _ = try child.mmap(.init(length: .kib(128), protection: .readWrite, fixedAddress: anon))
      try child.touch(anon, .kib(128), write: true)
    case .splitLargeFolio:
      // The grandchild's write splits its PMD: the THP is then mapped by PTEs there and by PMDs elsewhere.
      try grandchild.munmap(anon + .kib(8), .kib(4))
    default:
      break
    }
    var compared = 0
    var probedFast = 0
    for space in system.addressSpaces {
      for vma in space.vmas {
        for page in stride(from: vma.start.rawValue, to: vma.end.rawValue, by: 4096) {
          let address = VirtualAddress(page)
          let (entry, level, _) = space.pageTable.lookup(address)
          guard let frame = entry.mappedFrame else { continue }
          // A leaf above the PTE level maps its folio's head: the page is that many frames on.
          let offset = level == .pte ? 0 : (page % level.entrySpan) >> 12
          let pageFrame = frame + offset
          let walked = system.entriesMapping(pageFrame)
          let expected = Self.render(walked)
          for probe in [address, address + 4096, VirtualAddress(0x1000)] {
            #expect(Self.render(system.entriesMapping(pageFrame, probing: probe)) == expected, "\(kind) pfn \(pageFrame) probed at \(probe)")
            compared += 1
          }
          // A page every process maps at this same address: the case the probe answers alone.
          if walked.count == system.memory.mapCount(of: pageFrame) && walked.count == 3
            && walked.allSatisfy({ $0.address == address && $0.level == .pte }) { probedFast += 1 }
        }
      }
    }
    #expect(compared > 0)
    if kind == .forkedTwice { #expect(probedFast > 0) }
    expectConsistent(system)
  }
}
