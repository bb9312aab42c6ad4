import MemoryModel

extension ScenarioInterpreter {
  /// Runs one command (not an expectation) against the machine.
  ///
  /// - Throws: ``StepFailure`` when the model refuses the command.
  func execute(_ command: Command, into result: inout StepResult) throws(StepFailure) {
    switch command {
    case .process(let name):
      let space = try syscall { () throws(SyscallError) in try system.createProcess(name: name.name) }
      processes[name.name] = space
      subscribe(space, as: name.name)
      if recordsOutput { result.output.append("pid \(space.pid)") }
    case .file(let definition):
      let kind: File.Kind = definition.hugetlb != nil ? .hugetlb : definition.shmem ? .shmem : .regular
      let file = system.createFile(
        name: definition.name.name, kind: kind, size: definition.size, largeFolios: definition.huge,
        hugetlbPageSize: definition.hugetlb.map(Self.pageSize))
      files[definition.name.name] = file
    case .fileWrite(let write):
      try writeFile(write)
    case .system(let settings):
      for setting in settings { try apply(setting, into: &result) }
    case .split:
      let count = system.processDeferredSplitQueue()
      if recordsOutput { result.output.append("split \(count) folio\(count == 1 ? "" : "s")") }
    case .mmap(let mmap):
      try map(mmap, into: &result)
    case .munmap(let name, let range):
      let space = try process(name)
      let start = try resolve(range.address)
      try syscall { () throws(SyscallError) in try space.munmap(start, range.size) }
    case .mprotect(let name, let range, let protection):
      let space = try process(name)
      let start = try resolve(range.address)
      try syscall { () throws(SyscallError) in try space.mprotect(start, range.size, protection.model) }
    case .madvise(let name, let range, let advice):
      let space = try process(name)
      let start = try resolve(range.address)
      let modelAdvice = advice.model
      try syscall { () throws(SyscallError) in try space.madvise(start, range.size, modelAdvice) }
    case .mremap(let mremap):
      let space = try process(mremap.process)
      let start = try resolve(mremap.range.address)
      let fixed = try mremap.fixedAddress.map { (expression) throws(StepFailure) in try resolve(expression) }
      let address = try syscall { () throws(SyscallError) in
        try space.mremap(
          start, oldSize: mremap.range.size, newSize: mremap.newSize,
          mayMove: mremap.mayMove, fixedAddress: fixed, dontUnmap: mremap.dontUnmap)
      }
      if let name = mremap.name {
        regions[name.name] = address
        if recordsOutput { result.output.append("\(name) = \(address)") }
      } else if address != start {
        if recordsOutput { result.output.append("moved to \(address)") }
      }
    case .fork(let parent, let child):
      let space = try process(parent)
      let forked = try syscall { () throws(SyscallError) in try space.fork(childName: child.name) }
      processes[child.name] = forked
      subscribe(forked, as: child.name)
      processControl.parents[child.name] = parent.name
      if recordsOutput { result.output.append("pid \(forked.pid)") }
    case .exit(let name):
      try end(name, status: .exited(0))
    case .kill(let name, let target, let signal):
      try kill(name, target, signal)
    case .waitpid(let name, let child):
      try waitpid(name, child, into: &result)
    case .read(let access):
      try read(access, into: &result)
    case .write(let access):
      try write(access)
    case .collapse(let name, let range):
      try collapse(name, range, into: &result)
    case .snapshot(let name, let range):
      let space = try process(name)
      let (start, end) = try resolve(range)
      result.snapshot = space.snapshot(start, end)
      if let region = range.address.region, let base = regions[region.name] {
        result.snapshotBase = (region.name, base)
      }
    case .expect:
      break
    case .device(let command):
      try execute(command, into: &result)
    }
  }

  /// Runs a model call that throws ``MemoryModel/SyscallError``, turning its error into a
  /// step failure.
  func syscall<T>(_ body: () throws(SyscallError) -> T) throws(StepFailure) -> T {
    do {
      return try body()
    } catch {
      throw StepFailure(error: CommandError(error))
    }
  }

  /// Runs a CPU access that throws ``MemoryModel/FaultError``, turning its error into a step
  /// failure.
  func fault<T>(_ body: () throws(FaultError) -> T) throws(StepFailure) -> T {
    do {
      return try body()
    } catch {
      throw StepFailure(error: commandError(error))
    }
  }

  private func apply(_ setting: Command.SystemSetting, into result: inout StepResult) throws(StepFailure) {
    switch setting {
    case .thp(let mode):
      switch mode {
      case .always: setTHP(.always)
      case .madvise: setTHP(.madvise)
      case .never: setTHP(.never)
      }
    case .mthp(let order, let mode):
      setMTHP(order: order, mode)
    case .memory(let bytes):
      setMemory(bytes)
    case .oracle(let record):
      recordOracleViolations = record
    case .fragment(let percent):
      let taken = system.memory.fragment(percent: Int(percent))
      if recordsOutput { result.output.append("fragmented: \(taken) frames taken") }
    case .hugetlbPages(let size, let count):
      let total = system.setHugetlbPool(Self.pageSize(size), count: Int(count))
      if recordsOutput { result.output.append("hugetlb \(size) pool: \(total) pages") }
      if total < Int(count) {
        throw StepFailure(
          error: CommandError(
            name: "ENOMEM", errno: .ENOMEM,
            reason: "the \(size) hugetlb pool grew to \(total) of \(count) pages"))
      }
    }
  }

  private func map(_ mmap: Command.Mmap, into result: inout StepResult) throws(StepFailure) {
    let space = try process(mmap.process)
    var request = AddressSpace.MapRequest(
      length: mmap.size, protection: mmap.protection.model, shared: mmap.shared)
    var driverPages = false
    if case .file(let name, let offset) = mmap.backing {
      if files[name.name] == nil, devices.files[name.name] != nil || devices.results[name.name] != nil {
        // The dmirror device file (`dmirror_fops_mmap`): a VM_MIXEDMAP VMA that the driver fills
        // with zeroed pages (`vm_insert_page`). Modelled as private anonymous memory.
        guard devices.files[name.name] != nil else {
          throw StepFailure(error: CommandError(name: "EBADF", errno: Errno(rawValue: 9), reason: "\(name) is closed"))
        }
        guard !mmap.shared, offset == 0, mmap.hugetlb == nil else {
          throw StepFailure(error: CommandError(name: "EINVAL", errno: .EINVAL, reason: "only private mappings of a dmirror file at offset 0 are modelled"))
        }
        request.extraFlags = [.mixedmap]
        driverPages = true
      } else {
        guard let file = files[name.name] else {
          throw StepFailure(error: CommandError(name: "ENOENT", errno: .ENOENT, reason: "no file \(name)"))
        }
        request.file = file
        request.offset = offset
      }
    }
    if let address = mmap.address { request.fixedAddress = try resolve(address) }
    if let alignment = mmap.alignment {
      // The model's request uses 0 for "no alignment asked"; `align=0` is not a power of two.
      guard alignment != 0 else {
        throw StepFailure(error: CommandError(name: "EINVAL", errno: .EINVAL, reason: "alignment 0 is not a power of two"))
      }
      request.alignment = alignment
    }
    if let size = mmap.hugetlb { request.hugetlbPageSize = Self.pageSize(size) }
    let address = try syscall { () throws(SyscallError) in try space.mmap(request) }
    if driverPages {
      try syscall { () throws(SyscallError) in try space.insertDriverPages(address, VirtualAddress(mmap.size).alignedUp(to: 4096).rawValue) }
    }
    regions[mmap.name.name] = address
    if recordsOutput { result.output.append("\(mmap.name) = \(address)") }
  }

  /// The data of `pattern` for `count` bytes starting `offset` bytes past its origin.
  ///
  /// - Complexity: O(`count`), one step per 4-byte word.
  static func bytes(of pattern: DataPattern, offset: UInt64, count: Int) -> [UInt8] {
    if case .byte(let value) = pattern { return [UInt8](repeating: value, count: count) }
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBufferPointer { buffer in
      var i = 0
      // A leading partial word, byte by byte.
      while i < count && (offset &+ UInt64(i)) % 4 != 0 {
        buffer[i] = pattern.byte(at: offset &+ UInt64(i))
        i += 1
      }
      var word = UInt32(truncatingIfNeeded: (offset &+ UInt64(i)) / 4)
      let negate = pattern == .negatedIndex
      var shift: UInt32 = 0
      if case .shiftedIndex(let value) = pattern { shift = value }
      if i % 4 == 0, let base = buffer.baseAddress {
        // Whole words at 4-byte aligned addresses (array storage is aligned): one store each.
        let words = (count - i) / 4
        let pointer = UnsafeMutableRawPointer(base + i).bindMemory(to: UInt32.self, capacity: words)
        for k in 0..<words {
          pointer[k] = (negate ? 0 &- word : word &+ shift).littleEndian
          word &+= 1
        }
        i += words * 4
      }
      while i + 4 <= count {
        let value = negate ? 0 &- word : word &+ shift
        buffer[i] = UInt8(truncatingIfNeeded: value)
        buffer[i + 1] = UInt8(truncatingIfNeeded: value >> 8)
        buffer[i + 2] = UInt8(truncatingIfNeeded: value >> 16)
        buffer[i + 3] = UInt8(truncatingIfNeeded: value >> 24)
        word &+= 1
        i += 4
      }
      while i < count {
        buffer[i] = pattern.byte(at: offset &+ UInt64(i))
        i += 1
      }
    }
    return bytes
  }

  /// The chunk size for data accesses: one page at a time, so that no large buffer is built.
  private static let chunk: UInt64 = 4096

  private func write(_ access: Command.Access) throws(StepFailure) {
    let space = try process(access.process)
    let (start, end, reachesTop) = try resolveAccess(access.range)
    guard let pattern = access.pattern else {
      try fault { () throws(FaultError) in try space.touch(start, access.range.size, write: true) }
      return
    }
    let origin = patternOrigin(access.range.address, resolved: start)
    try Self.forEachPiece(start, end, origin: origin, pattern: pattern) { (at, count, page) throws(StepFailure) in
      if let page {
        try fault { () throws(FaultError) in try space.writePage(at, page) }
      } else {
        let data = Self.bytes(of: pattern, offset: at - origin, count: count)
        try fault { () throws(FaultError) in try space.write(at, bytes: data) }
      }
      return true
    }
    // The last byte of a range that ends at 2^64 (nothing can be mapped there).
    if reachesTop { try fault { () throws(FaultError) in try space.touch(VirtualAddress(UInt64.max), 1, write: true) } }
  }

  private func read(_ access: Command.Access, into result: inout StepResult) throws(StepFailure) {
    let space = try process(access.process)
    let (start, end, reachesTop) = try resolveAccess(access.range)
    guard let pattern = access.pattern else {
      try fault { () throws(FaultError) in try space.touch(start, access.range.size, write: false) }
      return
    }
    let origin = patternOrigin(access.range.address, resolved: start)
    var mismatch: (VirtualAddress, UInt8, UInt8)?
    var mismatches: UInt64 = 0
    try Self.forEachPiece(start, end, origin: origin, pattern: pattern) { (at, count, expectedPage) throws(StepFailure) in
      let data: [UInt8]
      if let expectedPage {
        let page = try fault { () throws(FaultError) in try space.readPage(at) }
        if page.sameBytes(as: expectedPage) { return true }
        data = page.expanded
      } else {
        data = try fault { () throws(FaultError) in try space.read(at, count: count) }
      }
      let expected = Self.bytes(of: pattern, offset: at - origin, count: count)
      if data.count != expected.count || Self.firstDifference(data, from: 0, expected) != nil {
        for i in 0..<min(data.count, expected.count) where data[i] != expected[i] {
          mismatches += 1
          if mismatch == nil { mismatch = (at + UInt64(i), expected[i], data[i]) }
        }
      }
      return true
    }
    // The last byte of a range that ends at 2^64 (nothing can be mapped there).
    if reachesTop { try fault { () throws(FaultError) in try space.touch(VirtualAddress(UInt64.max), 1, write: false) } }
    // (A session reads only the status: no text for it.)
    if !recordsOutput {
      if mismatch != nil { result.status = .failed }
      return
    }
    result.expected = "\(SizeFormatter.string(access.range.size)) of pattern \(pattern)"
    if let (address, expected, actual) = mismatch {
      result.status = .failed
      result.actual =
        "\(mismatches) byte\(mismatches == 1 ? "" : "s") differ; first at \(describe(address, relativeTo: access.range.address)): expected \(Self.hexByte(expected)), found \(Self.hexByte(actual))"
    } else {
      result.actual = result.expected
    }
  }

  private func writeFile(_ write: Command.FileWrite) throws(StepFailure) {
    guard let file = files[write.file.name] else {
      throw StepFailure(error: CommandError(name: "ENOENT", errno: .ENOENT, reason: "no file \(write.file)"))
    }
    guard file.kind != .hugetlb else {
      // hugetlbfs files have no write method: vfs_write() refuses them.
      throw StepFailure(error: CommandError(name: "EINVAL", errno: .EINVAL, reason: "pwrite: hugetlbfs file \(file.name) cannot be written; map it and write through the mapping"))
    }
    let (end, overflow) = write.offset.addingReportingOverflow(write.size)
    // rw_verify_area(): an offset or an end past 2^63 - 1 (a negative loff_t) is EINVAL. Below
    // that, no write reaches MAX_LFS_FILESIZE (2^63 - 1 on 64-bit), so EFBIG cannot happen.
    if overflow || end > ScenarioParser.maximumFileSize {
      throw StepFailure(
        error: CommandError(
          name: "EINVAL", errno: .EINVAL, reason: "pwrite: offset \(write.offset) plus \(write.size) bytes passes 2^63 - 1 (loff_t overflows)"))
    }
    var cursor = write.offset
    let pattern = write.pattern ?? .byte(0)
    while cursor < end {
      let count = Int(min(Self.chunk - cursor % Self.chunk, end - cursor))
      let at = cursor
      if count == 4096, let page = Self.pageData(of: pattern, offset: cursor) {
        try syscall { () throws(SyscallError) in try system.writePage(file, index: at >> 12, page) }
      } else {
        let data = Self.bytes(of: pattern, offset: cursor, count: count)
        try syscall { () throws(SyscallError) in try system.write(file, offset: at, bytes: data) }
      }
      cursor += UInt64(count)
    }
  }

  private func collapse(_ name: Identifier, _ range: AddressRange, into result: inout StepResult) throws(StepFailure) {
    let space = try process(name)
    let (start, end) = try resolve(range)
    let huge = PageSize.size2M.bytes
    var firstFailure: CommandError?
    var chunks = 0
    // Only the 2M ranges inside VMAs: khugepaged scans VMAs, and holes hold nothing to collapse
    // (this also keeps a huge requested range from costing one step per 2M of address space).
    for vma in space.vmas where vma.end > start && vma.start < end {
      // Chunks without a page table are summarised: one line for each run of them.
      space.collapseChunks(max(start, vma.start).alignedUp(to: huge), min(end, vma.end), byKhugepaged: true) { address, count, outcome in
        chunks += 1
        // (A session reads only the first failure's name: no text for it.)
        guard recordsOutput else {
          if case .failed(let scan, _) = outcome, firstFailure == nil {
            firstFailure = CommandError(name: scan.errno.name, errno: scan.errno, reason: "")
          }
          return
        }
        var at = describe(address, relativeTo: range.address)
        if count > 1 { at += " (\(count) x 2M)" }
        switch outcome {
        case .collapsed: result.output.append("\(at): collapsed")
        case .alreadyPMDMapped: result.output.append("\(at): already PMD-mapped")
        case .failed(let scan, let detail):
          let reason = "\(detail) (\(scan.rawValue))"
          result.output.append("\(at): failed: \(scan.errno): \(reason)")
          if firstFailure == nil { firstFailure = CommandError(name: scan.errno.name, errno: scan.errno, reason: reason) }
        }
      }
    }
    if chunks == 0 {
      throw StepFailure(
        error: CommandError(name: "EINVAL", errno: .EINVAL, reason: "\(range) holds no aligned 2M range inside a VMA"))
    }
    if let firstFailure { throw StepFailure(error: firstFailure) }
  }

  /// `0xAB`.
  static func hexByte(_ byte: UInt8) -> String {
    "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
  }


  /// The model's page size for a hugetlb size.
  static func pageSize(_ size: Command.HugePageSize) -> PageSize {
    switch size {
    case .size2M: .size2M
    case .size1G: .size1G
    }
  }

}
