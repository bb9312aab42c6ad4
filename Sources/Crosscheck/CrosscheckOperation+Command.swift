import MemoryModel
import Scenarios

extension CrosscheckOperation {
  /// What a crosscheck does with a command of the scenario language.
  public init(_ command: Command) {
    switch command {
    case .process(let name):
      self = .process(name: name.name)
    case .file(let definition):
      self = .file(name: definition.name.name, size: definition.size, shmem: definition.shmem, huge: definition.huge,
                   hugetlb: definition.hugetlb?.bytes)
    case .fileWrite(let write):
      self = .fileWrite(name: write.file.name, offset: write.offset, size: write.size)
    case .system(let settings):
      var thp: String?
      var memory: UInt64?
      var fragment: UInt64?
      var hugetlb2M: UInt64?
      var hugetlb1G: UInt64?
      var mthp: [Int: String] = [:]
      for setting in settings {
        switch setting {
        case .thp(let mode): thp = mode.rawValue
        case .mthp(let order, let mode): mthp[order] = mode.rawValue
        case .memory(let bytes): memory = bytes
        case .fragment(let percent): fragment = percent
        case .hugetlbPages(.size2M, let count): hugetlb2M = count
        case .hugetlbPages(.size1G, let count): hugetlb1G = count
        case .oracle: break
        }
      }
      self = .system(thp: thp, memory: memory, fragment: fragment, hugetlb2M: hugetlb2M, hugetlb1G: hugetlb1G, mthp: mthp)
    case .split:
      self = .deferredSplit
    case .mmap(let mmap):
      if case .file(let file, let offset) = mmap.backing {
        self = .mmapFile(process: mmap.process.name, name: mmap.name.name, file: file.name, offset: offset, size: mmap.size,
                         protection: mmap.protection.model, shared: mmap.shared, alignment: mmap.alignment,
                         fixed: mmap.address)
      } else if let size = mmap.hugetlb {
        self = .mmapHugetlb(process: mmap.process.name, name: mmap.name.name, size: mmap.size,
                            protection: mmap.protection.model, shared: mmap.shared,
                            pageSize: size == .size2M ? 2 << 20 : 1 << 30, alignment: mmap.alignment, fixed: mmap.address)
      } else {
        self = .mmap(process: mmap.process.name, name: mmap.name.name, size: mmap.size,
                     protection: mmap.protection.model, shared: mmap.shared,
                     alignment: mmap.alignment, fixed: mmap.address)
      }
    case .munmap(let process, let range):
      self = .munmap(process: process.name, address: range.address, size: range.size)
    case .mprotect(let process, let range, let protection):
      self = .mprotect(process: process.name, address: range.address, size: range.size,
                       protection: protection.model)
    case .madvise(let process, let range, let advice):
      self = .madvise(process: process.name, address: range.address, size: range.size, advice: advice.model)
    case .mremap(let mremap):
      self = .mremap(process: mremap.process.name, name: mremap.name?.name, address: mremap.range.address,
                     oldSize: mremap.range.size, newSize: mremap.newSize, mayMove: mremap.mayMove,
                     fixed: mremap.fixedAddress, dontUnmap: mremap.dontUnmap)
    case .fork(let parent, let child):
      self = .fork(parent: parent.name, child: child.name)
    case .exit(let process):
      self = .exit(process: process.name)
    case .read(let access):
      self = .access(process: access.process.name, address: access.range.address, size: access.range.size, write: false)
    case .write(let access):
      self = .access(process: access.process.name, address: access.range.address, size: access.range.size, write: true,
                     stores: access.pattern.map { $0 != .byte(0) } ?? false)
    case .collapse(let process, _):
      self = .khugepagedCollapse(process: process.name)
    case .snapshot(let process, let range):
      self = .snapshot(process: process.name, address: range.address, size: range.size)
    case .kill(_, let target, _):
      self = .exit(process: target.name)
    case .waitpid:
      self = .modelOnly("waitpid")
    case .expect:
      self = .expectation
    case .device(let device):
      self = Self.device(device)
    }
  }

  /// A device or HMM command: whether it can change the CPU page tables (faults through
  /// `hmm_range_fault()`, migrations, exclusive access) or leaves them alone.
  private static func device(_ command: DeviceCommand) -> CrosscheckOperation {
    switch command {
    case .hmm(_, _, let fault), .hmmPTEBatch(_, _, let fault):
      return .device(keyword: fault == .none ? "hmm" : "hmm with fault flags", changesCPU: fault != .none)
    case .notifierInsert, .notifierRemove:
      return .device(keyword: "notifier", changesCPU: false)
    case .define:
      return .device(keyword: "device", changesCPU: false)
    case .stats:
      return .device(keyword: "devices", changesCPU: false)
    case .open:
      return .device(keyword: "open", changesCPU: false)
    case .mirror(let device, _):
      return .device(keyword: "\(device.name): mirror", changesCPU: false)
    case .snapshot(let device, _):
      return .device(keyword: "\(device.name): snapshot", changesCPU: false)
    case .access(let device, _, let write, _, _, _):
      return .device(keyword: "\(device.name): \(write ? "write" : "read")", changesCPU: true)
    case .openGUPTest:
      return .device(keyword: "open gup_test", changesCPU: false)
    case .gupTest(let name, let test, _, _, _, _):
      return .device(keyword: "\(name.name): \(test.rawValue)", changesCPU: true)
    case .gupPin(let name, _, _, _):
      return .device(keyword: "\(name.name): pin", changesCPU: true)
    case .gupUnpin(let name):
      return .device(keyword: "\(name.name): unpin", changesCPU: true)
    case .dmirror(let name, let operation, _, _):
      let leavesCPU: Set<DMirrorOperation> = [.snapshot, .close, .failAlloc]
      return .device(keyword: "\(name.name): \(operation.rawValue)", changesCPU: !leavesCPU.contains(operation))
    }
  }


}
