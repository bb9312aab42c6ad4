import CHMMKit
import Glibc
import MemoryModel
import Scenarios

/// `hmmkit_machine_create()`.
@_cdecl("hmmkit_machine_create")
public func capiMachineCreate(_ memoryMiB: UInt, _ thp: UnsafePointer<CChar>?) -> OpaquePointer? {
  let function = "hmmkit_machine_create"
  let mode = CAPI.string(thp) ?? "madvise"
  guard ["always", "madvise", "never"].contains(mode) else {
    CAPI.report(function, "THP mode \"\(mode)\" is not always, madvise or never")
    return nil
  }
  guard memoryMiB >= 4 && memoryMiB <= 256 << 10 else {
    CAPI.report(function, "memory \(memoryMiB) MiB is outside 4 MiB ... 256 GiB")
    return nil
  }
  guard let machine = CMachine.make(memoryMiB: UInt64(memoryMiB), thp: mode, function: function) else { return nil }
  return machine.handle
}

/// `hmmkit_machine_destroy()`.
@_cdecl("hmmkit_machine_destroy")
public func capiMachineDestroy(_ handle: OpaquePointer?) {
  guard let machine = CAPI.machine(handle, "hmmkit_machine_destroy"), CAPI.outsideCallbacks("hmmkit_machine_destroy") else { return }
  machine.destroy()
}

/// `hmmkit_last_error()`.
@_cdecl("hmmkit_last_error")
public func capiLastError() -> UnsafePointer<CChar> { UnsafePointer(CAPI.lastErrorBuffer) }

/// `hmmkit_bad_calls()`.
@_cdecl("hmmkit_bad_calls")
public func capiBadCalls() -> UInt { UInt(CAPI.badCalls) }

/// `hmmkit_process_create()`.
@_cdecl("hmmkit_process_create")
public func capiProcessCreate(_ handle: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> OpaquePointer? {
  let function = "hmmkit_process_create"
  guard let machine = CAPI.machine(handle, function), CAPI.outsideCallbacks(function) else { return nil }
  guard let name = newProcessName(name, in: machine, function) else { return nil }
  guard machine.runText("process \(name)\n", file: "<\(function)>", function: function) == 0,
    let space = machine.session.process(named: name)
  else { return nil }
  return machine.process(for: space).handle
}

/// `hmmkit_process_named()`.
@_cdecl("hmmkit_process_named")
public func capiProcessNamed(_ handle: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> OpaquePointer? {
  guard let machine = CAPI.machine(handle, "hmmkit_process_named"), let name = CAPI.string(name),
    let space = machine.session.process(named: name)
  else { return nil }
  return machine.process(for: space).handle
}

/// `hmmkit_machine_of()`.
@_cdecl("hmmkit_machine_of")
public func capiMachineOf(_ mm: OpaquePointer?) -> OpaquePointer? {
  CAPI.process(mm, "hmmkit_machine_of")?.machine.handle
}

/// The live process of `mm` for a CPU operation, or the negative errno.
private func live(_ mm: OpaquePointer?, _ function: String) -> Result<CProcess, Errno> {
  guard let process = CAPI.process(mm, function) else { return .failure(.EINVAL) }
  guard !process.space.hasExited else {
    CAPI.report(function, "process \(process.space.name) has exited")
    return .failure(CAPI.ESRCH)
  }
  guard CAPI.outsideCallbacks(function) else { return .failure(CAPI.EDEADLK) }
  return .success(process)
}

/// The negative errno of a failed ``live(_:_:)``.
private func failure(_ result: Result<CProcess, Errno>) -> Int32 {
  if case .failure(let errno) = result { return -errno.rawValue }
  return 0
}

/// Runs a system call of the model: 0 or its negative errno.
private func syscall(_ function: String, _ body: () throws(SyscallError) -> Void) -> Int32 {
  do {
    try body()
    return 0
  } catch {
    CAPI.setError("\(function): \(error)")
    return -error.errno.rawValue
  }
}

/// `hmmkit_mmap()`.
@_cdecl("hmmkit_mmap")
public func capiMmap(_ mm: OpaquePointer?, _ address: UInt, _ length: UInt, _ prot: Int32, _ flags: Int32, _ align: UInt) -> Int {
  let function = "hmmkit_mmap"
  let checked = live(mm, function)
  guard case .success(let process) = checked else { return Int(failure(checked)) }
  guard align == 0 || align & (align - 1) == 0 else { return Int(CAPI.fail(function, "align \(align) is not a power of two", .EINVAL)) }
  guard prot & ~7 == 0 else { return Int(CAPI.fail(function, "prot 0x\(String(prot, radix: 16)) has bits other than PROT_READ|PROT_WRITE|PROT_EXEC", .EINVAL)) }
  let known: Int32 = 0x01 | 0x02 | 0x10 | 0x20
  guard flags & ~known == 0 else { return Int(CAPI.fail(function, "flags 0x\(String(flags, radix: 16)): only MAP_SHARED, MAP_PRIVATE, MAP_FIXED and MAP_ANONYMOUS", .EINVAL)) }
  guard (flags & 0x01 != 0) != (flags & 0x02 != 0) else { return Int(CAPI.fail(function, "exactly one of MAP_SHARED and MAP_PRIVATE", .EINVAL)) }
  let request = AddressSpace.MapRequest(
    length: UInt64(length), protection: Protection(rawValue: UInt8(prot)), shared: flags & 0x01 != 0,
    fixedAddress: flags & 0x10 != 0 ? VirtualAddress(UInt64(address)) : nil, alignment: UInt64(align))
  do {
    return Int(try process.space.mmap(request).rawValue)
  } catch {
    CAPI.setError("\(function): \(error)")
    return -Int(error.errno.rawValue)
  }
}

/// `hmmkit_munmap()`.
@_cdecl("hmmkit_munmap")
public func capiMunmap(_ mm: OpaquePointer?, _ address: UInt, _ length: UInt) -> Int32 {
  let checked = live(mm, "hmmkit_munmap")
  guard case .success(let process) = checked else { return failure(checked) }
  return syscall("hmmkit_munmap") { () throws(SyscallError) in try process.space.munmap(VirtualAddress(UInt64(address)), UInt64(length)) }
}

/// `hmmkit_mprotect()`.
@_cdecl("hmmkit_mprotect")
public func capiMprotect(_ mm: OpaquePointer?, _ address: UInt, _ length: UInt, _ prot: Int32) -> Int32 {
  let function = "hmmkit_mprotect"
  let checked = live(mm, function)
  guard case .success(let process) = checked else { return failure(checked) }
  guard prot & ~7 == 0 else { return CAPI.fail(function, "prot 0x\(String(prot, radix: 16)) has bits other than PROT_READ|PROT_WRITE|PROT_EXEC", .EINVAL) }
  return syscall(function) { () throws(SyscallError) in
    try process.space.mprotect(VirtualAddress(UInt64(address)), UInt64(length), Protection(rawValue: UInt8(prot)))
  }
}

/// `hmmkit_madvise()`.
@_cdecl("hmmkit_madvise")
public func capiMadvise(_ mm: OpaquePointer?, _ address: UInt, _ length: UInt, _ advice: Int32) -> Int32 {
  let function = "hmmkit_madvise"
  let checked = live(mm, function)
  guard case .success(let process) = checked else { return failure(checked) }
  let choice: AddressSpace.Advice
  switch advice {
  case 4: choice = .dontneed
  case 8: choice = .free
  case 14: choice = .hugepage
  case 15: choice = .nohugepage
  case 25: choice = .collapse
  default: return CAPI.fail(function, "advice \(advice) is not MADV_DONTNEED, MADV_FREE, MADV_HUGEPAGE, MADV_NOHUGEPAGE or MADV_COLLAPSE", .EINVAL)
  }
  return syscall(function) { () throws(SyscallError) in try process.space.madvise(VirtualAddress(UInt64(address)), UInt64(length), choice) }
}

/// `hmmkit_write()`.
@_cdecl("hmmkit_write")
public func capiWrite(_ mm: OpaquePointer?, _ address: UInt, _ length: UInt, _ value: UInt8) -> Int32 {
  let checked = live(mm, "hmmkit_write")
  guard case .success(let process) = checked else { return failure(checked) }
  guard length > 0 else { return 0 }
  var page = UInt64(address) & ~0xFFF
  let end = UInt64(address) &+ UInt64(length)
  do {
    while page < end || (end < UInt64(address) && page >= UInt64(address) & ~0xFFF) {
      let pfn = try process.space.access(VirtualAddress(page), write: true)
      if value != 0 { process.space.system.memory.setPage(pfn, .filled(value)) }
      let next = page &+ 4096
      if next < page { break }
      page = next
    }
  } catch {
    CAPI.setError("hmmkit_write: \(error)")
    return -Errno.EFAULT.rawValue
  }
  return 0
}

/// `hmmkit_read()`.
@_cdecl("hmmkit_read")
public func capiRead(_ mm: OpaquePointer?, _ address: UInt, _ length: UInt, _ buffer: UnsafeMutableRawPointer?) -> Int32 {
  let checked = live(mm, "hmmkit_read")
  guard case .success(let process) = checked else { return failure(checked) }
  do {
    if let buffer {
      guard length <= 1 << 30 else { return CAPI.fail("hmmkit_read", "at most 1 GiB into a buffer", .EINVAL) }
      let bytes = try process.space.read(VirtualAddress(UInt64(address)), count: Int(length))
      bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    } else {
      try process.space.touch(VirtualAddress(UInt64(address)), UInt64(length), write: false)
    }
  } catch {
    CAPI.setError("hmmkit_read: \(error)")
    return -Errno.EFAULT.rawValue
  }
  return 0
}

/// `hmmkit_fork()`: runs the scenario's `P: C = fork`, so the child is known by name.
@_cdecl("hmmkit_fork")
public func capiFork(_ mm: OpaquePointer?, _ childName: UnsafePointer<CChar>?) -> OpaquePointer? {
  let function = "hmmkit_fork"
  guard case .success(let process) = live(mm, function) else { return nil }
  let machine = process.machine
  guard let name = newProcessName(childName, in: machine, function) else { return nil }
  guard machine.session.process(named: process.space.name) === process.space else {
    CAPI.report(function, "process \(process.space.name) is not known to the machine by that name")
    return nil
  }
  guard machine.runText("\(process.space.name): \(name) = fork\n", file: "<\(function)>", function: function) == 0,
    let child = machine.session.process(named: name)
  else { return nil }
  return machine.process(for: child).handle
}

/// `hmmkit_exit()`.
@_cdecl("hmmkit_exit")
public func capiExit(_ mm: OpaquePointer?) -> Int32 {
  let function = "hmmkit_exit"
  let checked = live(mm, function)
  guard case .success(let process) = checked else { return failure(checked) }
  let machine = process.machine
  if machine.session.process(named: process.space.name) === process.space {
    return machine.runText("\(process.space.name): exit\n", file: "<\(function)>", function: function) == 0 ? 0 : -Errno.EINVAL.rawValue
  }
  process.space.exit()
  return 0
}

/// `hmmkit_run_scenario()`.
@_cdecl("hmmkit_run_scenario")
public func capiRunScenario(_ handle: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
  let function = "hmmkit_run_scenario"
  guard let machine = CAPI.machine(handle, function) else { return -Errno.EINVAL.rawValue }
  guard CAPI.outsideCallbacks(function) else { return -CAPI.EDEADLK.rawValue }
  guard let path = CAPI.string(path) else { return CAPI.fail(function, "path is NULL", .EINVAL) }
  guard let file = fopen(path, "r") else { return CAPI.fail(function, "cannot open \(path): \(String(cString: strerror(errno)))", .ENOENT) }
  defer { fclose(file) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 65536)
  while true {
    let count = fread(&chunk, 1, chunk.count, file)
    if count <= 0 { break }
    bytes.append(contentsOf: chunk[0..<count])
  }
  return machine.runText(String(decoding: bytes, as: UTF8.self), file: path, function: function)
}

/// `hmmkit_run_scenario_text()`.
@_cdecl("hmmkit_run_scenario_text")
public func capiRunScenarioText(_ handle: OpaquePointer?, _ text: UnsafePointer<CChar>?, _ file: UnsafePointer<CChar>?) -> Int32 {
  let function = "hmmkit_run_scenario_text"
  guard let machine = CAPI.machine(handle, function) else { return -Errno.EINVAL.rawValue }
  guard CAPI.outsideCallbacks(function) else { return -CAPI.EDEADLK.rawValue }
  guard let text = CAPI.string(text) else { return CAPI.fail(function, "text is NULL", .EINVAL) }
  return machine.runText(text, file: CAPI.string(file) ?? "<text>", function: function)
}

/// `hmmkit_region_address()`.
@_cdecl("hmmkit_region_address")
public func capiRegionAddress(_ handle: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> UInt {
  guard let machine = CAPI.machine(handle, "hmmkit_region_address"), let name = CAPI.string(name) else { return 0 }
  return UInt(machine.session.regionAddress(named: name)?.rawValue ?? 0)
}

/// `hmmkit_snapshot()`.
@_cdecl("hmmkit_snapshot")
public func capiSnapshot(_ mm: OpaquePointer?, _ address: UInt, _ count: UInt, _ states: UnsafeMutablePointer<hmmkit_page_state>?) -> Int32 {
  let function = "hmmkit_snapshot"
  guard let process = CAPI.process(mm, function) else { return -Errno.EINVAL.rawValue }
  guard CAPI.outsideCallbacks(function) else { return -CAPI.EDEADLK.rawValue }
  guard address & 0xFFF == 0 else { return CAPI.fail(function, "address 0x\(String(address, radix: 16)) is not page aligned", .EINVAL) }
  guard let states else { return CAPI.fail(function, "states is NULL", .EINVAL) }
  guard count <= maximumRangePages else { return CAPI.fail(function, "at most \(maximumRangePages) pages", .EINVAL) }
  let space = process.space
  let memory = space.system.memory
  for i in 0..<Int(count) {
    let page = VirtualAddress(UInt64(address) &+ UInt64(i) << 12)
    var state = hmmkit_page_state()
    state.vma = space.vma(containing: page) == nil ? 0 : 1
    if let cpu = space.translate(page) {
      state.pfn = UInt(cpu.pfn.rawValue)
      state.present = 1
      state.writable = cpu.isWritable ? 1 : 0
      state.map_order = cpu.level == .pte ? 0 : cpu.level == .pmd ? 9 : 18
      state.folio_order = UInt8(memory.folio(containing: cpu.pfn).order)
      state.zero_page = capiIsZeroPFN(state.pfn) ? 1 : 0
    } else {
      let (entry, level) = space.cpuEntry(page)
      if let type = entry.swapType, type == .devicePrivate {
        let offset = (page.rawValue & (level.entrySpan - 1)) >> 12
        state.pfn = UInt((entry.pfn + offset).rawValue)
        state.device_private = 1
        state.writable = entry.isWritable ? 1 : 0
        state.map_order = level == .pte ? 0 : 9
        state.folio_order = UInt8(memory.folio(containing: entry.pfn + offset).order)
      }
    }
    states[i] = state
  }
  return 0
}

/// The name a new process (`hmmkit_process_create`, `hmmkit_fork`) gets: a letter followed by
/// letters, digits or `_`, not yet used in `machine`; nil, with the reason reported, otherwise.
private func newProcessName(_ pointer: UnsafePointer<CChar>?, in machine: CMachine, _ function: String) -> String? {
  guard let name = CAPI.string(pointer), !name.isEmpty, name.first?.isLetter == true,
    name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
  else {
    CAPI.report(function, "a process name is a letter followed by letters, digits or _")
    return nil
  }
  guard machine.session.process(named: name) == nil else {
    CAPI.report(function, "a process called \(name) exists")
    return nil
  }
  return name
}
