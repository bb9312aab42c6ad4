import MemoryModel

/// `struct page *` values: x86-64's vmemmap layout (64 bytes per page from 0xffffea0000000000).
enum CPages {
  static let vmemmapStart: UInt = 0xffff_ea00_0000_0000

  /// The page pointer of `pfn`.
  static func page(_ pfn: PFN) -> OpaquePointer? { OpaquePointer(bitPattern: vmemmapStart &+ UInt(pfn.rawValue) << 6) }

  /// The current machine and the frame of a page pointer, or nil after reporting why not.
  static func frame(_ page: OpaquePointer?, _ function: String) -> (CMachine, PFN)? {
    guard let page else {
      CAPI.report(function, "the page is NULL")
      return nil
    }
    guard let machine = CAPI.current else {
      CAPI.report(function, "there is no machine (hmmkit_machine_create)")
      return nil
    }
    let raw = UInt(bitPattern: UnsafeRawPointer(page))
    guard raw >= vmemmapStart, (raw - vmemmapStart) & 63 == 0 else {
      CAPI.report(function, "\(UnsafeRawPointer(page)) is not a struct page pointer (pfn_to_page, hmm_pfn_to_page)")
      return nil
    }
    let pfn = UInt64((raw - vmemmapStart) >> 6)
    guard pfn < UInt64(machine.system.memory.frameCount) else {
      CAPI.report(function, "pfn 0x\(String(pfn, radix: 16)) is not a frame of the machine")
      return nil
    }
    return (machine, PFN(pfn))
  }
}
