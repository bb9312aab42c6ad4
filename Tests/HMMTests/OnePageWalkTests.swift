import Testing
@testable import HMM
@testable import MemoryModel

/// The one-page HMM walk (one lookup) makes the callback the page-table walk makes.
@Suite struct OnePageWalkTests {
  /// PMD-mapped THP, a PTE-mapped THP (split by an mprotect), 4 KiB pages, the zero page,
  /// PROT_NONE, a hole in the VMA list, never-touched pages and (after fork) write-protected
  /// COW pages: every page alone, under each request, walks the same both ways.
  @Test(arguments: [false, true])
  func onePageWalkMatchesTheWalk(afterFork: Bool) throws {
    let f = try Fixture()
    let buf = try f.anon(.mib(10))
    try f.space.touch(buf, .mib(2), write: true)  // a PMD-mapped THP
    try f.space.touch(buf + .mib(2), .mib(2), write: true)
    try f.space.mprotect(buf + .mib(3), 4096, .read)  // the second THP is PTE-mapped now
    try f.space.madvise(buf + .mib(4), .mib(2), .nohugepage)
    try f.space.touch(buf + .mib(4), .kib(256), write: true)  // 4 KiB pages
    try f.space.touch(buf + .mib(4) + .kib(256), .kib(256), write: false)  // the zero page
    try f.space.mprotect(buf + .mib(5), .kib(64), [])
    try f.space.munmap(buf + .mib(6), .kib(64))
    try f.space.touch(buf + .mib(8), .mib(2), write: false)  // the huge zero page, or not
    if afterFork { _ = try f.space.fork(childName: "B") }
    let requests: [HMMPFN] = [.none, .requestFault, [.requestFault, .requestWrite]]
    var pages = 0
    for request in requests {
      var address = buf
      while address < buf + .mib(10) {
        defer { address = address + (address.rawValue & 0x1f000 == 0 ? 4096 : 0x3000) }
        let vma = f.space.vma(containing: address)
        guard let vma, vma.protection.contains(.read) else { continue }
        var one = [HMMPFN](repeating: .none, count: 1)
        var whole = [HMMPFN](repeating: .none, count: 1)
        func walker(_ buffer: UnsafeMutableBufferPointer<HMMPFN>) -> HMMWalker {
          var walker = HMMWalker(pfns: buffer, rangeStart: address, defaultFlags: request.rawValue, mask: 0,
                                 mayFault: request.contains(.requestFault), owner: nil, system: f.system,
                                 zeroPage: f.system.memory.zeroPage)
          walker.vmaEnd = vma.end
          walker.hugetlbSize = vma.hugetlbPageSize
          return walker
        }
        let a = one.withUnsafeMutableBufferPointer { buffer -> String in
          var w = walker(buffer)
          HMM.walkOnePage(f.space.pageTable, address, &w)
          return "\(String(describing: w.outcome)) \(w.filled)"
        }
        let b = whole.withUnsafeMutableBufferPointer { buffer -> String in
          var w = walker(buffer)
          f.space.pageTable.walk(address, address + 4096, &w)
          return "\(String(describing: w.outcome)) \(w.filled)"
        }
        #expect(a == b, "\(address - buf) \(request)")
        #expect(one == whole, "\(address - buf) \(request)")
        pages += 1
      }
    }
    #expect(pages > 1000)
  }
}
