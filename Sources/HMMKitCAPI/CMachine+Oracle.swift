import DeviceMirror
import MemoryModel

extension CMachine {
  /// The oracle watches only the drivers still in ``drivers`` (SafetyOracle has no unwatch:
  /// it is replaced by an equivalent one).
  func rebuildOracle() {
    for space in system.addressSpaces where oracleSpaces.contains(ObjectIdentifier(space)) { space.unregister(oracle) }
    oracleSpaces.removeAll()
    let fresh = SafetyOracle()
    for device in drivers.values {
      fresh.watch(device)
      let space = device.process.space
      if !oracleSpaces.contains(ObjectIdentifier(space)) {
        space.register(fresh)
        oracleSpaces.insert(ObjectIdentifier(space))
      }
    }
    oracle = fresh
  }

  /// Oracle violations now (invariant 1) and since the last check (invariant 2).
  func oracleViolations() -> [String] {
    oracle.check().map(\.description)
  }

  /// The model's invariant violations.
  func invariantViolations(incremental: Bool = false) -> [String] {
    session.invariantViolations(incremental: incremental)
  }
}
