import MemoryModel

extension ScenarioInterpreter {
  /// Checks `expect error [NAME]` against the previous command's outcome.
  func checkError(_ name: Expectation.ErrorName?, _ error: CommandError?, into result: inout StepResult) {
    result.expected = name.map { "error \($0)" } ?? "an error"
    guard let error else {
      result.actual = "success"
      result.status = .failed
      return
    }
    result.actual = "error \(error.name) (\(error.reason))"
    if let name, !error.matches(name) { result.status = .failed }
  }

  /// Evaluates a snapshot or counter expectation.
  func evaluate(_ expectation: Expectation, into result: inout StepResult) {
    switch expectation {
    case .error:
      break
    case .device(let expectation):
      evaluate(expectation, into: &result)
    case .wait(let name, let status):
      evaluateWait(name, status, into: &result)
    case .counter(let counter, let comparison, let expected):
      let actual: UInt64
      do {
        actual = try value(of: counter)
      } catch {
        result.status = .failed
        result.expected = "\(counter) \(comparison) \(Self.format(expected, counter))"
        result.actual = error.error.description
        return
      }
      result.expected = "\(counter) \(comparison) \(Self.format(expected, counter))"
      result.actual = "\(counter) == \(Self.format(actual, counter))"
      if !comparison.holds(actual, expected) { result.status = .failed }
    case .snapshot(let name, let range, let attributes):
      result.expected = attributes.map(\.description).joined(separator: " ")
      do {
        let space = try process(name)
        let (start, end) = try resolve(range)
        let runs = space.snapshot(start, end)
        if let mismatch = try PageStateMatcher(interpreter: self, space: space, runs: runs, range: range)
          .firstMismatch(attributes)
        {
          result.status = .failed
          result.actual = mismatch
        } else {
          result.actual = result.expected
        }
        result.snapshot = runs
        if let region = range.address.region, let base = regions[region.name] {
          result.snapshotBase = (region.name, base)
        }
      } catch {
        result.status = .failed
        result.actual = error.error.description
      }
    }
  }

  /// The current value of a counter.
  private func value(of counter: Expectation.Counter) throws(StepFailure) -> UInt64 {
    switch counter {
    case .rss(let name):
      return UInt64(try process(name).residentPages.total) * PageSize.bytes4K
    case .vmas(let name):
      return UInt64(try process(name).vmas.count)
    case .pageTables(let name):
      return UInt64(try process(name).pageTable.tableCount)
    case .folios(let order, let kind):
      return UInt64(countFolios(order: order, kind: kind))
    case .deferredSplit:
      return UInt64(system.deferredSplitQueue.count)
    case .invalidations(let name, let event, let start, let size):
      guard let recorder = recorder(of: name.name) else { return 0 }
      let modelEvent = event.flatMap { InvalidationEvent(name: $0.rawValue) }
      let startAddress = try start.map { (expression) throws(StepFailure) in try resolve(expression) }
      return UInt64(
        recorder.ranges.count { range in
          if let modelEvent, range.event != modelEvent { return false }
          if let startAddress, range.start != startAddress { return false }
          if let size, range.end - range.start != size { return false }
          return true
        })
    case .vmstat(let name):
      let events = system.events
      let value: Int
      switch name {
      case .thpFaultAlloc: value = events.thpFaultAlloc
      case .thpFaultFallback: value = events.thpFaultFallback
      case .thpSplitPMD: value = events.thpSplitPMD
      case .thpSplitPage: value = events.thpSplitPage
      case .thpSplitPageFailed: value = events.thpSplitPageFailed
      case .thpDeferredSplitPage: value = events.thpDeferredSplitPage
      case .thpCollapseAlloc: value = events.thpCollapseAlloc
      case .pageFaults: value = events.pageFaults
      case .thpZeroPageMapped: value = events.thpZeroPageMapped
      case .cowCopies: value = events.cowCopies
      }
      return UInt64(max(0, value))
    case .mthp(let order, let stat):
      return mthpValue(order: order, stat)
    case .freeFrames:
      return UInt64(system.memory.freeFrameCount)
    case .pins(let name, let address):
      return UInt64(system.pinCount(of: try mappedFrame(name, address)))
    case .referenceCount(let name, let address):
      let frame = try mappedFrame(name, address)
      return UInt64(system.memory.referenceCount(ofFolio: system.memory.folioHead(of: frame)))
    case .usedFrames:
      let memory = system.memory
      return UInt64(max(0, memory.ramFrameCount - memory.freeFrameCount - baselineUsedFrames))
    }
  }

  /// Counts folios in use (reference count above zero) of anonymous, file, shmem or hugetlb
  /// kind, optionally of one order and kind.
  ///
  /// - Complexity: O(frames).
  private func countFolios(order: Int?, kind: Expectation.FolioKind?) -> Int {
    let memory = system.memory
    var count = 0
    var index = 0
    while index < memory.frameCount {
      let pfn = PFN(UInt64(index))
      guard memory.isAllocated(pfn), memory.folioHead(of: pfn) == pfn else {
        index += 1
        continue
      }
      let folioOrder = memory.order(ofFolio: pfn)
      index += 1 << folioOrder
      guard let folioKind = Self.kind(memory.kind(of: pfn)), memory.referenceCount(ofFolio: pfn) > 0 else { continue }
      if let order, folioOrder != order { continue }
      if let kind, folioKind != kind { continue }
      count += 1
    }
    return count
  }

  /// The scenario name of a folio kind, or nil for kinds that are not counted as folios.
  static func kind(_ kind: FolioKind) -> Expectation.FolioKind? {
    switch kind {
    case .anonymous: .anon
    case .file: .file
    case .shmem: .shmem
    case .hugetlb: .hugetlb
    default: nil
    }
  }

  /// A counter value as written: sizes with suffixes, counts in decimal.
  static func format(_ value: UInt64, _ counter: Expectation.Counter) -> String {
    counter.isSize ? SizeFormatter.string(value) : "\(value)"
  }
}
