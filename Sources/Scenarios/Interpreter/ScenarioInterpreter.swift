import MemoryModel

/// The state of one scenario run: the machine, and what the scenario's names refer to.
///
/// The machine is created lazily at the first statement that needs it, so that `system
/// memory=` and `system thp=` lines at the top configure it.
final class ScenarioInterpreter {
  /// The run's options.
  let options: ScenarioRunner.Options
  /// The machine, once created.
  private var machine: MemorySystem?
  /// Physical memory for the machine.
  private var memoryBytes: UInt64
  /// THP mode for the machine (applied at creation, and at once when it exists).
  private var thpMode: MemorySystem.THPMode = .madvise
  /// The per-size THP settings (`thp-64K=` and friends) for the machine to be created.
  var mthpSettings = MTHPSettings()
  /// Whether the `hmm` command being run asks for the `pte-batch` order hint.
  var hmmPTEBatchHint = false
  /// Processes by name (exited ones are removed).
  var processes: [String: AddressSpace] = [:] {
    didSet {
      lastProcessName = nil
      lastProcess = nil
    }
  }
  /// The last ``process(_:)`` lookup (nil after any change of ``processes``): a command names
  /// the process of the command before it more often than not, and comparing two short names
  /// costs less than hashing one.
  private var lastProcessName: String?
  private var lastProcess: AddressSpace?
  /// The recording subscriber of every process ever created, by name, in creation order.
  var recorders: [(name: String, recorder: InvalidationRecorder)] = []
  /// How many ranges of each recorder earlier steps already reported.
  private var reported: [Int] = []
  /// Region names and their start addresses.
  var regions: [String: VirtualAddress] = [:] { didSet { lastRegionName = nil } }
  /// The last region ``resolve(_:)`` looked up (nil after any change of ``regions``).
  private var lastRegionName: String?
  private var lastRegionStart = VirtualAddress(0)
  /// Files by name.
  var files: [String: File] = [:]
  /// Frames in use when the machine was created (the zero pages).
  var baselineUsedFrames = 0
  /// HMM notifiers, devices, dmirror files and the safety oracle.
  let devices = DeviceState()
  /// Whether oracle violations are only recorded (`system oracle=record`) rather than failing.
  var recordOracleViolations = false
  /// Whether commands write their readable output lines (`pid 3`, `buf = 0x...`): a
  /// ``ScenarioSession`` never reads them and turns this off, so that the fuzzer's steps format
  /// no text (the model's behaviour is the same either way).
  var recordsOutput = true
  /// Parents, ended children and wait statuses (`kill`, `waitpid`, `expect PROC wait`).
  var processControl = ProcessControlState()
  /// The scenario's `#> at` and `#> loop` directives, and the results of statements a device
  /// operation ran at their points (ScenarioInterpreter+Interleaving.swift).
  var directives = InterleavingDirectives()
  var pinnedResults: [Int: StepResult] = [:]

  /// Creates an interpreter.
  init(options: ScenarioRunner.Options) {
    self.options = options
    self.memoryBytes = options.memoryBytes
    // Room for a case's names from the start (no rehashing as they come).
    processes.reserveCapacity(4)
    regions.reserveCapacity(24)
  }

  /// The machine, created on first use.
  var system: MemorySystem {
    if let machine { return machine }
    var settings = MemorySystem.Settings()
    settings.thp = thpMode
    settings.mthp = mthpSettings
    let created = MemorySystem(memoryBytes: memoryBytes, settings: settings)
    baselineUsedFrames = created.memory.ramFrameCount - created.memory.freeFrameCount
    machine = created
    return created
  }

  /// Ends every process so that the machine, its address spaces and the devices that mirror
  /// them can be freed (they refer to each other while processes live).
  func shutdown() {
    machine?.shutdown()
    devices.tearDown(machine?.addressSpaces ?? [])
    processes.removeAll()
  }

  /// Drops the machine without ending its processes (``MemorySystem/discard()``), for a run
  /// whose results are all taken: what ``shutdown()`` frees is freed as well, without the
  /// `release` invalidations and the zapping of every mapping.
  func discard() {
    let spaces = machine?.addressSpaces ?? []
    machine?.discard()
    devices.tearDown(spaces)
    processes.removeAll()
  }

  /// Whether the machine exists yet.
  var hasMachine: Bool { machine != nil }

  /// Sets the memory size of the machine to be created.
  func setMemory(_ bytes: UInt64) { memoryBytes = bytes }

  /// Sets the THP mode.
  func setTHP(_ mode: MemorySystem.THPMode) {
    thpMode = mode
    machine?.settings.thp = mode
  }

  /// Runs every statement and returns their results.
  func run(_ statements: [Statement]) -> [StepResult] {
    var results: [StepResult] = []
    results.reserveCapacity(statements.count)
    var stopped = false
    var lastError: CommandError?
    var lastCommandFailed = false
    for (index, statement) in statements.enumerated() {
      if stopped {
        results.append(StepResult(statement: statement, status: .skipped))
        continue
      }
      if let pinned = pinnedResults.removeValue(forKey: index) {
        results.append(pinned)
        if pinned.status == .failed { stopped = true }
        continue
      }
      var result = StepResult(statement: statement, status: .ok)
      if case .expect(let expectation) = statement.command {
        if case .error(let name) = expectation {
          checkError(name, lastCommandFailed ? lastError : nil, into: &result)
        } else {
          evaluate(expectation, into: &result)
        }
        results.append(result)
        continue
      }
      let allowedToFail: Bool
      if index + 1 < statements.count, case .expect(.error) = statements[index + 1].command {
        allowedToFail = true
      } else {
        allowedToFail = false
      }
      let scheduled = prepareInterleaving(index, statements)
      defer { finishInterleaving(scheduled) }
      do {
        try execute(statement.command, into: &result)
        lastCommandFailed = false
        lastError = nil
      } catch {
        result.error = error.error
        lastCommandFailed = true
        lastError = error.error
        if allowedToFail {
          result.status = .expectedError
        } else {
          result.status = .failed
          stopped = true
        }
      }
      if hasMachine {
        result.invalidations = newInvalidations()
        for (name, range) in result.invalidations {
          result.output.append("invalidate \(name) \(range.event) \(describe(range))")
        }
        if options.checkInvariants {
          checkOracle(into: &result)
          if result.status == .failed { stopped = true }
          // After every step the check is incremental; after the last one it is full.
          let violations = system.checkInvariants(incremental: index + 1 < statements.count)
          if !violations.isEmpty {
            result.violations = violations.map(\.description)
            result.status = .failed
            stopped = true
          }
        }
      }
      results.append(result)
    }
    return results
  }

  /// Invalidations heard since the last call, in order of the processes' creation.
  private func newInvalidations() -> [(process: String, range: InvalidationRange)] {
    var result: [(process: String, range: InvalidationRange)] = []
    while reported.count < recorders.count { reported.append(0) }
    for (index, entry) in recorders.enumerated() {
      let ranges = entry.recorder.ranges
      if ranges.count > reported[index] {
        for range in ranges[reported[index]...] { result.append((entry.name, range)) }
        reported[index] = ranges.count
      }
    }
    return result
  }

  /// Creates the recording subscriber of a new process.
  func subscribe(_ space: AddressSpace, as name: String) {
    let recorder = InvalidationRecorder()
    space.register(recorder)
    recorders.append((name, recorder))
  }

  /// The recorder of process `name` (the latest, if the name was reused).
  func recorder(of name: String) -> InvalidationRecorder? {
    recorders.last { $0.name == name }?.recorder
  }

  // MARK: Resolving names

  /// The live process `name`.
  func process(_ name: Identifier) throws(StepFailure) -> AddressSpace {
    if let lastProcess, lastProcessName == name.name { return lastProcess }
    guard let space = processes[name.name] else {
      // The validator makes this unreachable; fail softly rather than trap.
      throw StepFailure(error: CommandError(name: "ESRCH", errno: Errno(rawValue: 3), reason: "no process \(name)"))
    }
    lastProcessName = name.name
    lastProcess = space
    return space
  }

  /// The address an expression denotes.
  func resolve(_ address: AddressExpression) throws(StepFailure) -> VirtualAddress {
    let base: UInt64
    switch address.base {
    case .literal(let value): base = value
    case .region(let name):
      if lastRegionName == name.name {
        base = lastRegionStart.rawValue
        break
      }
      guard let start = regions[name.name] else {
        throw StepFailure(error: CommandError(name: "EINVAL", errno: .EINVAL, reason: "no region \(name)"))
      }
      lastRegionName = name.name
      lastRegionStart = start
      base = start.rawValue
    }
    let (sum, overflow) = base.addingReportingOverflow(address.offset)
    if overflow {
      throw StepFailure(
        error: CommandError(name: "EINVAL", errno: .EINVAL, reason: "\(address) overflows the address space"))
    }
    return VirtualAddress(sum)
  }

  /// The start and end of a range. System calls and CPU accesses take ranges that end exactly
  /// at 2^64 (they resolve only the start, or use ``resolveAccess(_:)``); the other commands
  /// refuse them here.
  func resolve(_ range: AddressRange) throws(StepFailure) -> (start: VirtualAddress, end: VirtualAddress) {
    let start = try resolve(range.address)
    let (end, overflow) = start.rawValue.addingReportingOverflow(range.size)
    if overflow && end == 0 {
      throw StepFailure(
        error: CommandError(name: "EINVAL", errno: .EINVAL, reason: "\(range) ends at 2^64; this command needs a range that ends below it"))
    }
    if overflow {
      throw StepFailure(
        error: CommandError(name: "EINVAL", errno: .EINVAL, reason: "\(range) overflows the address space"))
    }
    return (start, VirtualAddress(end))
  }

  /// The start and end of a CPU access: a range that ends exactly at 2^64 gets the end 2^64 - 1
  /// and `reachesTop` (its last byte, where nothing can be mapped, is still to be accessed).
  func resolveAccess(_ range: AddressRange) throws(StepFailure) -> (start: VirtualAddress, end: VirtualAddress, reachesTop: Bool) {
    let start = try resolve(range.address)
    let (end, overflow) = start.rawValue.addingReportingOverflow(range.size)
    if overflow && end == 0 { return (start, VirtualAddress(UInt64.max), true) }
    let (resolvedStart, resolvedEnd) = try resolve(range)
    return (resolvedStart, resolvedEnd, false)
  }

  /// The origin that index patterns count from for `address`: its region's start, or the
  /// address itself for a literal.
  func patternOrigin(_ address: AddressExpression, resolved: VirtualAddress) -> VirtualAddress {
    if let name = address.region, let start = regions[name.name] { return start }
    return resolved
  }

  /// An invalidated range in readable form: `buf+1M..buf+0x101000 (4K)`, relative to the
  /// region whose start is the nearest below it, or `everything` for a whole address space.
  func describe(_ range: InvalidationRange) -> String {
    if range.start.rawValue == 0 && range.end.rawValue == UInt64.max { return "everything" }
    let size = SizeFormatter.string(range.end - range.start)
    let candidates = regions.filter { $0.value <= range.start }
    let nearest = candidates.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }
    guard let best = nearest else { return "\(range.start)..\(range.end) (\(size))" }
    let from = RunFormatter.relative(range.start - best.value, to: best.key)
    let to = RunFormatter.relative(range.end - best.value, to: best.key)
    return "\(from)..\(to) (\(size))"
  }

  /// `buf+0x1000` for an address inside a named region used by `expression`, or hex.
  func describe(_ address: VirtualAddress, relativeTo expression: AddressExpression) -> String {
    if let name = expression.region, let start = regions[name.name], address >= start {
      return RunFormatter.relative(address - start, to: name.name)
    }
    return address.description
  }
}
