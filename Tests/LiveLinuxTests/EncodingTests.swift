import HMM
import LiveLinux
import MemoryModel
import Testing

/// The HMMPFN rules of `LiveVMA.hmmEntry` (mm/hmm.c, §2.4 of the reference).
@Suite struct EncodingTests {
  static func vma(_ perms: String, path: String = "", details: VMADetails? = VMADetails()) -> LiveVMA {
    LiveVMA(start: VirtualAddress(0x7f00_0000_0000), end: VirtualAddress(0x7f00_0040_0000),
            permissions: VMAPermissions(parsing: perms)!, path: path, details: details)
  }

  static func entry(_ vma: LiveVMA, present: Bool = true, order: Int? = 0, zero: Bool? = false, exclusive: Bool = true,
                    file: Bool = false) -> HMMPFN {
    vma.hmmEntry(isPresent: present, pfn: 0x1234, mapOrder: order, isZeroPage: zero, isExclusive: exclusive, isFileOrShared: file)
  }

  @Test func privateAnonymousIsWritableOnlyWhenExclusive() {
    let anon = Self.vma("rw-p")
    #expect(Self.entry(anon) == HMMPFN(rawValue: 0xC000_0000_0000_1234))
    #expect(Self.entry(anon, exclusive: false) == HMMPFN(rawValue: 0x8000_0000_0000_1234), "shared after fork: COW, read-only")
    #expect(Self.entry(anon, zero: true, exclusive: false) == HMMPFN(rawValue: 0x8000_0000_0000_1234))
    #expect(Self.entry(anon, order: 9) == HMMPFN(rawValue: 0xC120_0000_0000_1234))
    #expect(Self.entry(anon, present: false) == .none)
  }

  @Test func privateFilePagesAreReadOnlyUntilCopied() {
    let file = Self.vma("rw-p", path: "/usr/lib/libc.so.6")
    #expect(!Self.entry(file, file: true).isWritable, "a page-cache page in a private mapping is mapped read-only")
    #expect(Self.entry(file, file: false).isWritable, "a COW copy is an exclusive anonymous page")
  }

  @Test func sharedMappingsAreWritableAndReadOnlyOnesNever() {
    #expect(Self.entry(Self.vma("rw-s", path: "/dev/shm/x"), exclusive: false, file: true).isWritable)
    #expect(!Self.entry(Self.vma("r--s", path: "/dev/shm/x"), file: true).isWritable)
    #expect(!Self.entry(Self.vma("r--p")).isWritable)
    #expect(!Self.entry(Self.vma("r-xp")).isWritable)
  }

  @Test func errorVMAsAndUnknownOrders() {
    #expect(Self.entry(Self.vma("---p")) == .error)
    #expect(Self.entry(Self.vma("rw-p", details: VMADetails(vmFlags: ["rd", "wr", "pf"]))) == .error)
    #expect(Self.entry(Self.vma("r--p", path: "[vvar]", details: nil)) == .error)
    #expect(Self.entry(Self.vma("rw-p"), order: nil).mapOrder == 0, "an unknown order is encoded as 0, the safe choice")
  }
}

extension EncodingTests {
  @Test func anonExclusiveOverridesTheMapcount() {
    let anon = Self.vma("rw-p")
    let cow = anon.hmmEntry(isPresent: true, pfn: 1, mapOrder: 9, isZeroPage: false, isExclusive: true, isFileOrShared: false,
                            isAnonExclusive: false)
    #expect(cow == HMMPFN(rawValue: 0x8120_0000_0000_0001))
    let reused = anon.hmmEntry(isPresent: true, pfn: 1, mapOrder: 9, isZeroPage: false, isExclusive: true, isFileOrShared: false,
                               isAnonExclusive: true)
    #expect(reused == HMMPFN(rawValue: 0xC120_0000_0000_0001))
  }
}
