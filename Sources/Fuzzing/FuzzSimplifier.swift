import Scenarios

/// Simpler variants of one step, simplest first, for the shrinker.
enum FuzzSimplifier {
  static func variants(of step: FuzzStep) -> [FuzzStep] {
    switch step {
    case .compare(let devices, let range):
      var result = ranges(range).map { FuzzStep.compare(devices: devices, range: $0) }
      if devices.count > 2 { result.append(.compare(devices: Array(devices.prefix(2)), range: range)) }
      return result
    case .command(let command):
      return commands(command).map { .command($0) }
    }
  }

  /// Shorter ranges: one page, offsets at the region's start or a 2M boundary.
  static func ranges(_ range: AddressRange) -> [AddressRange] {
    var result: [AddressRange] = []
    func add(_ offset: UInt64, _ size: UInt64) {
      var candidate = range
      candidate.address.offset = offset
      candidate.size = size
      if candidate != range && !result.contains(candidate) { result.append(candidate) }
    }
    let offset = range.address.offset
    add(0, range.size)
    add(offset / (2 << 20) * (2 << 20), range.size)
    add(offset, 4096)
    if range.size > 4096 { add(offset, max(4096, range.size / 2 / 4096 * 4096)) }
    if range.size > 2 << 20 { add(offset, 2 << 20) }
    return result
  }

  /// Whether `mmap` maps a file (its name starts with `F` and a hugetlb file could be it); sizes
  /// of hugetlbfs mappings are not lowered below the huge page.
  static func isHugetlbFile(_ mmap: Command.Mmap) -> Bool {
    if case .file = mmap.backing { return mmap.size % (2 << 20) == 0 }
    return false
  }

  static func commands(_ command: Command) -> [Command] {
    switch command {
    case .system(let settings):
      guard settings.count > 1 else { return [] }
      return settings.indices.compactMap { index in
        if case .memory = settings[index] { return nil }
        var fewer = settings
        fewer.remove(at: index)
        return .system(fewer)
      }
    case .mmap(let mmap):
      var result: [Command] = []
      func add(_ change: (inout Command.Mmap) -> Void) {
        var copy = mmap
        change(&copy)
        if copy != mmap { result.append(.mmap(copy)) }
      }
      add { $0.address = nil }
      add { $0.alignment = nil }
      if mmap.alignment == nil && mmap.address == nil { add { $0.alignment = 2 << 20 } }
      add { $0.shared = false }
      if case .file = mmap.backing {
        // The file mapping as anonymous memory (shmem when shared): the file's definition can go.
        add { $0.backing = .anonymous }
      }
      add { $0.protection = Command.Protection(read: true, write: true, execute: false) }
      if mmap.hugetlb == nil && !isHugetlbFile(mmap) {
        for size: UInt64 in [4096, 2 << 20, 4 << 20] where size < mmap.size { add { $0.size = size } }
      }
      return result
    case .munmap(let process, let range): return ranges(range).map { .munmap(process: process, range: $0) }
    case .mprotect(let process, let range, let protection):
      return ranges(range).map { .mprotect(process: process, range: $0, protection: protection) }
    case .madvise(let process, let range, let advice):
      return ranges(range).map { .madvise(process: process, range: $0, advice: advice) }
    case .collapse(let process, let range): return ranges(range).map { .collapse(process: process, range: $0) }
    case .read(let access):
      return ranges(access.range).map { .read(Command.Access(process: access.process, range: $0, pattern: access.pattern)) }
    case .write(let access):
      var result: [Command] = []
      if access.pattern != nil { result.append(.write(Command.Access(process: access.process, range: access.range))) }
      result.append(.read(Command.Access(process: access.process, range: access.range)))
      return result + ranges(access.range).map { .write(Command.Access(process: access.process, range: $0, pattern: access.pattern)) }
    case .mremap(let mremap):
      var result: [Command] = []
      func add(_ change: (inout Command.Mremap) -> Void) {
        var copy = mremap
        change(&copy)
        if copy != mremap { result.append(.mremap(copy)) }
      }
      add { $0.fixedAddress = nil }
      add { $0.dontUnmap = false }
      add { $0.mayMove = false; $0.fixedAddress = nil; $0.dontUnmap = false }
      add { $0.newSize = $0.range.size }
      for range in ranges(mremap.range) { add { $0.range = range } }
      return result
    case .device(.define(let definition)):
      var result: [Command] = []
      func add(_ change: (inout DeviceDefinition) -> Void) {
        var copy = definition
        change(&copy)
        if copy != definition { result.append(.device(.define(copy))) }
      }
      add { $0.tlb = nil }
      add { $0.window = nil }
      add { $0.placement = "system"; $0.memory = 0 }
      add { $0.pages = [4096, 2 << 20] }
      return result
    case .device(.access(let device, let range, let write, let pattern, let random, let seed)):
      var result: [Command] = []
      if random { result.append(.device(.access(device: device, range: range, write: write, pattern: pattern, random: false, seed: 1))) }
      if write { result.append(.device(.access(device: device, range: range, write: false, pattern: nil, random: random, seed: seed))) }
      if pattern != nil { result.append(.device(.access(device: device, range: range, write: write, pattern: nil, random: random, seed: seed))) }
      return result + ranges(range).map { .device(.access(device: device, range: $0, write: write, pattern: pattern, random: random, seed: seed)) }
    case .device(.dmirror(let name, let operation, let range?, let pattern)):
      return ranges(range).filter { $0.size % 4096 == 0 }.map { .device(.dmirror(name: name, operation: operation, range: $0, pattern: pattern)) }
    case .device(.hmm(let process, let range, let fault)):
      return ranges(range).map { .device(.hmm(process: process, range: $0, fault: fault)) }
    default:
      return []
    }
  }
}
