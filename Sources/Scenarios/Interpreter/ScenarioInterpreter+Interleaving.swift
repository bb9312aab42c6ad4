import HMM

/// `#> loop` and `#> at` in `hmmkit run`: a device operation whose following statements are
/// pinned runs them from its scheduler, at the points they name (a replay of one interleaving
/// that `hmmkit explore` found).
extension ScenarioInterpreter {
  /// Before statement `index` runs: gives its device the driver loop the `#> loop` lines above
  /// it chose and, when the statements right after it are pinned with `#> at POINT#N`,
  /// installs the scheduler that runs them there. Returns the device to release afterwards.
  func prepareInterleaving(_ index: Int, _ statements: [Statement]) -> ScenarioSession.SchedulableDevice? {
    guard !directives.isEmpty, let name = statements[index].schedulableDeviceName, let device = schedulable(name) else { return nil }
    let line = statements[index].location.line
    let variant = directives.loops.last { $0.device == name && $0.line < line }?.variant ?? .correct
    var pinned: [(index: Int, pin: InterleavingDirectives.Pin)] = []
    var next = index + 1
    while next < statements.count, let pin = directives.pins[statements[next].location.line] {
      pinned.append((next, pin))
      next += 1
    }
    var occurrence = 0
    var cursor = 0
    device.drive(variant) { [unowned self] point in
      occurrence += 1
      while cursor < pinned.count, pinned[cursor].pin.occurrence == occurrence {
        let (position, pin) = pinned[cursor]
        cursor += 1
        runPinned(position, statements, pin)
      }
    }
    return device
  }

  /// After the operation: the device runs straight through again.
  func finishInterleaving(_ device: ScenarioSession.SchedulableDevice?) {
    device?.drive(.correct, scheduler: nil)
  }

  /// Runs pinned statement `position` from inside the operation and keeps its result for the
  /// run loop, which reports it in file order.
  private func runPinned(_ position: Int, _ statements: [Statement], _ pin: InterleavingDirectives.Pin) {
    let statement = statements[position]
    var result = StepResult(statement: statement, status: .ok)
    do {
      try execute(statement.command, into: &result)
    } catch {
      result.error = error.error
      let allowed = position + 1 < statements.count && { if case .expect(.error) = statements[position + 1].command { true } else { false } }()
      result.status = allowed ? .expectedError : .failed
    }
    result.output.append("ran at \(pin.point.rawValue)#\(pin.occurrence) of the operation on line \(statements[position - 1].location.line)")
    if options.checkInvariants {
      checkOracle(into: &result)
      let violations = system.checkInvariants(incremental: true)
      if !violations.isEmpty {
        result.violations += violations.map(\.description)
        result.status = .failed
      }
    }
    pinnedResults[position] = result
  }

  /// The device or open dmirror file named `name`.
  func schedulable(_ name: String) -> ScenarioSession.SchedulableDevice? {
    if let file = devices.files[name] { return .dmirror(file) }
    if let device = devices.devices[name] { return .device(device) }
    return nil
  }
}
