import MemoryModel

/// What the C API (`HMMKitCAPI`, `libhmmkit`) needs from a session: the machine itself, its
/// processes and regions by name, so that C driver code and scenario text act on the same
/// processes.
extension ScenarioSession {
  /// The machine (created on first use with the session's settings so far).
  public var system: MemorySystem { interpreter.system }

  /// The live process called `name`, whether a scenario or ``adopt(_:as:)`` named it.
  public func process(named name: String) -> AddressSpace? { interpreter.processes[name] }

  /// Makes a process created outside the scenario (by `MemorySystem.createProcess`) known to
  /// scenario statements as `name`.
  public func adopt(_ space: AddressSpace, as name: String) { interpreter.processes[name] = space }

  /// The start address of the region a scenario called `name`.
  public func regionAddress(named name: String) -> VirtualAddress? { interpreter.regions[name] }
}
