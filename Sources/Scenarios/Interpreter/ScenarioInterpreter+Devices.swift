import DeviceMirror
import HMM
import MemoryModel

extension ScenarioInterpreter {
  /// Runs an HMM, device or dmirror command.
  func execute(_ command: DeviceCommand, into result: inout StepResult) throws(StepFailure) {
    switch command {
    case .hmm(let name, let range, let fault):
      let space = try process(name)
      let (start, end) = try pageRange(range)
      let flags: HMMPFN = fault == .none ? .none : fault == .read ? .requestFault : [.requestFault, .requestWrite]
      guard recordsOutput else {
        // The same walks, faults and retries; only the runs, which are text, are not gathered.
        _ = try hmmPieces(space, start, end, flags: flags) { _, _, _ in }
        return
      }
      let (runs, retries) = try hmmRuns(space, start, end, flags: flags)
      for run in runs {
        result.output.append("hmm \(describe(run.start, relativeTo: range.address)) \(SizeFormatter.string(run.size)) \(Self.describe(run, system.memory))")
      }
      if retries > 0 { result.output.append("retried \(retries) time(s)") }
    case .hmmPTEBatch(let name, let range, let fault):
      try withPTEBatchHint { () throws(StepFailure) in try execute(.hmm(process: name, range: range, fault: fault), into: &result) }
    case .notifierInsert(let name, let processName, let range):
      let space = try process(processName)
      let (start, end) = try pageRange(range)
      devices.notifiers[name.name]?.remove()
      devices.notifiers[name.name] = try hmmCall { () throws(HMMError) in
        try IntervalNotifier.insert(into: space, start: start, length: end - start, ops: SequenceOnlyOps())
      }
    case .notifierRemove(let name):
      guard let notifier = devices.notifiers.removeValue(forKey: name.name) else { throw Self.unknown("notifier", name) }
      notifier.remove()
    case .define(let definition):
      guard let policy = mappingPolicy(named: definition.policy) else { throw Self.unknown("policy", definition.name) }
      let sizes = DevicePageSizes(Set(definition.pages.compactMap { bytes in DevicePageSize.allCases.first { $0.bytes == bytes } }))
      var geometry: [DevicePageSize: DeviceTLB.Geometry]?
      if let tlb = definition.tlb {
        var custom: [DevicePageSize: DeviceTLB.Geometry] = [:]
        for size in sizes.sizes { custom[size] = DeviceTLB.Geometry(entries: tlb.entries, ways: tlb.ways) }
        geometry = custom
      }
      let device = Device(name: definition.name.name, ownerID: devices.owner(), pageSizes: sizes, policy: policy,
                          faultWindow: definition.window, tlbGeometry: geometry,
                          placement: Device.Placement(rawValue: definition.placement) ?? .system, deviceMemoryBytes: definition.memory)
      devices.devices[definition.name.name] = device
      if definition.hmmOrder == "pte-batch" { device.hmmOrderHint = .pteBatch }
      if recordsOutput { result.output.append("device \(device.name) pages=\(sizes) policy=\(policy.name) tlb=\(device.tlb.geometryDescription) window=\(SizeFormatter.string(device.faultWindow)) placement=\(device.placement.rawValue)") }
    case .mirror(let deviceName, let processName):
      let device = try self.device(deviceName)
      let space = try process(processName)
      try hmmCall { () throws(HMMError) in try device.mirror(space) }
      devices.watch(device, in: space)
    case .access(let deviceName, let range, let write, let pattern, let random, let seed):
      try deviceAccess(try device(deviceName), range, write: write, pattern: pattern, random: random, seed: seed, into: &result)
    case .snapshot(let deviceName, let range):
      let device = try self.device(deviceName)
      let (start, end) = try resolve(range)
      guard recordsOutput else { return }
      let mappings = device.deviceMappings.filter { $0.start < end && start < $0.end }
      if mappings.isEmpty { result.output.append("\(device.name): nothing mapped") }
      for mapping in mappings {
        result.output.append("\(device.name): \(describe(mapping.start, relativeTo: range.address)) \(mapping.size) pfn=\(mapping.pfn) \(mapping.isWritable ? "write" : "read")")
      }
    case .open(let name, let processName, let number):
      let space = try process(processName)
      let device = devices.dmirrorDevices[number] ?? DMirrorDevice(number: number, ownerID: devices.owner(), system: system)
      devices.dmirrorDevices[number] = device
      let file = try hmmCall { () throws(HMMError) in try DMirror(device: device, space: space) }
      devices.files[name.name] = file
      devices.watch(file, in: space)
      if recordsOutput { result.output.append("\(name) = open \(device.name) (\(device.memoryType == .devicePrivate ? "device-private" : "device-coherent"))") }
    case .stats:
      guard recordsOutput else { return }
      let names = devices.devices.keys.sorted()
      let rows: [(String, (Device) -> String)] = [
        ("policy", { $0.policy.name }), ("faults", { "\($0.counters.faults)" }), ("hmm calls", { "\($0.counters.hmmCalls)" }),
        ("entries walked", { "\($0.counters.entriesWalked)" }), ("retries", { "\($0.counters.busyRetries)" }),
        ("mapped 4K", { "\($0.pageTable.counts[.size4K] ?? 0)" }), ("mapped 64K", { "\($0.pageTable.counts[.size64K] ?? 0)" }),
        ("mapped 2M", { "\($0.pageTable.counts[.size2M] ?? 0)" }), ("mapped 1G", { "\($0.pageTable.counts[.size1G] ?? 0)" }),
        ("invalidations", { "\($0.counters.invalidations)" }), ("accesses", { "\($0.counters.accesses)" }),
        ("TLB hits", { "\($0.counters.tlbHits)" }), ("TLB misses", { "\($0.counters.tlbMisses)" }),
        ("walk steps", { "\($0.counters.walkSteps)" }), ("TLB reach", { SizeFormatter.string($0.tlb.reach) }),
      ]
      let width = max(12, names.map(\.count).max() ?? 0) + 2
      func pad(_ text: String, _ n: Int) -> String { text + String(repeating: " ", count: max(0, n - text.count)) }
      result.output.append(pad("", 16) + names.map { pad($0, width) }.joined())
      for (label, value) in rows {
        result.output.append(pad(label, 16) + names.map { pad(value(devices.devices[$0]!), width) }.joined())
      }
    case .openGUPTest(let name, let processName):
      devices.gupFiles[name.name] = GUPTestFile(process: processName.name, space: try process(processName))
      if recordsOutput { result.output.append("\(name) = open gup_test") }
    case .gupTest(let name, let test, let range, let write, let longterm, let pagesPerCall):
      try gupTest(name, test, range, write: write, longterm: longterm, pagesPerCall: pagesPerCall, into: &result)
    case .gupPin(let name, let range, let write, let fast):
      try gupPin(name, range, write: write, fast: fast, into: &result)
    case .gupUnpin(let name):
      try gupUnpin(name, into: &result)
    case .dmirror(let name, .close, _, _) where devices.gupFiles[name.name] != nil || devices.gupClosed.contains(name.name):
      try gupClose(name, into: &result)
    case .dmirror(let name, let operation, let range, let pattern):
      guard let file = devices.files[name.name] else { throw Self.unknown("dmirror file", name) }
      try ioctl(file, name.name, operation, range, pattern, into: &result)
    }
  }

  private func ioctl(_ file: DMirror, _ name: String, _ operation: DMirrorOperation, _ range: AddressRange?,
                     _ pattern: DataPattern?, into result: inout StepResult) throws(StepFailure) {
    var address = VirtualAddress(0)
    var pages: UInt64 = 0
    if let range {
      address = try resolve(range.address)
      pages = range.size / 4096
      guard range.size % 4096 == 0 else {
        throw StepFailure(error: CommandError(name: "EINVAL", errno: .EINVAL, reason: "dmirror ioctls take whole pages, not \(SizeFormatter.string(range.size))"))
      }
      // The sizes enter here: the bounce buffer and the caller's buffer hold a few bytes a page
      // (READ, WRITE, MIGRATE, EXCLUSIVE), SNAPSHOT one byte a page.
      let perPage = UInt64(operation == .snapshot ? 1 : 2 * MemoryLayout<PageData>.stride)
      let (bytes, overflow) = pages.multipliedReportingOverflow(by: perPage)
      if operation != .close && operation != .failAlloc && operation != .release && operation != .checkExclusive {
        try reserveHostMemory(overflow ? UInt64.max : bytes, for: "dmirror \(operation.rawValue) of \(SizeFormatter.string(range.size))")
      }
    }
    if let pattern {
      // The caller fills its buffer before the ioctl (`buffer=`, or a WRITE's `pattern=`).
      try reserveHostMemory(pages.multipliedReportingOverflow(by: UInt64(MemoryLayout<PageData>.stride)).partialValue, for: "a buffer of \(pages) pages")
      devices.buffers[name] = CallerBuffer(pattern: pattern, pages: pages)
    }
    let outcome: DMirrorCommandResult
    switch operation {
    case .read: outcome = file.read(address, pages: pages)
    case .write:
      outcome = file.write(address, pages: pages, pageData: (devices.buffers[name] ?? CallerBuffer()).prefix(pages: pages))
    case .snapshot: outcome = file.snapshot(address, pages: pages)
    case .migrate: outcome = file.migrateToDevice(address, pages: pages)
    case .migrateBack: outcome = file.migrateToSystem(address, pages: pages)
    case .exclusive: outcome = file.exclusive(address, pages: pages)
    case .checkExclusive: outcome = file.checkExclusive(address, pages: pages)
    case .release: outcome = file.release(address, pages: pages)
    case .failAlloc: outcome = file.setFlags(dmirrorFlagFailAlloc)
    case .close:
      file.close()
      devices.files[name] = nil
      devices.results[name] = IoctlOutcome(returnCode: 0, cpages: 0, faults: 0, data: [])
      if recordsOutput { result.output.append("\(name): close ret=0") }
      return
    }
    devices.results[name] = IoctlOutcome(outcome)
    if outcome.returnCode == 0 && (!outcome.pages.isEmpty || !outcome.bytes.isEmpty) {
      // copy_to_user(cmd->ptr, ...): the data lands at the start of the caller's buffer.
      var buffer = devices.buffers[name] ?? CallerBuffer()
      devices.buffers[name] = nil  // keep the pages uniquely referenced while they change
      if outcome.pages.isEmpty { buffer.copyOut(outcome.bytes) } else { buffer.copyOut(outcome.pages) }
      devices.buffers[name] = buffer
    }
    guard recordsOutput else { return }
    var line = "\(name): \(operation.rawValue) ret=\(outcome.returnCode == 0 ? "0" : "-\(outcome.errno?.name ?? "?")") cpages=\(outcome.cpages) faults=\(outcome.faults)"
    if operation == .snapshot, outcome.returnCode == 0 {
      line += " bytes=" + Self.compress(outcome.bytes)
    }
    result.output.append(line)
  }

  private func deviceAccess(_ device: Device, _ range: AddressRange, write: Bool, pattern: DataPattern?, random: Bool,
                            seed: UInt64, into result: inout StepResult) throws(StepFailure) {
    let (start, end) = try resolve(range)
    let origin = patternOrigin(range.address, resolved: start)
    if let pattern {
      // Page by page as `writePage`/`write` or `readPage`/`read` would go, one run of pages a
      // translation maps at a time (Device.accessPages).
      if !write && recordsOutput { result.expected = "data \(pattern)" }
      var bad: (offset: UInt64, actual: UInt8, expected: UInt8)?
      if start < end {
        guard let memory = device.mirroredSpace?.system.memory else { throw hmmFailure(.fault(start)) }
        let pages = Int((end - start.alignedDown(to: 4096) + 4095) >> 12)
        try hmmCall { () throws(HMMError) in
          try device.accessPages(from: start, pages: pages, write: write, needsMirror: true) { address, pfn, n in
            for i in 0..<n {
              let page = address.alignedDown(to: 4096) + UInt64(i) << 12
              let at = max(start, page)
              let count = Int(min(page + 4096, end) - at)
              let frame = pfn + UInt64(i)
              let whole = at == page && count == 4096 ? Self.pageData(of: pattern, offset: at - origin) : nil
              if write {
                if let whole {
                  memory.setPage(frame, whole)
                } else {
                  memory.write(frame, offset: Int(at.rawValue & 4095), bytes: Self.bytes(of: pattern, offset: at - origin, count: count))
                }
                continue
              }
              var bytes: [UInt8] = []
              if let whole {
                let data = memory.page(frame)
                if data.sameBytes(as: whole) { continue }
                bytes = data.expanded
              } else {
                memory.read(frame, offset: Int(at.rawValue & 4095), count: count, into: &bytes)
              }
              let expected = Self.bytes(of: pattern, offset: at - origin, count: count)
              // The first difference is the answer; the read goes on, as the same read without
              // `expect=` would (how the TLB groups the pages must not change what is read).
              if bad == nil, let k = bytes.indices.first(where: { bytes[$0] != expected[$0] }) {
                bad = ((at - start) + UInt64(k), bytes[k], expected[k])
              }
            }
            return n
          }
        }
      }
      guard !write else { return }
      if let bad {
        result.actual = "byte \(bad.offset) is 0x\(String(bad.actual, radix: 16)), not 0x\(String(bad.expected, radix: 16))"
        result.status = .failed
      } else {
        result.actual = result.expected
      }
      return
    }
    let pages = Int((end.alignedUp(to: 4096) - start.alignedDown(to: 4096)) >> 12)
    let first = start.alignedDown(to: 4096)
    if random {
      var state = seed
      for _ in 0..<pages {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let page = Int((state >> 33) % UInt64(pages))
        _ = try hmmCall { () throws(HMMError) in try device.access(first + UInt64(page) << 12, write: write) }
      }
    } else {
      try hmmCall { () throws(HMMError) in try device.touch(first, UInt64(pages) << 12, write: write) }
    }
  }

  /// Evaluates an HMM, device or dmirror expectation.
  func evaluate(_ expectation: DeviceExpectation, into result: inout StepResult) {
    do {
      try check(expectation, into: &result)
    } catch {
      result.status = .failed
      result.actual = error.error.description
    }
  }

  private func check(_ expectation: DeviceExpectation, into result: inout StepResult) throws(StepFailure) {
    switch expectation {
    case .hmm(let name, let range, let attributes):
      let space = try process(name)
      let (start, end) = try pageRange(range)
      result.expected = attributes.map(\.description).joined(separator: " ")
      result.actual = result.expected
      var failure: String?
      let memory = system.memory
      _ = try hmmPieces(space, start, end, flags: .none) { pieceStart, pfns, _ in
        guard failure == nil else { return }
        for (i, entry) in pfns.enumerated() {
          if let failed = attributes.first(where: { !Self.holds($0, entry, memory) }) {
            failure = "\(describe(pieceStart + UInt64(i) << 12, relativeTo: range.address)) is \(entry) (not \(failed))"
            break
          }
        }
      }
      if let failure {
        result.status = .failed
        result.actual = failure
      }
    case .hmmPTEBatch(let name, let range, let attributes):
      try withPTEBatchHint { () throws(StepFailure) in
        try check(.hmm(process: name, range: range, attributes: attributes), into: &result)
      }
    case .notifier(let name, let event, let comparison, let expected):
      guard let notifier = devices.notifiers[name.name] else { throw Self.unknown("notifier", name) }
      let actual = UInt64(notifier.invalidations(event.flatMap { InvalidationEvent(name: $0.rawValue) }))
      compare("notifier \(name) invalidations\(event.map { " event=\($0)" } ?? "")", actual, comparison, expected, into: &result)
    case .counter(let subject, let counter, let comparison, let expected):
      let actual = try counterValue(subject, counter)
      compare("\(subject) \(counter)", actual, comparison, expected, into: &result)
    case .mapping(let deviceName, let addressExpression, let size, let writable):
      let device = try self.device(deviceName)
      let address = try resolve(addressExpression)
      let mapping = device.pageTable.lookup(address)
      result.expected = size == 0 ? "none" : [size.map { SizeFormatter.string($0) }, writable.map { $0 ? "write" : "read" }].compactMap { $0 }.joined(separator: " ")
      result.actual = mapping.map { "\($0.size) \($0.isWritable ? "write" : "read")" } ?? "none"
      let holds: Bool
      if size == 0 {
        holds = mapping == nil
      } else if let mapping {
        holds = (size == nil || size == mapping.size.bytes) && (writable == nil || writable == mapping.isWritable)
      } else {
        holds = false
      }
      if !holds { result.status = .failed }
    case .result(let name, let error):
      let outcome = try lastResult(name)
      result.expected = "ret == \(error.map { "-\($0.rawValue)" } ?? "0")"
      result.actual = "ret == \(outcome.returnCode == 0 ? "0" : "-\(outcome.errno?.name ?? "\(outcome.returnCode)")")"
      let holds = error == nil ? outcome.returnCode == 0 : outcome.errno?.name == error?.rawValue
      if !holds { result.status = .failed }
    case .data(let name, let from, let to, let pattern):
      // The caller's buffer: what successful ioctls copied out, over what the caller put there.
      guard let data = devices.buffers[name.name] else {
        throw StepFailure(error: CommandError(name: "ENOENT", errno: .ENOENT, reason: "\(name) has no data: no ioctl copied any out and no buffer= was given"))
      }
      let end = min(to ?? UInt64(data.count), UInt64(data.count))
      result.expected = "data[\(from)..<\(to.map { "\($0)" } ?? "end")] == \(pattern)"
      guard from < end else {
        result.status = .failed
        result.actual = "no data in that range (the buffer holds \(data.count) bytes)"
        return
      }
      result.actual = result.expected
      // Page by page: a whole page compares as a pattern; partial pages byte by byte.
      var first: (offset: Int, actual: UInt8, expected: UInt8)?
      var differing = 0
      var offset = Int(from)
      while offset < Int(end) {
        let n = min(4096 - offset % 4096, Int(end) - offset)
        if n == 4096, let expectedPage = Self.pageData(of: pattern, offset: UInt64(offset)),
          data.page(offset / 4096).sameBytes(as: expectedPage) {
          offset += n
          continue
        }
        let expected = Self.bytes(of: pattern, offset: UInt64(offset), count: n)
        for i in 0..<n where data.byte(at: offset + i) != expected[i] {
          differing += 1
          if first == nil { first = (offset + i, data.byte(at: offset + i), expected[i]) }
        }
        offset += n
      }
      if let first {
        result.status = .failed
        result.actual = "\(differing) byte\(differing == 1 ? "" : "s") differ; first at offset \(first.offset): 0x\(String(first.actual, radix: 16)), not 0x\(String(first.expected, radix: 16))"
      }
    case .snapshotBytes(let name, let bytes, let all):
      let outcome = try lastResult(name)
      result.expected = all ? "all \(Self.hex(bytes[0]))" : bytes.map(Self.hex).joined(separator: " ")
      result.actual = Self.compress(outcome.data)
      let holds = all ? !outcome.data.isEmpty && outcome.data.allSatisfy { $0 == bytes[0] } : outcome.data == bytes
      if !holds { result.status = .failed }
    case .oracleViolations(let comparison, let expected):
      compare("oracle violations", UInt64(devices.violations.count), comparison, expected, into: &result)
    }
  }

  /// Runs the oracle after a step: violations fail the step unless the scenario set
  /// `system oracle=record`.
  func checkOracle(into result: inout StepResult) {
    let known = Set(devices.violations)
    let found = devices.oracle.check().filter { !known.contains($0) }
    guard !found.isEmpty else { return }
    devices.violations += found
    if recordsOutput { for violation in found { result.output.append("oracle: \(violation)") } }
    if !recordOracleViolations {
      result.violations += found.map(\.description)
      result.status = .failed
    }
  }

  private func compare(_ what: String, _ actual: UInt64, _ comparison: Expectation.Comparison, _ expected: UInt64,
                       into result: inout StepResult) {
    result.expected = "\(what) \(comparison) \(expected)"
    result.actual = "\(what) == \(actual)"
    if !comparison.holds(actual, expected) { result.status = .failed }
  }

  private func counterValue(_ subject: Identifier, _ counter: String) throws(StepFailure) -> UInt64 {
    if devices.gupFiles[subject.name] != nil || devices.gupClosed.contains(subject.name) {
      let outcome = try lastResult(subject)
      guard counter == "pages" else { throw Self.unknown("gup_test counter (pages)", Identifier(counter, at: subject.location)) }
      return outcome.cpages
    }
    if devices.files[subject.name] != nil || devices.results[subject.name] != nil || devices.buffers[subject.name] != nil {
      let outcome = try lastResult(subject)
      switch counter {
      case "cpages": return outcome.cpages
      case "faults": return outcome.faults
      default: throw Self.unknown("dmirror counter (cpages, faults)", Identifier(counter, at: subject.location))
      }
    }
    let device = try self.device(subject)
    if let value = device.counters.value(named: counter) { return UInt64(value) }
    switch counter {
    case "mappings": return UInt64(device.pageTable.mappingCount)
    case "mapped-bytes": return device.pageTable.mappedBytes
    case "tlb-reach": return device.tlb.reach
    case "pages-to-device": return UInt64(device.migration.pagesToDevice)
    case "pages-to-system": return UInt64(device.migration.pagesToSystem)
    default:
      for size in DevicePageSize.allCases where counter == "mapped-\(size)" { return UInt64(device.pageTable.counts[size] ?? 0) }
      throw Self.unknown("device counter (\(DeviceCounters.names.joined(separator: ", ")), mappings, mapped-4K/64K/2M/1G, mapped-bytes, tlb-reach, pages-to-device, pages-to-system)",
                         Identifier(counter, at: subject.location))
    }
  }

  private func lastResult(_ name: Identifier) throws(StepFailure) -> IoctlOutcome {
    guard let outcome = devices.results[name.name] else {
      throw StepFailure(error: CommandError(name: "ENOENT", errno: .ENOENT, reason: "\(name) has not run an ioctl yet"))
    }
    return outcome
  }

  private func device(_ name: Identifier) throws(StepFailure) -> Device {
    guard let device = devices.devices[name.name] else { throw Self.unknown("device", name) }
    return device
  }

  private func pageRange(_ range: AddressRange) throws(StepFailure) -> (VirtualAddress, VirtualAddress) {
    let (start, end) = try resolve(range)
    guard start.isAligned(to: 4096), end.isAligned(to: 4096), start < end else {
      throw StepFailure(error: CommandError(name: "EINVAL", errno: .EINVAL, reason: "HMM ranges are whole pages: \(range)"))
    }
    return (start, end)
  }

  func hmmCall<T>(_ body: () throws(HMMError) -> T) throws(StepFailure) -> T {
    do {
      return try body()
    } catch {
      throw hmmFailure(error)
    }
  }

  /// The step failure an `HMMError` gives (a session, which reads only the errno's name, gets
  /// no reason text).
  func hmmFailure(_ error: HMMError) -> StepFailure {
    StepFailure(error: CommandError(name: error.errno.name, errno: error.errno, reason: recordsOutput ? error.description : ""))
  }

  static func unknown(_ what: String, _ name: Identifier) -> StepFailure {
    StepFailure(error: CommandError(name: "ENOENT", errno: .ENOENT, reason: "unknown \(what) \(name)"))
  }

  static func holds(_ attribute: HMMAttribute, _ entry: HMMPFN, _ memory: PhysicalMemory) -> Bool {
    switch attribute {
    case .valid: entry.isValid
    case .readOnly: entry.isValid && !entry.isWritable
    case .writable: entry.isValid && entry.isWritable
    case .error: entry.isError
    case .none: !entry.isValid && !entry.isError
    case .zero: entry.isValid && memory.contains(entry.pfn) && memory.isZeroPage(entry.pfn)
    case .order(let order): entry.mapOrder == order
    }
  }

  static func describe(_ run: HMMRun, _ memory: PhysicalMemory) -> String {
    if run.flags.isError { return "error" }
    guard run.flags.isValid else { return run.order == 0 ? "none" : "none order=\(run.order)" }
    var text = run.flags.isWritable ? "valid write" : "valid read"
    text += " order=\(run.order) pfn=\(run.pfn)"
    if memory.contains(run.pfn) && memory.isZeroPage(run.pfn) { text += " zero" }
    if memory.isDeviceMemory(run.pfn) { text += " device" }
    return text
  }

  static func hex(_ byte: UInt8) -> String { "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16) }

  /// Snapshot bytes with runs compressed: `0x06*512 0x05*512`.
  static func compress(_ bytes: [UInt8]) -> String {
    var parts: [String] = []
    var i = 0
    while i < bytes.count {
      var n = 1
      while i + n < bytes.count && bytes[i + n] == bytes[i] { n += 1 }
      parts.append(n == 1 ? hex(bytes[i]) : "\(hex(bytes[i]))*\(n)")
      i += n
    }
    return parts.joined(separator: " ")
  }

  /// The first offset where `data[from...]` differs from `expected`, and how many bytes differ;
  /// nil when they agree. Compares eight bytes at a time (this runs on megabytes in debug builds).
  static func firstDifference(_ data: [UInt8], from: Int, _ expected: [UInt8]) -> (offset: Int, count: Int)? {
    data.withUnsafeBytes { actualBytes in
      expected.withUnsafeBytes { expectedBytes in
        let count = expected.count
        var first: Int?
        var differing = 0
        var i = 0
        while i + 8 <= count {
          let a = actualBytes.loadUnaligned(fromByteOffset: from + i, as: UInt64.self)
          let b = expectedBytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
          if a != b {
            for k in i..<(i + 8) where actualBytes[from + k] != expectedBytes[k] {
              differing += 1
              if first == nil { first = from + k }
            }
          }
          i += 8
        }
        while i < count {
          if actualBytes[from + i] != expectedBytes[i] {
            differing += 1
            if first == nil { first = from + i }
          }
          i += 1
        }
        return first.map { ($0, differing) }
      }
    }
  }
}
