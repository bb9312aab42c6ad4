import MemoryModel

/// Checks the attributes of an `expect PROCESS snapshot` line against the runs of a range.
struct PageStateMatcher {
  /// The interpreter (for other processes and for naming addresses).
  let interpreter: ScenarioInterpreter
  /// The process whose range is checked.
  let space: AddressSpace
  /// The snapshot of the range.
  let runs: [SnapshotRun]
  /// The range as written.
  let range: AddressRange

  /// A description of the first way the range differs from `attributes`, or nil when every
  /// page has every attribute.
  func firstMismatch(_ attributes: [Expectation.PageAttribute]) throws(StepFailure) -> String? {
    for attribute in attributes {
      if let problem = try check(attribute) {
        return "\(problem); the range is \(RunFormatter.summary(runs, base: base, memory: space.system.memory))"
      }
    }
    return nil
  }

  private var base: (name: String, address: VirtualAddress)? {
    guard let name = range.address.region?.name, let address = interpreter.regions[name] else { return nil }
    return (name, address)
  }

  private func at(_ address: VirtualAddress) -> String {
    interpreter.describe(address, relativeTo: range.address)
  }

  /// The problem with one attribute, or nil when it holds for every page.
  private func check(_ attribute: Expectation.PageAttribute) throws(StepFailure) -> String? {
    switch attribute {
    case .folios(let expected):
      let memory = space.system.memory
      var heads: Set<PFN> = []
      for run in runs where run.state == .present && !run.isZeroPage {
        guard let first = run.firstPFN else { continue }
        var page = 0
        while page < run.pageCount {
          let head = memory.folioHead(of: first + UInt64(page))
          heads.insert(head)
          // Skip to the end of this folio within the run.
          let order = memory.order(ofFolio: head)
          let folioEnd = Int(head.rawValue) + (1 << order)
          page = max(page + 1, folioEnd - Int(first.rawValue))
        }
      }
      return heads.count == expected ? nil : "folios=\(heads.count), not \(expected)"
    case .sharedWith(let name), .notSharedWith(let name):
      let other = try interpreter.process(name)
      let wantShared: Bool
      if case .sharedWith = attribute { wantShared = true } else { wantShared = false }
      for run in runs {
        guard run.state == .present else {
          if wantShared { return "\(at(run.start)) is not mapped by \(space.name)" }
          continue
        }
        var page = 0
        while page < run.pageCount {
          let address = run.start + UInt64(page) * PageSize.bytes4K
          guard let own = space.translate(address) else {
            if wantShared { return "\(at(address)) is not mapped by \(space.name)" }
            page += 1
            continue
          }
          let pfn = own.pfn
          let translation = other.translate(address)
          let shared = translation?.pfn == pfn
          if shared != wantShared {
            return "\(at(address)) (pfn \(pfn)) is \(shared ? "" : "not ")mapped to the same page by \(name)"
          }
          // Inside a huge leaf of both processes the frames advance together (or both stay
          // on the zero page), so one page decides for the rest of the smaller leaf.
          var step = 1
          if let translation, translation.level != .pte, own.level != .pte {
            let span = min(translation.level.entrySpan, own.level.entrySpan)
            let leafEnd = (address.rawValue | (span - 1)) &+ 1
            step = max(1, Int((leafEnd &- address.rawValue) >> PageSize.shift4K))
          }
          page += step
        }
      }
      return nil
    default:
      for run in runs {
        if let problem = problem(with: attribute, in: run) {
          return "\(at(run.start)) \(SizeFormatter.string(run.size)) \(problem)"
        }
      }
      return nil
    }
  }

  /// Why `run` lacks `attribute`, or nil when it has it.
  private func problem(with attribute: Expectation.PageAttribute, in run: SnapshotRun) -> String? {
    let present = run.state == .present
    let hasEntry = run.state != .unmapped && run.state != .notPresent
    switch attribute {
    case .none:
      return hasEntry ? "is mapped (\(RunFormatter.state(run)))" : nil
    case .unmapped:
      return run.state == .unmapped ? nil : "is covered by a VMA (\(RunFormatter.state(run)))"
    case .present:
      return present ? nil : "is not present (\(RunFormatter.state(run)))"
    case .protNone:
      return run.state == .protNone ? nil : "is not a PROT_NONE entry (\(RunFormatter.state(run)))"
    case .swap:
      if case .swap = run.state { return nil }
      return "is not a software (swap-type) entry (\(RunFormatter.state(run)))"
    case .swapType(let kind):
      if case .swap(let type) = run.state, type.description == kind.rawValue { return nil }
      return "is not a \(kind.rawValue) entry (\(RunFormatter.state(run)))"
    case .zero:
      return present && run.isZeroPage ? nil : "is not the zero page (\(RunFormatter.state(run)))"
    case .readOnly:
      return present && !run.isWritable ? nil : present ? "is writable" : "is not present (\(RunFormatter.state(run)))"
    case .writable:
      return present && run.isWritable ? nil : present ? "is read-only" : "is not present (\(RunFormatter.state(run)))"
    case .level(let level):
      guard hasEntry else { return "is not mapped (\(RunFormatter.state(run)))" }
      let actual = RunFormatter.level(run.level)
      return actual == level.rawValue ? nil : "is mapped by a \(actual), not a \(level)"
    case .order(let order):
      guard let folio = run.folio else { return "maps no folio (\(RunFormatter.state(run)))" }
      return folio.order == order ? nil : "has order=\(folio.order), not \(order)"
    case .mapCount(let count):
      guard present, !run.isZeroPage else { return "maps no counted page (\(RunFormatter.state(run)))" }
      return run.mapCount == count ? nil : "has mapcount=\(run.mapCount), not \(count)"
    case .kind(let kind):
      guard let folio = run.folio else { return "maps no folio (\(RunFormatter.state(run)))" }
      let actual = ScenarioInterpreter.kind(folio.kind).map(\.rawValue) ?? folio.kind.description
      return actual == kind.rawValue ? nil : "is \(actual), not \(kind)"
    case .folios, .sharedWith, .notSharedWith:
      return nil
    }
  }
}
