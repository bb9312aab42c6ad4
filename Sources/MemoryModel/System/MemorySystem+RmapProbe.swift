/// A shortcut for the reverse-map walk of a page shared after fork: probe one address in
/// every address space before walking them all.
extension MemorySystem {
  /// The same sites as ``entriesMapping(_:)``, in the same order, found by probing the PTE at
  /// `address` in every address space first (after fork, a shared page usually sits at the
  /// same address in every process that maps it). When the probes find as many sites as the
  /// page has mappings they are all of them (each site holds one of the page's mappings, the
  /// rule ``entriesMapping(_:)``'s early stop relies on too), and each space holds at most one,
  /// so space order is the walk's order. Otherwise (after an mremap, say) it walks as
  /// ``entriesMapping(_:)`` does.
  /// - Parameters:
  ///   - pfn: the page.
  ///   - address: where the page is likely mapped in every address space.
  func entriesMapping(_ pfn: PFN, probing address: VirtualAddress) -> [MappingSite] {
    let head = memory.folioHead(of: pfn)
    // Zero pages are not counted; PMD sites are not probed.
    guard !memory.isZeroPage(pfn), memory.entireMapCount(ofFolio: head) == 0 else { return entriesMapping(pfn) }
    let mappings = memory.mapCount(of: pfn)
    let page = address.alignedDown(to: PageSize.bytes4K)
    var sites: [MappingSite] = []
    for space in addressSpaces {
      // The walk visits the VMAs' ranges only.
      guard space.vmaIndex(containing: page) != nil,
            let slot = space.pageTable.slot(for: page, level: .pte, allocate: false),
            space.pageTable.entry(at: slot).mappedFrame == pfn else { continue }
      sites.append(MappingSite(space: space, address: page, level: .pte))
    }
    return sites.count == mappings ? sites : entriesMapping(pfn)
  }
}
