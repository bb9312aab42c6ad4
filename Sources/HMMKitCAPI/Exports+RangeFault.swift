import CHMMKit
import HMM
import MemoryModel

/// The largest range one `hmm_range_fault()` call takes (pages): the model copies the output
/// array, so an absurd `end` is refused rather than exhausting host memory.
let maximumRangePages: UInt = 1 << 24

/// `hmm_range_fault()`.
@_cdecl("hmm_range_fault")
public func capiRangeFault(_ range: UnsafeMutablePointer<hmm_range>?) -> Int32 {
  let function = "hmm_range_fault"
  guard let range else { return CAPI.fail(function, "range is NULL", .EINVAL) }
  guard let notifier = CAPI.notifier(range.pointee.notifier, function) else { return -Errno.EINVAL.rawValue }
  let start = range.pointee.start
  let end = range.pointee.end
  guard start & 0xFFF == 0 else { return CAPI.fail(function, "range->start 0x\(String(start, radix: 16)) is not page aligned", .EINVAL) }
  guard end & 0xFFF == 0 else { return CAPI.fail(function, "range->end 0x\(String(end, radix: 16)) is not page aligned", .EINVAL) }
  guard start < end else {
    return CAPI.fail(function, "range->end 0x\(String(end, radix: 16)) is not above range->start 0x\(String(start, radix: 16))", .EINVAL)
  }
  let count = (end - start) >> 12
  guard count <= maximumRangePages else {
    return CAPI.fail(function, "the range has \(count) pages; HMMKit takes at most \(maximumRangePages) per call", .EINVAL)
  }
  guard let pfns = range.pointee.hmm_pfns else { return CAPI.fail(function, "range->hmm_pfns is NULL", .EINVAL) }
  guard CAPI.outsideCallbacks(function) else { return -CAPI.EDEADLK.rawValue }
  var model = HMMRange(
    notifier: notifier.model, notifierSequence: UInt64(range.pointee.notifier_seq),
    start: VirtualAddress(UInt64(start)), end: VirtualAddress(UInt64(end)),
    defaultFlags: HMMPFN(rawValue: UInt64(range.pointee.default_flags)),
    pfnFlagsMask: HMMPFN(rawValue: UInt64(range.pointee.pfn_flags_mask)),
    devicePrivateOwner: range.pointee.dev_private_owner.map { Int(bitPattern: $0) })
  for i in 0..<Int(count) { model.pfns[i] = HMMPFN(rawValue: UInt64(pfns[i])) }
  var result: Int32 = 0
  do {
    try HMM.rangeFault(&model)
  } catch {
    result = error.returnCode
  }
  for i in 0..<Int(count) { pfns[i] = UInt(model.pfns[i].rawValue) }
  CExplorer.point("hmm_range_fault")
  return result
}

/// `page_folio()`: the folio pointer is its head page's.
@_cdecl("page_folio")
public func capiPageFolio(_ page: OpaquePointer?) -> OpaquePointer? {
  guard let (machine, pfn) = CPages.frame(page, "page_folio") else { return nil }
  return CPages.page(machine.system.memory.folioHead(of: pfn))
}

/// `folio_order()`.
@_cdecl("folio_order")
public func capiFolioOrder(_ folio: OpaquePointer?) -> UInt32 {
  guard let (machine, pfn) = CPages.frame(folio, "folio_order") else { return 0 }
  return UInt32(machine.system.memory.folio(containing: pfn).order)
}

/// `folio_page()`.
@_cdecl("folio_page")
public func capiFolioPage(_ folio: OpaquePointer?, _ n: UInt) -> OpaquePointer? {
  guard let (machine, pfn) = CPages.frame(folio, "folio_page") else { return nil }
  let info = machine.system.memory.folio(containing: pfn)
  guard n < UInt(1) << info.order else {
    CAPI.report("folio_page", "page \(n) is past the end of an order-\(info.order) folio")
    return nil
  }
  return CPages.page(info.head + UInt64(n))
}

/// `is_device_private_page()`.
@_cdecl("is_device_private_page")
public func capiIsDevicePrivatePage(_ page: OpaquePointer?) -> Bool {
  guard let (machine, pfn) = CPages.frame(page, "is_device_private_page") else { return false }
  return machine.system.memory.folio(containing: pfn).kind == .devicePrivate
}

/// `is_zero_pfn()` (also true for the pages of the huge zero page).
@_cdecl("is_zero_pfn")
public func capiIsZeroPFN(_ pfn: UInt) -> Bool {
  guard let machine = CAPI.current else { return false }
  let memory = machine.system.memory
  let value = UInt64(pfn)
  return value == memory.zeroPage.rawValue
    || (value >= memory.hugeZeroPage.rawValue && value < memory.hugeZeroPage.rawValue + 512)
}

/// `copy_highpage()`.
@_cdecl("copy_highpage")
public func capiCopyHighpage(_ to: OpaquePointer?, _ from: OpaquePointer?) {
  guard let (machine, destination) = CPages.frame(to, "copy_highpage"), let (_, source) = CPages.frame(from, "copy_highpage") else { return }
  machine.system.memory.copyContents(from: source, to: destination)
}
