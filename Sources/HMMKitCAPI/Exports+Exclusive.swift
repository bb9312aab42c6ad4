import CHMMKit
import MemoryModel

/// `make_device_exclusive()`.
@_cdecl("make_device_exclusive")
public func capiMakeDeviceExclusive(_ mm: OpaquePointer?, _ address: UInt, _ owner: UnsafeMutableRawPointer?,
                                    _ foliop: UnsafeMutablePointer<OpaquePointer?>?) -> OpaquePointer? {
  let function = "make_device_exclusive"
  func error(_ errno: Errno) -> OpaquePointer? { OpaquePointer(bitPattern: UInt(bitPattern: -Int(errno.rawValue))) }
  guard let process = CAPI.process(mm, function) else { return error(.EINVAL) }
  guard CAPI.outsideCallbacks(function) else { return error(CAPI.EDEADLK) }
  guard !process.space.hasExited else {
    CAPI.report(function, "process \(process.space.name) has exited")
    return error(.EFAULT)
  }
  let page = VirtualAddress(UInt64(address) & ~0xFFF)
  guard let vma = process.space.vma(containing: page) else {
    CAPI.setError("\(function): no VMA at 0x\(String(address, radix: 16))")
    return error(.EFAULT)
  }
  guard vma.isAnonymous, !vma.isShared, !vma.isHugetlb else {
    CAPI.setError("\(function): 0x\(String(address, radix: 16)) is not private anonymous memory")
    return error(Errno(rawValue: 95))  // EOPNOTSUPP
  }
  do {
    let pfn = try process.space.makeDeviceExclusive(page, owner: owner.map { Int(bitPattern: $0) })
    foliop?.pointee = CPages.page(process.space.system.memory.folioHead(of: pfn))
    return CPages.page(pfn)
  } catch {
    CAPI.setError("\(function): \(error)")
    return OpaquePointer(bitPattern: UInt(bitPattern: -Int(Errno.EFAULT.rawValue)))
  }
}

/// `folio_unlock()`.
@_cdecl("folio_unlock")
public func capiFolioUnlock(_ folio: OpaquePointer?) { _ = CPages.frame(folio, "folio_unlock") }

/// `folio_put()`.
@_cdecl("folio_put")
public func capiFolioPut(_ folio: OpaquePointer?) { _ = CPages.frame(folio, "folio_put") }
