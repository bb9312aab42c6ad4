import HMM
import LiveLinux
import MemoryModel

/// The demo's layout, recorded: 8 MiB of MADV_HUGEPAGE anonymous memory with a 4 KiB mprotect in
/// the second THP. THP 0 PMD-mapped, THP 1 PTE-mapped across three VMAs, 4M–6M never touched,
/// 6M–8M the huge zero page.
struct DemoLayout {
  static let b = FixtureBuilder.base
  static let thpFlags: KernelPageFlags = [.thp, .anonymous, .mmap, .lru, .anonExclusive]
  static let zeroFlags: KernelPageFlags = [.thp, .zeroPage]

  static func builder() -> FixtureBuilder {
    var f = FixtureBuilder()
    let m: UInt64 = 1 << 20
    f.vma(b, b + 3 * m, "rw-p", flags: "rd wr mr mw me ac hg", anonHuge: 2 * m)
    f.vma(b + 3 * m, b + 3 * m + 4096, "r--p", flags: "rd mr mw me ac hg")
    f.vma(b + 3 * m + 4096, b + 8 * m, "rw-p", flags: "rd wr mr mw me ac hg")
    f.present(b, pages: 512, pfn: 0x10_0000)
    f.present(b + 2 * m, pages: 512, pfn: 0x20_0000)
    f.present(b + 6 * m, pages: 512, pfn: 0x30_0000, exclusive: false, file: true)
    f.folio(0x10_0000, order: 9, flags: thpFlags)
    f.folio(0x20_0000, order: 9, flags: thpFlags)
    f.folio(0x30_0000, order: 9, flags: zeroFlags)
    f.scan(b, b + 2 * m, [.present, .huge])
    f.scan(b + 2 * m, b + 4 * m, [.present])
    f.scan(b + 4 * m, b + 6 * m, [])
    f.scan(b + 6 * m, b + 8 * m, [.present, .huge, .pfnZero])
    return f
  }

  static func folio(_ head: UInt64, _ flags: KernelPageFlags) -> LiveFolio {
    LiveFolio(head: PFN(head), order: 9, flags: flags.union(.compoundHead))
  }

  /// The exact runs, VMA by VMA.
  static let expected: [[PageRun]] = {
    let m: UInt64 = 1 << 20
    let thp0 = folio(0x10_0000, thpFlags)
    let thp1 = folio(0x20_0000, thpFlags)
    let zero = folio(0x30_0000, zeroFlags)
    return [
      [
        PageRun(start: VirtualAddress(b), size: 2 * m, isPresent: true, pfn: PFN(0x10_0000), mapOrder: 9, folio: thp0,
                isExclusive: true, isAnonExclusive: true, hmm: HMMPFN(rawValue: 0xC120_0000_0010_0000)),
        PageRun(start: VirtualAddress(b + 2 * m), size: m, isPresent: true, pfn: PFN(0x20_0000), mapOrder: 0, folio: thp1,
                isExclusive: true, hmm: HMMPFN(rawValue: 0xC000_0000_0020_0000)),
      ],
      [
        PageRun(start: VirtualAddress(b + 3 * m), size: 4096, isPresent: true, pfn: PFN(0x20_0100), mapOrder: 0, folio: thp1,
                isExclusive: true, hmm: HMMPFN(rawValue: 0x8000_0000_0020_0100)),
      ],
      [
        PageRun(start: VirtualAddress(b + 3 * m + 4096), size: m - 4096, isPresent: true, pfn: PFN(0x20_0101), mapOrder: 0,
                folio: thp1, isExclusive: true, hmm: HMMPFN(rawValue: 0xC000_0000_0020_0101)),
        PageRun(start: VirtualAddress(b + 4 * m), size: 2 * m, isPresent: false, isZeroPage: false, hmm: .none),
        PageRun(start: VirtualAddress(b + 6 * m), size: 2 * m, isPresent: true, pfn: PFN(0x30_0000), mapOrder: 9,
                isZeroPage: true, folio: zero, isExclusive: false, isFileOrShared: true,
                hmm: HMMPFN(rawValue: 0x8120_0000_0030_0000)),
      ],
    ]
  }()
}
