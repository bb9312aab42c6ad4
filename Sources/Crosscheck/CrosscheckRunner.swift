import LiveLinux
import MemoryModel
import Scenarios

/// Runs one crosscheck (internal; ``Crosscheck/run(_:options:)`` is the entry point): every
/// statement of the scenario in the model and, in lockstep, in real helper processes; after each
/// step both sides are read and compared page by page.
final class CrosscheckRunner {
  /// A process of the scenario: its model address space and the slot of its real helper.
  struct Process {
    var space: AddressSpace
    var slot: Int
  }

  let file: String
  let statements: [CrosscheckStatement]
  let window: CrosscheckWindow
  let real: RealProcessGroup
  let kernelTHP: MemorySystem.THPMode?
  let kernelRelease: String?

  private var machine: MemorySystem?
  private var memoryBytes: UInt64 = 4 << 30
  var processes: [String: Process] = [:]
  /// Process names in creation order (live and exited).
  var creationOrder: [String] = []
  /// Region names and their model start addresses.
  var regions: [String: UInt64] = [:]
  /// Set once a step made the model and the kernel diverge for good: the line and the reason.
  private var divergence: (line: Int, text: String, reason: String)?
  /// Whether any process forked (PTE-mapped large folios' writability is then only inferred).
  var forkHappened = false
  /// Background activity seen so far: the attributes it can change, and what was seen.
  var backgroundSeen: [(attributes: Set<CrosscheckAttribute>, text: String)] = []
  var notes: [String] = []
  /// The machine settings this run changed (the hugetlb pool), restored at the end.
  var settings: KernelSettingsGuard?
  /// Whether this run set shmem_enabled=within_size for a `huge` file (it applies to every
  /// shmem object for real, shared anonymous memory included).
  var shmemWithinSize = false
  /// Whether this run mapped shared anonymous memory (which shmem_enabled=within_size would
  /// affect for real from then on).
  var sharedAnonymousMapped = false
  /// The kernel's hugetlb pools (by page size in bytes) before this run changed them.
  var hugetlbOriginal: [UInt64: UInt64] = [:]
  /// The scenario's files: the model's, and the controller's memfd for real.
  var files: [String: (model: File, descriptor: Int32)] = [:]
  /// The descriptors each helper slot has opened for the files, by file name.
  var helperFiles: [Int: [String: Int32]] = [:]
  /// The helpers' faults during the current step (``ask(_:_:_:)`` adds them up; nil once a
  /// request was not counted).
  private var stepKernelFaults: UInt64? = 0
  /// The differences of the previous compared step, with the line each first appeared on.
  var previousDifferences: [(item: CrosscheckDisagreement, first: Int)] = []

  init(scenario: Scenario, window: CrosscheckWindow, real: RealProcessGroup,
       kernelTHP: MemorySystem.THPMode?, kernelRelease: String?) {
    self.file = scenario.file
    self.statements = CrosscheckStatement.statements(of: scenario)
    self.window = window
    self.real = real
    self.kernelTHP = kernelTHP
    self.kernelRelease = kernelRelease
  }

  /// The model machine, created on first use with the kernel's THP mode.
  var system: MemorySystem {
    if let machine { return machine }
    var settings = MemorySystem.Settings()
    settings.thp = kernelTHP ?? .madvise
    settings.mthp = Self.kernelMTHPSettings()
    let created = MemorySystem(memoryBytes: memoryBytes, settings: settings)
    machine = created
    return created
  }

  /// Runs every statement and returns the report.
  func run() -> CrosscheckReport {
    var steps: [CrosscheckStep] = []
    if let mode = kernelTHP, mode != .madvise {
      notes.append("the kernel's THP mode is '\(mode.rawValue)': the model runs with it too (scenarios assume 'madvise')")
    }
    for statement in statements {
      steps.append(step(statement))
    }
    real.reset()
    closeFiles()
    settings?.restore()
    settings = nil
    machine?.shutdown()
    return CrosscheckReport(file: file, kernelRelease: kernelRelease, thpMode: kernelTHP?.rawValue,
                            window: window, steps: steps, notes: notes)
  }

  /// Stops comparing from `statement` on.
  func diverge(_ statement: CrosscheckStatement, _ reason: String) {
    if divergence == nil { divergence = (statement.line, statement.text, reason) }
  }

  private func step(_ statement: CrosscheckStatement) -> CrosscheckStep {
    var result = CrosscheckStep(line: statement.line, text: statement.text, status: .agreed)
    switch statement.operation {
    case .expectation:
      result.status = .modelOnly("an expectation about the model (hmmkit run checks it)")
      return result
    case .modelOnly(let keyword):
      result.status = .modelOnly("'\(keyword)' changes nothing a process maps")
      return result
    case .device(let keyword, false):
      result.status = .modelOnly("'\(keyword)': devices are the model's only (there is no real device); it leaves the CPU page tables alone")
      return result
    default:
      break
    }
    if let divergence {
      result.status = .notCompared("line \(divergence.line) (\(divergence.text)) made the model and the kernel diverge: \(divergence.reason)")
      return result
    }
    let before = BackgroundCounters.read()
    stepKernelFaults = 0
    let modelFaultsBefore = machine?.events.pageFaults ?? 0
    do {
      guard try execute(statement, into: &result) else { return result }
      result.modelFaults = (machine?.events.pageFaults ?? 0) - modelFaultsBefore
      result.kernelFaults = stepKernelFaults.map { Int($0) }
    } catch {
      result.status = .notCompared("the real side failed: \(error)")
      diverge(statement, "the real side failed: \(error)")
      return result
    }
    if let model = result.model, let kernel = result.kernel, !Self.outcomesAgree(model, kernel, statement.operation) {
      result.disagreements.append(
        CrosscheckDisagreement(line: statement.line, step: statement.text, process: statement.operation.processName ?? "-",
                               start: 0, end: 0, realStart: 0, location: "outcome", attribute: .outcome,
                               model: model, kernel: kernel))
    }
    if let model = result.modelFaults, let kernel = result.kernelFaults, model != kernel,
      let reason = Self.faultsNotExact(statement.operation, result) {
      result.notes.append("faults not compared (model \(model), kernel \(kernel)): \(reason)")
    } else if let model = result.modelFaults, let kernel = result.kernelFaults, model != kernel {
      let seen = backgroundSeen.filter { $0.attributes.contains(.faults) }.map(\.text)
      result.disagreements.append(
        CrosscheckDisagreement(line: statement.line, step: statement.text, process: statement.operation.processName ?? "-",
                               start: 0, end: 0, realStart: 0, location: "faults", attribute: .faults,
                               model: "\(model)", kernel: "\(kernel)", background: seen.isEmpty ? nil : seen.joined(separator: "; ")))
    }
    do {
      try compare(statement, into: &result, backgroundBefore: before)
    } catch {
      result.status = .notCompared("the real process could not be read: \(error)")
      diverge(statement, "the real process could not be read: \(error)")
      return result
    }
    // A difference persists when an earlier step had the same one over a range that contains it.
    var seen: [(item: CrosscheckDisagreement, first: Int)] = []
    for index in result.disagreements.indices {
      let item = result.disagreements[index]
      let earlier = item.attribute.isStepLevel
        ? nil : previousDifferences.first { $0.item.sameKind(as: item) && $0.item.start <= item.start && item.end <= $0.item.end }
      if let earlier { result.disagreements[index].since = earlier.first }
      seen.append((item, earlier?.first ?? statement.line))
    }
    previousDifferences = seen
    if !result.countedDisagreements.isEmpty {
      result.status = .disagreed
    } else if result.disagreements.contains(where: { $0.since == nil }) {
      result.status = .background
    } else if !result.disagreements.isEmpty {
      result.status = .persisting
    } else {
      result.status = .agreed
    }
    return result
  }

  /// Whether a model outcome and a real one mean the same: equal, or both a failed access
  /// (`SIGSEGV`/`SIGBUS` in the model; `MADV_POPULATE_*` fails with `EFAULT`, or `ENOMEM` over
  /// a hole, where a CPU access would get the signal).
  static func outcomesAgree(_ model: String, _ kernel: String, _ operation: CrosscheckOperation) -> Bool {
    if model == kernel { return true }
    if case .access = operation {
      let modelFault = model == "SIGSEGV" || model == "SIGBUS"
      let kernelFault = kernel.hasPrefix("SIGSEGV/SIGBUS")
      return modelFault && kernelFault
    }
    return false
  }

  // MARK: Names

  /// The model address an address expression denotes, if its region is known.
  func resolve(_ address: AddressExpression) -> UInt64? {
    switch address.base {
    case .region(let name):
      guard let start = regions[name.name] else { return nil }
      return start &+ address.offset
    case .literal(let value):
      return value &+ address.offset
    }
  }

  /// `buf+1M`: a model address relative to the nearest region at or below it, or hex.
  func describe(_ address: UInt64) -> String {
    let candidates = regions.filter { $0.value <= address }
    guard let nearest = candidates.max(by: { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }) else {
      return "0x" + String(address, radix: 16)
    }
    let offset = address - nearest.value
    return offset == 0 ? nearest.key : "\(nearest.key)+\(formatSize(offset))"
  }

  /// `buf+1M..buf+2M (1M)`.
  func describe(_ start: UInt64, _ end: UInt64) -> String {
    let from = describe(start)
    var to = "0x" + String(end, radix: 16)
    if let base = from.split(separator: "+").first, let origin = regions[String(base)], end >= origin {
      to = end == origin ? String(base) : "\(base)+\(formatSize(end - origin))"
    }
    return "\(from)..\(to) (\(formatSize(end - start)))"
  }

  // MARK: Executing a step

  /// Runs the statement in the model and for real. Returns false when the step is finished
  /// without a comparison (its status set).
  private func execute(_ statement: CrosscheckStatement, into result: inout CrosscheckStep) throws(RealProcessError) -> Bool {
    switch statement.operation {
    case .expectation, .modelOnly:
      return false
    case .device(let keyword, _):
      result.status = .notCompared("'\(keyword)' changes the CPU page tables through HMM in the model; there is no real device")
      diverge(statement, "a device changed the model's CPU page tables")
      return false
    case .system(let thp, let memory, let fragment, let hugetlb2M, let hugetlb1G, let mthp):
      var reasons: [String] = []
      if let memory {
        memoryBytes = memory
        reasons.append("memory= sizes the model's machine")
      }
      if let count = hugetlb2M {
        guard try setHugetlbPool(.size2M, count, statement, &result) else { return false }
        reasons.append("the 2M hugetlb pool holds \(count) more pages for real (restored afterwards)")
      }
      if let count = hugetlb1G {
        guard try setHugetlbPool(.size1G, count, statement, &result) else { return false }
        reasons.append("the 1G hugetlb pool holds \(count) more pages for real (restored afterwards)")
      }
      if !mthp.isEmpty {
        guard setMTHP(mthp, statement, &result) else { return false }
        reasons.append(mthp.keys.sorted().map { "\(MTHPSettings.directoryName(order: $0))=\(mthp[$0]!)" }.joined(separator: ", ") + " for real too (restored afterwards)")
      }
      if let fragment {
        _ = system.memory.fragment(percent: Int(fragment))
        result.status = .notCompared("fragment= has no real counterpart (the kernel compacts memory)")
        diverge(statement, "the model's memory is fragmented, the kernel's is not")
        return false
      }
      if let thp {
        let mode = MemorySystem.THPMode(rawValue: thp) ?? .madvise
        system.settings.thp = mode
        if mode != kernelTHP {
          result.status = .notCompared("a crosscheck does not change the kernel's THP mode ('\(kernelTHP?.rawValue ?? "none")')")
          diverge(statement, "the model's THP mode is '\(thp)', the kernel's '\(kernelTHP?.rawValue ?? "none")'")
          return false
        }
        reasons.append("thp=\(thp) is the kernel's mode already")
      }
      result.status = .modelOnly(reasons.joined(separator: "; "))
      return false
    case .khugepagedCollapse:
      result.status = .notCompared("khugepaged's collapse runs in the background in the kernel, when its scan reaches the range (every scan_sleep_millisecs); its timing cannot be reproduced")
      diverge(statement, "khugepaged collapse (background)")
      return false
    case .deferredSplit:
      result.status = .notCompared("the kernel runs the deferred-split shrinker only under memory pressure (background)")
      diverge(statement, "the deferred-split queue was processed in the model only")
      return false
    case .file(let name, let size, let shmem, let huge, let hugetlb):
      return try defineFile(statement, name, size, shmem: shmem, huge: huge, hugetlb: hugetlb, &result)
    case .fileWrite(let name, let offset, let size):
      return try writeFile(statement, name, offset, size, &result)
    case .mmapHugetlb(let name, let region, let size, let protection, let shared, let pageSize, let alignment, let fixed):
      return try mmap(statement, name, region, size, protection, shared, alignment, fixed, &result,
                      hugetlb: pageSize == PageSize.size1G.bytes ? .size1G : .size2M)
    case .mmapFile(let name, let region, let file, let offset, let size, let protection, let shared, let alignment, let fixed):
      return try mmapFile(statement, name, region, file, offset, size, protection, shared, alignment, fixed, &result)
    case .unreproducibleMmap(_, let name, let reason):
      result.status = .notCompared("\(name): \(reason)")
      diverge(statement, reason)
      return false
    case .process(let name):
      let space: AddressSpace
      do {
        space = try system.createProcess(name: name)
      } catch {
        result.status = .notCompared("the model could not create the process: \(error)")
        diverge(statement, "no model process")
        return false
      }
      let slot = try real.spawn()
      processes[name] = Process(space: space, slot: slot)
      creationOrder.append(name)
      result.model = "ok"
      result.kernel = "ok"
      result.notes.append("\(name) is pid \(real.pids[slot] ?? 0)")
      return true
    case .fork(let parent, let child):
      guard let process = processes[parent] else { return unknown(parent, &result) }
      let forked: AddressSpace
      do {
        forked = try process.space.fork(childName: child)
      } catch {
        result.status = .notCompared("the model's fork failed: \(error)")
        diverge(statement, "fork failed in the model")
        return false
      }
      let slot = try real.fork(process.slot)
      helperFiles[slot] = helperFiles[process.slot]
      processes[child] = Process(space: forked, slot: slot)
      creationOrder.append(child)
      forkHappened = true
      result.model = "ok"
      result.kernel = "ok"
      result.notes.append("\(child) is pid \(real.pids[slot] ?? 0)")
      return true
    case .exit(let name):
      guard let process = processes[name] else { return unknown(name, &result) }
      process.space.exit()
      try real.exit(process.slot)
      processes[name] = nil
      result.model = "ok"
      result.kernel = "ok"
      return true
    case .snapshot(let name, _, _):
      guard processes[name] != nil else { return unknown(name, &result) }
      return true
    case .mmap(let name, let region, let size, let protection, let shared, let alignment, let fixed):
      return try mmap(statement, name, region, size, protection, shared, alignment, fixed, &result)
    case .munmap(let name, let address, let size):
      return try simple(statement, name, address, size, &result, model: { (space, start) throws(SyscallError) in
        try space.munmap(VirtualAddress(start), size)
      }, real: { slot, start in (.munmap, [start, size]) })
    case .mprotect(let name, let address, let size, let protection):
      return try simple(statement, name, address, size, &result, model: { (space, start) throws(SyscallError) in
        try space.mprotect(VirtualAddress(start), size, protection)
      }, real: { slot, start in (.mprotect, [start, size, UInt64(Self.prot(protection))]) })
    case .madvise(let name, let address, let size, let advice):
      return try simple(statement, name, address, size, &result, model: { (space, start) throws(SyscallError) in
        try space.madvise(VirtualAddress(start), size, advice)
      }, real: { slot, start in (.madvise, [start, size, UInt64(Self.adviceNumber(advice))]) })
    case .access(let name, let address, let size, let write, let stores):
      guard let process = processes[name] else { return unknown(name, &result) }
      guard let start = resolve(address) else { return unknownRegion(address, &result) }
      do {
        try process.space.touch(VirtualAddress(start), size, write: write)
        if write && stores && size > 0 {
          // A write without a pattern only faults (MADV_POPULATE_WRITE for real, as `hmmkit run`
          // stores nothing either). One with a pattern that leaves data: the helper stores 0x5A in
          // each page's first byte, the model 0x5A in every byte written (patterns are not
          // reproduced: data is not compared, only whether written pages are zero-filled).
          var cursor = VirtualAddress(start)
          let end = start &+ size
          while cursor.rawValue < end {
            let inPage = cursor.rawValue & (PageSize.bytes4K - 1)
            let count = min(PageSize.bytes4K - inPage, end - cursor.rawValue)
            if count == PageSize.bytes4K {
              try process.space.writePage(cursor, .filled(0x5A))
            } else {
              try process.space.write(cursor, bytes: [UInt8](repeating: 0x5A, count: Int(count)))
            }
            cursor = cursor + count
          }
        }
        result.model = "ok"
      } catch {
        result.model = Self.name(of: error)
      }
      guard let realStart = window.real(start, length: size) else { return outside(statement, &result) }
      let answer = try ask(process.slot, .touch, [realStart, size, write ? (stores ? 2 : 1) : 0])
      result.kernel = answer.errno == 0
        ? "ok" : "SIGSEGV/SIGBUS (MADV_POPULATE_\(write ? "WRITE" : "READ") failed with \(Errno(rawValue: answer.errno).name))"
      return true
    case .mremap(let name, let region, let address, let oldSize, let newSize, let mayMove, let fixed, let dontUnmap):
      return try mremap(statement, name, region, address, oldSize, newSize, mayMove, fixed, dontUnmap, &result)
    }
  }

  func unknown(_ name: String, _ result: inout CrosscheckStep) -> Bool {
    result.status = .notCompared("no live process '\(name)'")
    return false
  }

  func unknownRegion(_ address: AddressExpression, _ result: inout CrosscheckStep) -> Bool {
    result.status = .notCompared("no region '\(address.region?.name ?? "?")'")
    return false
  }

  /// Not run for real: the range is outside the window. The sides diverge unless the model
  /// refused the command too (then neither changed).
  func outside(_ statement: CrosscheckStatement, _ result: inout CrosscheckStep) -> Bool {
    result.status = .notCompared("the range lies outside the crosscheck window (\(window)); the real side cannot touch it safely")
    if result.model == nil || result.model?.hasPrefix("E") == false && result.model?.hasPrefix("SIG") == false {
      diverge(statement, "a command ran in the model only (outside the window)")
    }
    return false
  }

  /// A command on a range that returns nothing: `munmap`, `mprotect`, `madvise`.
  private func simple(_ statement: CrosscheckStatement, _ name: String, _ address: AddressExpression, _ size: UInt64,
                      _ result: inout CrosscheckStep,
                      model: (AddressSpace, UInt64) throws(SyscallError) -> Void,
                      real request: (Int, UInt64) -> (HelperRequest, [UInt64])) throws(RealProcessError) -> Bool {
    guard let process = processes[name] else { return unknown(name, &result) }
    guard let start = resolve(address) else { return unknownRegion(address, &result) }
    do {
      try model(process.space, start)
      result.model = "ok"
    } catch {
      result.model = error.errno.name
    }
    guard let realStart = window.real(start, length: min(size, window.size)) else { return outside(statement, &result) }
    let (code, arguments) = request(process.slot, realStart)
    let answer = try ask(process.slot, code, arguments)
    result.kernel = answer.errno == 0 ? "ok" : Errno(rawValue: answer.errno).name
    return true
  }

  func mmap(_ statement: CrosscheckStatement, _ name: String, _ region: String, _ size: UInt64,
            _ protection: Protection, _ shared: Bool, _ alignment: UInt64?, _ fixed: AddressExpression?,
            _ result: inout CrosscheckStep, file: (name: String, offset: UInt64)? = nil,
            hugetlb: PageSize? = nil) throws(RealProcessError) -> Bool {
    guard let process = processes[name] else { return unknown(name, &result) }
    if shared && file == nil && hugetlb == nil && shmemWithinSize {
      result.status = .notCompared("shared anonymous memory after a `huge` file: the kernel's shmem_enabled=within_size, set for that file, gives it THPs too; the model's keeps small folios")
      diverge(statement, "shared anonymous memory has THPs in the kernel only")
      return false
    }
    if shared && file == nil && hugetlb == nil { sharedAnonymousMapped = true }
    var request = AddressSpace.MapRequest(length: size, protection: protection, shared: shared)
    // MAP_ANONYMOUS 0x20 and descriptor -1, or the helper's descriptor of the file's memfd.
    var anonymous: UInt64 = 0x20
    var descriptor = UInt64.max
    var offset: UInt64 = 0
    if let file {
      guard let entry = files[file.name] else {
        result.status = .notCompared("\(file.name) is not a file the crosscheck created (a dmirror device file?)")
        diverge(statement, "a mapping of \(file.name) ran in the model only")
        return false
      }
      request.file = entry.model
      request.offset = file.offset
      anonymous = 0
      descriptor = UInt64(UInt32(bitPattern: try helperDescriptor(process.slot, file.name, entry.descriptor)))
      offset = file.offset
    }
    if let hugetlb {
      request.hugetlbPageSize = hugetlb
      // MAP_HUGETLB | MAP_HUGE_2MB or MAP_HUGE_1GB (log2 of the size << MAP_HUGE_SHIFT).
      anonymous |= 0x40000 | UInt64(hugetlb == .size1G ? 30 : 21) << 26
    }
    if let alignment { request.alignment = alignment }
    if let fixed {
      guard let address = resolve(fixed) else { return unknownRegion(fixed, &result) }
      request.fixedAddress = VirtualAddress(address)
    }
    let address: VirtualAddress
    do {
      address = try process.space.mmap(request)
    } catch {
      result.model = error.errno.name
      // The same call for real: MAP_FIXED where the scenario gives the address; else a placement
      // by the kernel, unmapped again at once if it succeeds (it is outside the window).
      guard alignment == nil else {
        result.status = .notCompared("the model refused the mmap (\(error)); align= has no real counterpart")
        return false
      }
      var hint: UInt64 = 0
      if let fixed = request.fixedAddress {
        guard let real = window.real(fixed.rawValue, length: min(size, window.size)) else { return outside(statement, &result) }
        hint = real
      }
      let flags: UInt64 = (shared ? 0x01 : 0x02) | anonymous | (hint != 0 ? 0x10 : 0)
      let answer = try ask(process.slot, .mmap, [hint, size, UInt64(Self.prot(protection)), flags, descriptor, offset])
      if answer.errno != 0 {
        result.kernel = Errno(rawValue: answer.errno).name
      } else {
        if hint == 0 { _ = try ask(process.slot, .munmap, [answer.value, size]) }
        result.kernel = "ok (0x\(String(answer.value, radix: 16)))"
      }
      return true
    }
    regions[region] = address.rawValue
    result.model = "\(region) = \(address)"
    let length = (size + 4095) & ~4095
    guard let realAddress = window.real(address.rawValue, length: length) else { return outside(statement, &result) }
    // MAP_PRIVATE 0x02 / MAP_SHARED 0x01, MAP_ANONYMOUS 0x20, MAP_FIXED 0x10 for at=, else
    // MAP_FIXED_NOREPLACE 0x100000 at the model's placement.
    let flags: UInt64 = (shared ? 0x01 : 0x02) | anonymous | (fixed != nil ? 0x10 : 0x10_0000)
    let answer = try ask(process.slot, .mmap, [realAddress, size, UInt64(Self.prot(protection)), flags, descriptor, offset])
    if answer.errno != 0 {
      result.kernel = Errno(rawValue: answer.errno).name
    } else {
      result.kernel = answer.value == realAddress ? result.model : "\(region) = 0x\(String(window.model(answer.value), radix: 16)) (real 0x\(String(answer.value, radix: 16)))"
    }
    return true
  }

  private func mremap(_ statement: CrosscheckStatement, _ name: String, _ region: String?, _ address: AddressExpression,
                      _ oldSize: UInt64, _ newSize: UInt64, _ mayMove: Bool, _ fixed: AddressExpression?,
                      _ dontUnmap: Bool, _ result: inout CrosscheckStep) throws(RealProcessError) -> Bool {
    guard let process = processes[name] else { return unknown(name, &result) }
    guard let start = resolve(address) else { return unknownRegion(address, &result) }
    var fixedModel: UInt64?
    if let fixed {
      guard let value = resolve(fixed) else { return unknownRegion(fixed, &result) }
      fixedModel = value
    }
    var moved: UInt64?
    do {
      let newAddress = try process.space.mremap(VirtualAddress(start), oldSize: oldSize, newSize: newSize, mayMove: mayMove,
                                                fixedAddress: fixedModel.map { VirtualAddress($0) }, dontUnmap: dontUnmap)
      moved = newAddress.rawValue
      result.model = newAddress.rawValue == start ? "ok (in place)" : "moved to 0x\(String(newAddress.rawValue, radix: 16))"
      if let region { regions[region] = newAddress.rawValue }
    } catch {
      result.model = error.errno.name
    }
    guard let realStart = window.real(start, length: min(oldSize, window.size)) else { return outside(statement, &result) }
    // MREMAP_MAYMOVE 1, MREMAP_FIXED 2. Where the model moved the mapping, the real one moves to
    // the same place (MREMAP_FIXED), so that the alignment relations stay the same; where the
    // model grew it in place, the real call may not move it (else it could leave the window).
    var flags: UInt64 = 0
    var target: UInt64 = 0
    if let moved, moved != start {
      guard let realTarget = window.real(moved, length: newSize) else { return outside(statement, &result) }
      flags = 3
      target = realTarget
    } else if moved == nil {
      if let fixedModel {
        guard let realTarget = window.real(fixedModel, length: min(newSize, window.size)) else { return outside(statement, &result) }
        flags = mayMove ? 3 : 2
        target = realTarget
      } else if mayMove && newSize > oldSize {
        result.status = .notCompared("the model refused the mremap; a real MREMAP_MAYMOVE could move the mapping out of the window")
        return false
      } else if mayMove && dontUnmap {
        // MREMAP_DONTUNMAP without MREMAP_MAYMOVE is EINVAL in itself: keep the scenario's flags
        // so that the kernel is asked the same question as the model.
        flags = 1
      }
    }
    if dontUnmap { flags |= 4 }  // MREMAP_DONTUNMAP
    let answer = try ask(process.slot, .mremap, [realStart, oldSize, newSize, flags, target])
    if answer.errno != 0 {
      result.kernel = Errno(rawValue: answer.errno).name
    } else if answer.value == realStart {
      result.kernel = "ok (in place)"
    } else if answer.value >= window.realStart && answer.value - window.realStart < window.size {
      result.kernel = "moved to 0x\(String(window.model(answer.value), radix: 16))"
    } else {
      result.kernel = "moved to 0x\(String(answer.value, radix: 16)), outside the window"
    }
    return true
  }

  /// Why the fault counts of a step cannot be compared exactly, or nil.
  static func faultsNotExact(_ operation: CrosscheckOperation, _ result: CrosscheckStep) -> String? {
    if case .madvise(_, _, _, .collapse) = operation, result.kernel != "ok" {
      return "a failed MADV_COLLAPSE over zero pages counts one fault in Linux 6.18 (cause not identified); the model counts none"
    }
    return nil
  }

  /// Sends a request to a helper, adding its faults to the step's.
  func ask(_ slot: Int, _ code: HelperRequest, _ arguments: [UInt64]) throws(RealProcessError) -> HelperReply {
    let answer = try real.request(slot, code, arguments)
    if answer.faults == HelperReply.notMeasured { stepKernelFaults = nil } else { stepKernelFaults? &+= answer.faults }
    return answer
  }

  /// `PROT_*` bits.
  static func prot(_ protection: Protection) -> Int32 {
    (protection.contains(.read) ? 1 : 0) | (protection.contains(.write) ? 2 : 0) | (protection.contains(.exec) ? 4 : 0)
  }

  /// `MADV_*` numbers.
  static func adviceNumber(_ advice: AddressSpace.Advice) -> Int32 {
    switch advice {
    case .hugepage: 14
    case .nohugepage: 15
    case .dontneed: 4
    case .free: 8
    case .collapse: 25
    }
  }

  /// `SIGSEGV`, `SIGBUS` or `ENOMEM` for a model fault.
  static func name(of error: FaultError) -> String {
    switch error {
    case .segmentationFault: "SIGSEGV"
    case .busError: "SIGBUS"
    case .outOfMemory: "ENOMEM"
    }
  }
}
