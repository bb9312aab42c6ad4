import CHMMKit
import DeviceMirror
import HMM
import MemoryModel
import Scenarios

/// `struct hmmkit_machine`: a scenario session (so that scenario text and C code share the
/// machine and its processes by name), the safety oracle over the drivers C code watches, and
/// the device memory C code added.
final class CMachine {
  /// The session that owns the machine.
  let session: ScenarioSession
  /// The oracle over every watched driver.
  var oracle = SafetyOracle()
  /// Watched drivers by their `driver` pointer.
  var drivers: [UInt: CDriverDevice] = [:]
  /// Processes by address space.
  var processes: [ObjectIdentifier: CProcess] = [:]
  /// Device-private memory by the address of its `struct dev_pagemap`.
  var pagemaps: [UInt: CPagemap] = [:]
  /// Migrations between `migrate_vma_setup()` and `migrate_vma_finalize()`, by the address of
  /// their `struct migrate_vma`.
  var migrations: [UInt: MigrateVMA] = [:]
  /// The scenario text run so far (``runText(_:file:function:)``), its lines and statements.
  var history = ""
  var historyLines = 0
  var historyStatements = 0
  /// Address spaces the oracle is registered on.
  var oracleSpaces: Set<ObjectIdentifier> = []

  /// Creates a machine around a session (the machine itself is created on first use).
  init(session: ScenarioSession) {
    self.session = session
  }

  /// The handle C code holds.
  var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

  /// The memory model.
  var system: MemorySystem { session.system }

  /// Registers the machine (and makes it the current one).
  func register() {
    CAPI.machines[CAPI.key(UnsafeRawPointer(handle))] = self
    CAPI.current = self
  }

  /// The C process of `space`, made on first use.
  func process(for space: AddressSpace) -> CProcess {
    if let existing = processes[ObjectIdentifier(space)] { return existing }
    let process = CProcess(machine: self, space: space)
    processes[ObjectIdentifier(space)] = process
    CAPI.processes[CAPI.key(UnsafeRawPointer(process.handle))] = process
    return process
  }

  /// Ends everything and forgets every handle into this machine.
  func destroy() {
    for (key, notifier) in CAPI.notifiers where notifier.process.machine === self {
      notifier.model.remove()
      CAPI.notifiers[key] = nil
      CAPI.removedNotifiers.insert(key)
    }
    for process in processes.values {
      CAPI.processes[CAPI.key(UnsafeRawPointer(process.handle))] = nil
      process.freeVMACopies()
    }
    for space in system.addressSpaces where space.notifiers.contains(where: { $0 === oracle }) {
      space.unregister(oracle)
    }
    processes.removeAll()
    drivers.removeAll()
    pagemaps.removeAll()
    migrations.removeAll()
    session.shutdown()
    CAPI.machines[CAPI.key(UnsafeRawPointer(handle))] = nil
    if CAPI.current === self { CAPI.current = CAPI.machines.values.first }
  }
}
