import MemoryModel

/// Multi-size THP in the interpreter: `system thp-64K=MODE` and the per-size counters of
/// `expect mthp SIZE NAME`.
extension ScenarioInterpreter {
  /// Sets one size's anonymous THP mode.
  func setMTHP(order: Int, _ mode: Command.MTHPMode) {
    let modelMode: MTHPMode
    switch mode {
    case .always: modelMode = .always
    case .inherit: modelMode = .inherit
    case .madvise: modelMode = .madvise
    case .never: modelMode = .never
    }
    mthpSettings[order] = modelMode
    if hasMachine { system.settings.mthp[order] = modelMode }
  }

  /// The value of a per-size counter.
  func mthpValue(order: Int, _ stat: Expectation.MTHPStat) -> UInt64 {
    let stats = system.mthpStats
    let value: Int
    switch stat {
    case .anonFaultAlloc: value = stats.anonFaultAlloc[order]
    case .anonFaultFallback: value = stats.anonFaultFallback[order]
    case .anonFaultFallbackCharge: value = stats.anonFaultFallbackCharge[order]
    case .split: value = stats.split[order]
    case .splitFailed: value = stats.splitFailed[order]
    case .splitDeferred: value = stats.splitDeferred[order]
    case .nrAnon: value = system.anonymousFolioCount(order: order)
    case .nrAnonPartiallyMapped: value = system.partiallyMappedFolioCount(order: order)
    }
    return UInt64(max(0, value))
  }
}

extension ScenarioInterpreter {
  /// Runs `body` with the `pte-batch` order hint on the interpreter's `hmm_range_fault()` calls.
  func withPTEBatchHint(_ body: () throws(StepFailure) -> Void) throws(StepFailure) {
    hmmPTEBatchHint = true
    defer { hmmPTEBatchHint = false }
    try body()
  }
}
