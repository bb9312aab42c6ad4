import LiveLinux
import MemoryModel
import Testing

@Suite struct MapsParsingTests {
  static let maps = """
    55d4a8a00000-55d4a8a2f000 r--p 00000000 fe:00 253884                     /usr/bin/bash
    55d4a8a2f000-55d4a8af0000 r-xp 0002f000 fe:00 253884                     /usr/bin/bash
    55d4aa000000-55d4aa09b000 rw-p 00000000 00:00 0                          [heap]
    7f0000000000-7f0000800000 rw-p 00000000 00:00 0 
    7f0000800000-7f0000a00000 rw-s 00000000 00:01 1024                       /dev/zero (deleted)
    7f0000a00000-7f0000a01000 rw-s 00000000 00:01 2048                       /memfd:jit cache (deleted)
    7f0000a01000-7f0000a02000 rw-s 00000000 00:01 65538                      /SYSV00000000 (deleted)
    7f0000a02000-7f0000a03000 rw-p 00000000 00:00 0                          [anon:swift heap]
    7f0000a03000-7f0000a04000 r--p 00001000 fe:00 99                         /home/me/My Documents/a file.bin
    7f0000a04000-7f0000a05000 ---p 00000000 00:00 0 
    7f0000c00000-7f0000e00000 rw-p 00000000 00:0f 4096                       /anon_hugepage (deleted)
    7f0000e00000-7f0000e01000 rw-p 00000000 00:0e 77                         anon_inode:[perf_event]
    7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
    7ffd000fd000-7ffd00101000 r--p 00000000 00:00 0                          [vvar]
    7ffd00101000-7ffd00103000 r-xp 00000000 00:00 0                          [vdso]
    ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]

    """

  @Test func everyFieldAndKindIsParsed() throws {
    let vmas = try LiveVMA.parseMaps(Self.maps)
    #expect(vmas.count == 16)
    #expect(vmas[0].start == VirtualAddress(0x55d4_a8a0_0000) && vmas[0].end == VirtualAddress(0x55d4_a8a2_f000))
    #expect(vmas[1].permissions == [.read, .execute] && vmas[1].offset == 0x2f000 && vmas[1].device == "fe:00" && vmas[1].inode == 253884)
    #expect(vmas[1].path == "/usr/bin/bash" && vmas[1].kind == .file)
    #expect(vmas.map(\.kind) == [.file, .file, .heap, .anonymous, .shmem, .shmem, .shmem, .anonymous, .file, .anonymous,
                                 .hugetlb, .special, .stack, .special, .vdso, .special])
    #expect(vmas[4].isShared && vmas[4].isWritable && vmas[4].path == "/dev/zero (deleted)")
    #expect(vmas[8].path == "/home/me/My Documents/a file.bin", "paths keep their spaces")
    #expect(vmas[3].path.isEmpty)
    #expect(vmas[9].hmmErrorReason == "no VM_READ")
    #expect(vmas[15].hmmErrorReason != nil, "the vsyscall gate area is not a VMA for hmm_range_fault()")
    #expect(vmas[13].hmmErrorReason != nil, "[vvar] is VM_PFNMAP")
    #expect(vmas[3].hmmErrorReason == nil)
    #expect(vmas[1].description == "55d4a8a2f000-55d4a8af0000 r-xp 0002f000 fe:00 253884 /usr/bin/bash")
  }

  @Test func aMalformedLineIsNamed() {
    let text = "7f0000000000-7f0000001000 rw-p 00000000 00:00 0\n7f0000001000 rw-p 00000000 00:00 0\n"
    #expect(throws: LiveLinuxError.malformedMaps(line: 2, text: "7f0000001000 rw-p 00000000 00:00 0")) {
      try LiveVMA.parseMaps(text)
    }
    #expect(throws: LiveLinuxError.self) { try LiveVMA.parseMaps("7f0000000000-7f0000001000 rwzp 00000000 00:00 0\n") }
    #expect(throws: LiveLinuxError.self) { try LiveVMA.parseMaps("7f0000001000-7f0000000000 rw-p 00000000 00:00 0\n") }
  }

  @Test func permissionsRoundTrip() {
    for text in ["rw-p", "r-xp", "---p", "rwxs", "r--s"] {
      #expect(VMAPermissions(parsing: text)?.description == text)
    }
    #expect(VMAPermissions(parsing: "rw-") == nil)
    #expect(VMAPermissions(parsing: "rw-x") == nil)
  }

  @Test func smapsGivesPageSizeFlagsAndPMDTotals() {
    let smaps = """
      7f0000000000-7f0000800000 rw-p 00000000 00:00 0 
      Size:               8192 kB
      KernelPageSize:        4 kB
      Rss:                6144 kB
      AnonHugePages:      4096 kB
      ShmemPmdMapped:        0 kB
      FilePmdMapped:      2048 kB
      VmFlags: rd wr mr mw me ac hg 
      7f0000c00000-7f0001000000 rw-s 00000000 00:0f 4096                       /anon_hugepage (deleted)
      KernelPageSize:     2048 kB
      VmFlags: rd wr sh mr mw me ms de ht 

      """
    let details = VMADetails.parseSmaps(smaps)
    #expect(details.count == 2)
    let anon = details[0x7f00_0000_0000]
    #expect(anon?.kernelPageSize == 4096 && anon?.rss == 6 << 20 && anon?.anonHugePages == 4 << 20 && anon?.pmdMappedBytes == 6 << 20)
    #expect(anon?.has("hg") == true && anon?.has("ht") == false)
    let huge = details[0x7f00_00c0_0000]
    #expect(huge?.kernelPageSize == 2 << 20 && huge?.has("ht") == true)
    let vma = LiveVMA(start: VirtualAddress(0x7f00_00c0_0000), end: VirtualAddress(0x7f00_0100_0000),
                      permissions: [.read, .write, .shared], path: "/anon_hugepage (deleted)", details: huge)
    #expect(vma.kind == .hugetlb && vma.hugetlbOrder == 9)
    let clipped = VMADetails.parseSmaps(smaps, overlapping: (0x7f00_00c0_0000, 0x7f00_00c0_1000))
    #expect(clipped.count == 1 && clipped[0x7f00_00c0_0000]?.kernelPageSize == 2 << 20, "only the VMA in the range")
    #expect(VMADetails.parseSmaps(smaps, overlapping: (0x1000, 0x2000)).isEmpty)
  }

  @Test func rangesParseAndWidenToPages() throws {
    let range = try InspectionRange(parsing: "7f0000000010-0x7f0000002001")
    #expect(range.start == VirtualAddress(0x7f00_0000_0000) && range.end == VirtualAddress(0x7f00_0000_3000))
    for bad in ["", "7f00", "1-2-3", "-10", "10-", "xyz-100", "100-10", "10-10"] {
      #expect(throws: LiveLinuxError.self, "'\(bad)' is rejected") { try InspectionRange(parsing: bad) }
    }
    do {
      _ = try InspectionRange(parsing: "100-10")
    } catch {
      #expect(error.description.contains("START must be below END") && error.description.contains("hexadecimal"))
    }
  }

  @Test func theTHPModeIsTheBracketedWord() {
    #expect(TransparentHugePageSettings.selectedMode(in: "always [madvise] never\n") == "madvise")
    #expect(TransparentHugePageSettings.selectedMode(in: "always madvise never") == nil)
  }
}
