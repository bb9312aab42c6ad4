import DeviceMirror
import MemoryModel

/// One scenario run driven statement by statement from code, for tools that generate
/// statements rather than read them (the fuzzer).
///
/// A session runs commands exactly as ``ScenarioRunner`` does, but records no output text, does
/// not stop at a failed command (a failure is returned) and leaves the checks to the caller:
/// ``invariantViolations(incremental:)`` and ``oracleViolations()`` are the checks the runner
/// makes after every step.
public final class ScenarioSession {
  /// What one command did.
  public enum Outcome: Sendable, Hashable {
    /// The command completed.
    case completed
    /// The model refused the command (an errno or a signal); not a defect in itself.
    case failed(name: String)
  }

  let interpreter: ScenarioInterpreter
  private var scratch: StepResult
  private let placeholder: Statement

  /// Creates a session with a machine of `options.memoryBytes` (until `system memory=` says
  /// otherwise). `options.checkInvariants` is ignored: the caller checks.
  public init(options: ScenarioRunner.Options = ScenarioRunner.Options()) {
    interpreter = ScenarioInterpreter(options: options)
    interpreter.recordsOutput = false
    let location = SourceLocation(file: "", line: 0, column: 0)
    placeholder = Statement(command: .split, text: "", location: location)
    scratch = StepResult(statement: placeholder, status: .ok)
  }

  /// Runs one command (an `expect` line is evaluated and counts as failed when it does not
  /// hold).
  public func execute(_ command: Command) -> Outcome {
    scratch.output.removeAll(keepingCapacity: true)
    scratch.status = .ok
    if case .expect(let expectation) = command {
      if case .error = expectation { return .completed }
      interpreter.evaluate(expectation, into: &scratch)
      return scratch.status == .failed ? .failed(name: "expectation") : .completed
    }
    do {
      try interpreter.execute(command, into: &scratch)
      return scratch.status == .failed ? .failed(name: "expectation") : .completed
    } catch {
      return .failed(name: error.error.name)
    }
  }

  /// The model's invariant violations now (`MemoryModel.MemorySystem.checkInvariants(incremental:)`),
  /// as text; empty before the machine exists. `incremental` reuses what the last check found
  /// where nothing changed since (as the interpreter does after every step).
  public func invariantViolations(incremental: Bool = false) -> [String] {
    guard interpreter.hasMachine else { return [] }
    let violations = interpreter.system.checkInvariants(incremental: incremental)
    return violations.isEmpty ? [] : violations.map(\.description)
  }

  /// Safety-oracle violations found since the last call, as text.
  public func oracleViolations() -> [String] {
    scratch.violations.removeAll(keepingCapacity: true)
    let saved = interpreter.recordOracleViolations
    interpreter.recordOracleViolations = false
    interpreter.checkOracle(into: &scratch)
    interpreter.recordOracleViolations = saved
    return scratch.violations
  }

  /// The bytes device `device` reads from `range` (device accesses, faulting as a device read
  /// does), or nil when the device cannot read them (no such device, not mirroring, an error).
  public func deviceRead(_ device: String, _ range: AddressRange) -> [UInt8]? {
    guard let target = interpreter.devices.devices[device], range.size <= 1 << 24,
      let (start, _) = try? interpreter.resolve(range)
    else { return nil }
    return try? target.read(start, count: Int(range.size))
  }

  /// The interpreter, for the exploration hooks (ScenarioSession+Exploration.swift).
  var interpreterForExploration: ScenarioInterpreter { interpreter }
  /// The devices, for the exploration hooks.
  var interpreterDevices: DeviceState { interpreter.devices }

  /// The live processes' names.
  public var processNames: [String] { Array(interpreter.processes.keys) }

  /// Ends every process so that the machine and the devices can be freed.
  public func shutdown() { interpreter.shutdown() }

  /// Drops the machine and the devices without ending the processes (no `release`
  /// invalidation, no zapping: `MemorySystem.discard()`), so that they are freed
  /// with the session, for a session nothing looks at again (a fuzz case's at its end). Costs
  /// what the run changed, not what its processes map.
  public func discard() { interpreter.discard() }
}
