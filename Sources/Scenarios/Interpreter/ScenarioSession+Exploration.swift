import DeviceMirror
import HMM
import MemoryModel

/// What the interleaving explorer (the `Exploration` target) needs from a session: a device's
/// driver loop and its scheduler, commands run from inside a device operation, and the CPU's
/// and the device's view of the data.
extension ScenarioSession {
  /// A device or dmirror file of the scenario whose driver loop can be scheduled.
  public enum SchedulableDevice {
    /// A `device` (`DeviceMirror.Device`).
    case device(Device)
    /// A dmirror file (`DeviceMirror.DMirror`).
    case dmirror(DMirror)

    /// The address space it mirrors (nil when not mirroring).
    public var space: AddressSpace? {
      switch self {
      case .device(let device): device.mirroredSpace
      case .dmirror(let file): file.space
      }
    }

    /// Its driver loop's retry budget.
    public var retryBudget: Int {
      switch self {
      case .device(let device): device.retryBudget
      case .dmirror(let file): file.retryBudget
      }
    }

    /// Sets its driver loop and the scheduler that hears its interleaving points.
    public func drive(_ variant: DriverLoopVariant, scheduler: ((DriverLoopPoint) -> Void)?) {
      switch self {
      case .device(let device):
        device.driverLoopVariant = variant
        device.scheduler = scheduler
      case .dmirror(let file):
        file.driverLoopVariant = variant
        file.scheduler = scheduler
      }
    }
  }

  /// The device or open dmirror file named `name`, if the scenario has one by now.
  public func schedulableDevice(_ name: String) -> SchedulableDevice? {
    interpreterForExploration.schedulable(name)
  }

  /// Runs `command` from inside another command (a device operation at one of its
  /// interleaving points): as ``execute(_:)``, with its own result record.
  public func executeNested(_ command: Command) -> Outcome {
    var result = StepResult(statement: Statement(command: command, text: "", location: SourceLocation(file: "", line: 0, column: 0)), status: .ok)
    do {
      try interpreterForExploration.execute(command, into: &result)
      return result.status == .failed ? .failed(name: "expectation") : .completed
    } catch {
      return .failed(name: error.error.name)
    }
  }

  /// Safety-oracle violations not reported before, usable from inside a command.
  public func nestedOracleViolations() -> [String] {
    var result = StepResult(statement: Statement(command: .split, text: "", location: SourceLocation(file: "", line: 0, column: 0)), status: .ok)
    let interpreter = interpreterForExploration
    let saved = interpreter.recordOracleViolations
    interpreter.recordOracleViolations = false
    interpreter.checkOracle(into: &result)
    interpreter.recordOracleViolations = saved
    return result.violations
  }

  /// The model's invariant violations by the incremental check (what changed since the last
  /// check), as text; ``invariantViolations(incremental:)`` is the full check.
  public func incrementalInvariantViolations() -> [String] {
    let interpreter = interpreterForExploration
    guard interpreter.hasMachine else { return [] }
    return interpreter.system.checkInvariants(incremental: true).map(\.description)
  }

  /// The addresses `range` names now (nil when a name is unknown).
  public func resolve(_ range: AddressRange) -> (start: VirtualAddress, end: VirtualAddress)? {
    try? interpreterForExploration.resolve(range)
  }

  /// What a CPU load from each page of `[start, end)` of `space` would return now, without
  /// faulting: the frame a present entry or a device-private, device-exclusive or migration
  /// entry names; zeros for a page of an anonymous VMA that nothing maps yet; nil where the
  /// process has no memory (or has exited, or the model cannot say without a fault: a file
  /// page not mapped).
  public func cpuPages(_ space: AddressSpace, _ start: VirtualAddress, _ end: VirtualAddress) -> [PageData?] {
    var pages: [PageData?] = []
    var cursor = start.alignedDown(to: 4096)
    guard !space.hasExited else { return Array(repeating: nil, count: Int((end - cursor + 4095) >> 12)) }
    let memory = space.system.memory
    while cursor < end {
      let (entry, level, _) = space.pageTable.lookup(cursor)
      let offset = (cursor.rawValue & (level.entrySpan - 1)) >> 12
      if entry.isHardwarePresent && !entry.isSwap {
        pages.append(memory.page(entry.pfn + offset))
      } else if entry.isSwap, let type = entry.swapType, type == .devicePrivate || type == .deviceExclusive || type == .migration {
        pages.append(memory.page(entry.pfn + offset))
      } else if entry.isNone, let vma = space.vma(containing: cursor), vma.isAnonymous {
        pages.append(.zero)
      } else {
        pages.append(nil)
      }
      cursor = cursor + 4096
    }
    return pages
  }

  /// The last ioctl of dmirror file `name`: its return code and the pages it copied out.
  public func lastIoctl(_ name: String) -> (returnCode: Int32, pages: [PageData])? {
    guard let outcome = interpreterDevices.results[name] else { return nil }
    return (outcome.returnCode, outcome.pages)
  }
}
