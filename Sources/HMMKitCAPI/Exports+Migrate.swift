import CHMMKit
import MemoryModel

/// The `struct vm_area_struct` copy for the VMA containing `address`, or nil.
func lookupVMA(_ process: CProcess, _ address: VirtualAddress) -> UnsafeMutablePointer<vm_area_struct>? {
  guard let vma = process.space.vma(containing: address) else { return nil }
  let copy = process.vmaCopies[vma.start.rawValue] ?? {
    let fresh = UnsafeMutablePointer<vm_area_struct>.allocate(capacity: 1)
    process.vmaCopies[vma.start.rawValue] = fresh
    return fresh
  }()
  var flags: UInt = 0
  if vma.protection.contains(.read) { flags |= 0x1 }
  if vma.protection.contains(.write) { flags |= 0x2 }
  if vma.protection.contains(.exec) { flags |= 0x4 }
  if vma.isShared { flags |= 0x8 }
  copy.pointee = vm_area_struct(vm_start: UInt(vma.start.rawValue), vm_end: UInt(vma.end.rawValue), vm_mm: process.handle, vm_flags: flags)
  return copy
}

/// `vma_lookup()`.
@_cdecl("vma_lookup")
public func capiVMALookup(_ mm: OpaquePointer?, _ address: UInt) -> UnsafeMutablePointer<vm_area_struct>? {
  guard let process = CAPI.process(mm, "vma_lookup") else { return nil }
  return lookupVMA(process, VirtualAddress(UInt64(address)))
}

/// `hmmkit_memremap_pages()`.
@_cdecl("hmmkit_memremap_pages")
public func capiMemremapPages(_ handle: OpaquePointer?, _ pgmap: UnsafeMutablePointer<dev_pagemap>?, _ pages: UInt) -> Int32 {
  let function = "hmmkit_memremap_pages"
  guard let machine = CAPI.machine(handle, function) else { return -Errno.EINVAL.rawValue }
  guard let pgmap else { return CAPI.fail(function, "pgmap is NULL", .EINVAL) }
  guard pages > 0, pages % 512 == 0, pages <= 1 << 22 else {
    return CAPI.fail(function, "nr_pages \(pages) is not a positive multiple of 512 (2 MiB) up to 16 GiB", .EINVAL)
  }
  guard machine.pagemaps[CAPI.key(pgmap)] == nil else { return CAPI.fail(function, "pgmap \(pgmap) is already added", .EINVAL) }
  guard let owner = pgmap.pointee.owner else { return CAPI.fail(function, "pgmap->owner is NULL", .EINVAL) }
  let bridge = CPagemap(pointer: pgmap, machine: machine)
  let region = machine.system.addDeviceMemory(owner: Int(bitPattern: owner), kind: .devicePrivate, pages: Int(pages), ops: bridge)
  bridge.region = region
  machine.pagemaps[CAPI.key(pgmap)] = bridge
  pgmap.pointee.pfn_first = UInt(region.pfns.lowerBound)
  pgmap.pointee.nr_pages = pages
  return 0
}

/// `hmmkit_devmem_alloc()`.
@_cdecl("hmmkit_devmem_alloc")
public func capiDevmemAlloc(_ pgmap: UnsafeMutablePointer<dev_pagemap>?, _ order: UInt32) -> OpaquePointer? {
  let function = "hmmkit_devmem_alloc"
  guard let pgmap else {
    CAPI.report(function, "pgmap is NULL")
    return nil
  }
  guard let bridge = CAPI.machines.values.lazy.compactMap({ $0.pagemaps[CAPI.key(pgmap)] }).first else {
    CAPI.report(function, "pgmap \(pgmap) was not added (hmmkit_memremap_pages)")
    return nil
  }
  guard order == 0 || order == 9 else {
    CAPI.report(function, "device folios are of order 0 or 9, not \(order)")
    return nil
  }
  guard let pfn = bridge.machine.system.allocateDeviceFolio(bridge.region, order: Int(order)) else { return nil }
  return CPages.page(pfn)
}

/// Checks a `struct migrate_vma` and finds its process.
private func migration(_ args: UnsafeMutablePointer<migrate_vma>?, _ function: String) -> Result<(CProcess, UnsafeMutablePointer<migrate_vma>), Errno> {
  guard let args else {
    CAPI.report(function, "args is NULL")
    return .failure(.EINVAL)
  }
  guard let vma = args.pointee.vma else {
    CAPI.report(function, "args->vma is NULL (vma_lookup)")
    return .failure(.EINVAL)
  }
  guard let process = CAPI.process(vma.pointee.vm_mm, function) else { return .failure(.EINVAL) }
  return .success((process, args))
}

/// `migrate_vma_setup()`.
@_cdecl("migrate_vma_setup")
public func capiMigrateVMASetup(_ args: UnsafeMutablePointer<migrate_vma>?) -> Int32 {
  let function = "migrate_vma_setup"
  guard case .success(let (process, args)) = migration(args, function) else { return -Errno.EINVAL.rawValue }
  guard CAPI.outsideCallbacks(function) else { return -CAPI.EDEADLK.rawValue }
  let a = args.pointee
  guard let src = a.src, let dst = a.dst else { return CAPI.fail(function, "args->src or args->dst is NULL", .EINVAL) }
  guard a.start & 0xFFF == 0, a.end & 0xFFF == 0, a.start < a.end else {
    return CAPI.fail(function, "bad range 0x\(String(a.start, radix: 16))-0x\(String(a.end, radix: 16))", .EINVAL)
  }
  guard let vma = a.vma, a.start >= vma.pointee.vm_start, a.end <= vma.pointee.vm_end else {
    return CAPI.fail(function, "the range is not inside args->vma", .EINVAL)
  }
  guard (a.end - a.start) >> 12 <= maximumRangePages else { return CAPI.fail(function, "at most \(maximumRangePages) pages", .EINVAL) }
  let machine = process.machine
  guard machine.migrations[CAPI.key(args)] == nil else {
    return CAPI.fail(function, "args is already set up; call migrate_vma_finalize() first", .EINVAL)
  }
  let select = MigrateSelect(rawValue: UInt8(truncatingIfNeeded: a.flags & 0xF))
  let m: MigrateVMA
  do {
    m = try process.space.migrateVMASetup(
      start: VirtualAddress(UInt64(a.start)), end: VirtualAddress(UInt64(a.end)), select: select,
      pgmapOwner: a.pgmap_owner.map { Int(bitPattern: $0) })
  } catch {
    CAPI.setError("\(function): \(error)")
    return -error.errno.rawValue
  }
  for i in 0..<m.pageCount {
    src[i] = UInt(m.src[i].rawValue)
    dst[i] = 0
  }
  args.pointee.cpages = UInt(m.collected)
  args.pointee.npages = UInt(m.pageCount)
  machine.migrations[CAPI.key(args)] = m
  return 0
}

/// `migrate_vma_pages()`.
@_cdecl("migrate_vma_pages")
public func capiMigrateVMAPages(_ args: UnsafeMutablePointer<migrate_vma>?) {
  let function = "migrate_vma_pages"
  guard case .success(let (process, args)) = migration(args, function) else { return }
  guard var m = process.machine.migrations[CAPI.key(args)] else {
    return CAPI.report(function, "args was not set up (migrate_vma_setup)")
  }
  guard let src = args.pointee.src, let dst = args.pointee.dst else { return CAPI.report(function, "args->src or args->dst is NULL") }
  let frames = UInt64(process.space.system.memory.frameCount)
  for i in 0..<m.pageCount {
    let entry = MigratePFN(rawValue: UInt64(dst[i]))
    if entry.isValid && (entry.pfn.rawValue >= frames || !m.src[i].isMigrating) {
      CAPI.report(function, "dst[\(i)] = 0x\(String(dst[i], radix: 16)) names no frame of the machine or a page not collected; ignored")
      m.dst[i] = MigratePFN(rawValue: 0)
      continue
    }
    m.dst[i] = entry
  }
  process.space.migrateVMAPages(&m)
  for i in 0..<m.pageCount { src[i] = UInt(m.src[i].rawValue) }
  process.machine.migrations[CAPI.key(args)] = m
}

/// `migrate_vma_finalize()`.
@_cdecl("migrate_vma_finalize")
public func capiMigrateVMAFinalize(_ args: UnsafeMutablePointer<migrate_vma>?) {
  let function = "migrate_vma_finalize"
  guard case .success(let (process, args)) = migration(args, function) else { return }
  guard var m = process.machine.migrations.removeValue(forKey: CAPI.key(args)) else {
    return CAPI.report(function, "args was not set up (migrate_vma_setup)")
  }
  process.space.migrateVMAFinalize(&m)
  if let src = args.pointee.src { for i in 0..<m.pageCount { src[i] = UInt(m.src[i].rawValue) } }
}

/// `page_pgmap()`.
@_cdecl("page_pgmap")
public func capiPagePgmap(_ page: OpaquePointer?) -> UnsafeMutablePointer<dev_pagemap>? {
  guard let (machine, pfn) = CPages.frame(page, "page_pgmap") else { return nil }
  return machine.pagemaps.values.first { $0.region.pfns.contains(pfn.rawValue) }?.pointer
}

/// `alloc_pages()`.
@_cdecl("alloc_pages")
public func capiAllocPages(_ gfp: UInt32, _ order: UInt32) -> OpaquePointer? {
  guard let machine = CAPI.current else {
    CAPI.report("alloc_pages", "there is no machine (hmmkit_machine_create)")
    return nil
  }
  guard order == 0 || order == 9 else {
    CAPI.report("alloc_pages", "HMMKit allocates folios of order 0 or 9, not \(order)")
    return nil
  }
  guard let pfn = machine.system.memory.allocateFolio(order: Int(order), kind: .anonymous) else { return nil }
  return CPages.page(pfn)
}
