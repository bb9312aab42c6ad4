import MemoryModel

extension AnonymousMapping {
  /// The memory `hmmkit inspect --demo-thp` shows: 8 MiB of anonymous memory at a 2 MiB-aligned
  /// address with `MADV_HUGEPAGE`; the first 6 MiB written (three THPs), the last 2 MiB only read
  /// (the huge zero page); then 4 KiB in the middle of the second THP made read-only, which splits
  /// that VMA in three and its PMD into 512 PTEs while the folio stays order 9. Afterwards: THP 0
  /// and 2 PMD-mapped (order 9), THP 1 PTE-mapped (order 0, folio order 9), THP 3 the huge zero
  /// page (order 9, read-only).
  /// - Returns: the mapping (keep it alive while inspecting) and a description of each step.
  public static func thpDemo() throws(LiveLinuxError) -> (mapping: AnonymousMapping, steps: [String]) {
    let mapping = try AnonymousMapping(size: 8 << 20)
    var steps: [String] = []
    steps.append("mmap 8M rw private anon at \(mapping.start) (2M-aligned)")
    try mapping.advise(AnonymousMapping.adviceHugePage)
    steps.append("madvise 8M MADV_HUGEPAGE")
    mapping.write(offset: 0, length: 6 << 20)
    steps.append("write the first 6M (write faults: three THPs, each mapped by a PMD)")
    // The sum is printed so that the loads cannot be optimised away (a release build drops a
    // loop of loads whose result is unused, and the last 2M would then stay unmapped).
    let sum = mapping.read(offset: 6 << 20, length: 2 << 20)
    steps.append("read the last 2M (a read fault maps the huge zero page with a PMD; the bytes read sum to \(sum))")
    try mapping.protect(offset: (2 << 20) + (1 << 20), length: 4096)
    steps.append("mprotect \(mapping.start + UInt64(3 << 20)) 4K PROT_READ (the second THP's PMD splits into PTEs)")
    return (mapping, steps)
  }
}
