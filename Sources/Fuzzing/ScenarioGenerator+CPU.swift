import Scenarios

extension ScenarioGenerator {
  /// `P: R = mmap ...` of anonymous memory (private or shared, maybe `align=`, `at=`,
  /// `hugetlb=`), often followed by `madvise hugepage` over it.
  mutating func mmapAnonymous(hugetlb: Command.HugePageSize?) {
    let process = pickLiveProcess()
    let name = fresh("r")
    var size = mappingSize()
    let pageSize = hugetlb?.bytes ?? Self.pageSize
    if hugetlb != nil { size = (size + pageSize - 1) / pageSize * pageSize }
    if configuration.kernelSubset && size > 64 << 20 { size = 2 * Self.hugeSize }
    var mmap = Command.Mmap(process: processes[process].name, name: name, size: size, protection: protection())
    mmap.shared = random.percent(configuration.kernelSubset ? 10 : 20)
    mmap.hugetlb = hugetlb
    if random.percent(30) {
      // One of 2M, 2M, 64K, 4K, 1G, drawn as a pick from that list.
      switch random.below(5) {
      case 0, 1: mmap.alignment = Self.hugeSize
      case 2: mmap.alignment = 64 << 10
      case 3: mmap.alignment = Self.pageSize
      default: mmap.alignment = Self.gigaSize
      }
      if configuration.profile.oddRangePercent > 0 && random.percent(configuration.profile.oddRangePercent) {
        mmap.alignment = 0
      }
    } else if random.percent(12) {
      mmap.address = fixedAddress()
    }
    emit(.mmap(mmap))
    regions.append(Region(name: name, size: size, processes: [process], pageSize: pageSize))
    if hugetlb == nil && random.percent(50) {
      let range = AddressRange(address: address(regions[regions.count - 1], 0), size: size)
      emit(.madvise(process: processes[process].name, range: range, advice: .hugepage))
    }
  }

  /// An address for `at=` or `fixed=`: a 2M boundary in a quiet part of the address space,
  /// sometimes 4K past it, or an existing region's start.
  mutating func fixedAddress() -> AddressExpression {
    if !regions.isEmpty && random.percent(25) {
      let region = random.pick(regions)
      return address(region, offset(in: region.size, pageSize: region.pageSize))
    }
    let base: UInt64 = 0x7e00_0000_0000 + UInt64(random.below(64)) * Self.hugeSize
    return literal(base + (random.percent(20) ? Self.pageSize : 0))
  }

  /// `file F size=... [shmem] [huge] [hugetlb=]`, or a `file F write` into an existing file.
  mutating func defineFile(hugetlb: Command.HugePageSize?) {
    let small = files.filter { $0.pageSize == Self.pageSize }
    if hugetlb == nil, !small.isEmpty, random.percent(30) {
      let file = random.pick(small)
      let offset = UInt64(random.below(Int(max(1, file.size / Self.pageSize)))) * Self.pageSize
      let size = min(file.size - min(offset, file.size), UInt64(1 + random.below(64)) * Self.pageSize)
      if size > 0 {
        emit(.fileWrite(Command.FileWrite(file: file.name, offset: offset, size: size, pattern: pattern() ?? .byte(0x5A))))
        return
      }
    }
    let name = fresh("F")
    let pageSize = hugetlb?.bytes ?? Self.pageSize
    var size = random.pick([Self.hugeSize, 2 * Self.hugeSize, 1 << 20, 64 << 10, 4 * Self.hugeSize, Self.hugeSize + Self.pageSize])
    if hugetlb != nil { size = (size + pageSize - 1) / pageSize * pageSize }
    var definition = Command.FileDefinition(name: name, size: size, hugetlb: hugetlb)
    if hugetlb == nil {
      // The kernel oracle's files are memfds (tmpfs): shmem, large folios only with
      // shmem_enabled=within_size, which a crosscheck sets for the case and restores.
      definition.shmem = configuration.kernelSubset || random.percent(50)
      definition.huge = random.percent(configuration.kernelSubset ? 15 : 50)
    }
    emit(.file(definition))
    files.append(FileInfo(name: name, size: size, pageSize: pageSize))
  }

  /// `P: R = mmap SIZE PROT [shared] file=F [offset=N]`; defines a file first if there is none.
  mutating func mmapFile() {
    if files.isEmpty || random.percent(15) {
      defineFile(hugetlb: nil)
      if case .command(.fileWrite) = steps.last { return }
    }
    let file = random.pick(files)
    let process = pickLiveProcess()
    let name = fresh("r")
    // One of 0, 0, 0, 4K, 2M, 1M, drawn as a pick from that list.
    var offset: UInt64
    switch random.below(6) {
    case 0, 1, 2: offset = 0
    case 3: offset = Self.pageSize
    case 4: offset = Self.hugeSize
    default: offset = 1 << 20
    }
    offset = offset / file.pageSize * file.pageSize
    var size = random.percent(60) ? file.size - min(offset, file.size) : mappingSize()
    if size == 0 { size = file.pageSize }
    if file.pageSize > Self.pageSize { size = (size + file.pageSize - 1) / file.pageSize * file.pageSize }
    var mmap = Command.Mmap(process: processes[process].name, name: name, size: size, protection: protection())
    mmap.shared = random.percent(50)
    mmap.backing = .file(file.name, offset: offset)
    if random.percent(25) { mmap.alignment = Self.hugeSize }
    emit(.mmap(mmap))
    regions.append(Region(name: name, size: size, processes: [process], pageSize: file.pageSize))
  }

  /// `munmap`, `mprotect`, `madvise`, `read`, `write`, `collapse` or `mremap` over a range of a
  /// region the process maps.
  mutating func rangeCommand(_ kind: FuzzCommandKind, _ process: Int, _ region: Region) {
    let owner = processes[process].name
    let limit = configuration.profile.maximumAccess
    switch kind {
    case .munmap: emit(.munmap(process: owner, range: range(in: region, limit: UInt64.max)))
    case .mprotect: emit(.mprotect(process: owner, range: range(in: region, limit: UInt64.max), protection: protection()))
    case .madvise:
      let advice: Command.Advice
      switch random.below(20) {
      case 0, 1, 2, 3, 4: advice = .hugepage
      case 5, 6: advice = .nohugepage
      case 7, 8, 9, 10: advice = .dontneed
      case 11, 12, 13, 14: advice = .free
      default: advice = .collapse
      }
      emit(.madvise(process: owner, range: range(in: region, limit: UInt64.max), advice: advice))
    case .read: emit(.read(Command.Access(process: owner, range: range(in: region, limit: limit))))
    case .write:
      let range = range(in: region, limit: limit)
      let pattern = range.size <= configuration.profile.maximumData ? pattern() : nil
      emit(.write(Command.Access(process: owner, range: range, pattern: pattern)))
    case .collapse: emit(.collapse(process: owner, range: range(in: region, limit: UInt64.max)))
    default: mremap(process, region)
    }
  }

  /// `P: [NEW =] mremap ADDR OLD NEW [maymove] [fixed=ADDR] [dontunmap]`.
  mutating func mremap(_ process: Int, _ region: Region) {
    let old = range(in: region, limit: UInt64.max)
    // One of the old size (twice), double, half, 4K more, 2M more, drawn as a pick from that list.
    var newSize: UInt64
    switch random.below(6) {
    case 0, 1: newSize = old.size
    case 2: newSize = old.size * 2
    case 3: newSize = max(Self.pageSize, old.size / 2)
    case 4: newSize = old.size + Self.pageSize
    default: newSize = old.size + Self.hugeSize
    }
    if region.pageSize > Self.pageSize { newSize = (newSize + region.pageSize - 1) / region.pageSize * region.pageSize }
    let name: Identifier? = random.percent(60) ? fresh("r") : nil
    var mremap = Command.Mremap(process: processes[process].name, name: name, range: old, newSize: newSize)
    mremap.mayMove = random.percent(70)
    if mremap.mayMove && random.percent(25) { mremap.fixedAddress = fixedAddress() }
    if mremap.mayMove && random.percent(15) {
      mremap.dontUnmap = true
      if random.percent(80) { mremap.newSize = old.size }
    }
    emit(.mremap(mremap))
    if let name {
      regions.append(Region(name: name, size: mremap.newSize, processes: [process], pageSize: region.pageSize))
    }
  }

  /// `P: C = fork`: the child maps every region the parent maps.
  mutating func fork() {
    guard liveProcessCount < 6 else { return }
    let parent = pickLiveProcess()
    let child = fresh("p")
    processes.append(Process(name: child))
    let index = processes.count - 1
    for r in regions.indices where regions[r].processes.contains(parent) { regions[r].processes.append(index) }
    emit(.fork(parent: processes[parent].name, child: child))
  }

  /// Whether a device, a dmirror file or a notifier refers to the process.
  func isWatched(_ process: Int) -> Bool {
    devices.contains { $0.process == process } || mirrorFiles.contains { $0.process == process }
      || notifiers.contains { $0.process == process }
  }

  /// `P: exit`, and a new process when none is left.
  mutating func exit() {
    // Devices, dmirror files and notifiers of an exited process trap today (issue 18, part A):
    // only the adversarial profile exits such a process.
    let candidates = configuration.profile.afterExitPercent > 0 ? liveProcesses : liveProcesses.filter { !isWatched($0) }
    guard !candidates.isEmpty else { return }
    let process = random.pick(candidates)
    processes[process].alive = false
    emit(.exit(process: processes[process].name))
    if liveProcessCount == 0 { newProcess() }
  }
}
