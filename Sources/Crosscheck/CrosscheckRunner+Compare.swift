import LiveLinux
import MemoryModel

/// Reading both sides after a step and comparing them page by page.
extension CrosscheckRunner {
  /// Reads every live process on both sides and records agreements and disagreements.
  func compare(_ statement: CrosscheckStatement, into result: inout CrosscheckStep,
               backgroundBefore: BackgroundCounters) throws(CrosscheckError) {
    let names = creationOrder.filter { processes[$0] != nil }
    var model: [String: SideView] = [:]
    var kernel: [String: SideView] = [:]
    for name in names {
      guard let process = processes[name], let pid = real.pids[process.slot] else { continue }
      model[name] = modelView(process.space)
      kernel[name] = try kernelView(pid)
    }
    for change in BackgroundCounters.read().changes(since: backgroundBefore) {
      backgroundSeen.append(change)
      result.notes.append("background during this step: \(change.text)")
    }
    Self.fillSharing(&model, names)
    Self.fillSharing(&kernel, names)
    for name in names {
      compare(name, model[name] ?? SideView(), kernel[name] ?? SideView(), statement, into: &result)
    }
  }

  /// `rw-p` plus ` hg` (`VM_HUGEPAGE`) or ` nh` (`VM_NOHUGEPAGE`), as `/proc/PID/maps` and
  /// `smaps` would show the VMA.
  static func label(protection: Protection, shared: Bool, hugepage: Bool, noHugepage: Bool) -> String {
    var permissions: VMAPermissions = []
    if protection.contains(.read) { permissions.insert(.read) }
    if protection.contains(.write) { permissions.insert(.write) }
    if protection.contains(.exec) { permissions.insert(.execute) }
    if shared { permissions.insert(.shared) }
    return permissions.description + (hugepage ? " hg" : "") + (noHugepage ? " nh" : "")
  }

  /// The model's view of a process in the window.
  func modelView(_ space: AddressSpace) -> SideView {
    var view = SideView()
    let windowEnd = window.modelStart + window.size
    for vma in space.vmas where vma.end.rawValue > window.modelStart && vma.start.rawValue < windowEnd {
      let label = Self.label(protection: vma.protection, shared: vma.isShared, hugepage: vma.flags.contains(.hugepage),
                             noHugepage: vma.flags.contains(.noHugepage))
      let lower = max(vma.start.rawValue, window.modelStart)
      let upper = min(vma.end.rawValue, windowEnd)
      view.vmas.append((lower, upper, label))
      for run in space.snapshot(VirtualAddress(lower), VirtualAddress(upper))
      where run.state == .present || run.state == .protNone {
        for index in 0..<run.pageCount {
          var state = CrosscheckPageState(vma: label, present: true, pmd: run.level != .pte, zero: run.isZeroPage,
                                          order: run.isZeroPage ? nil : run.folio?.order,
                                          write: run.isWritable && !run.isZeroPage)
          if run.folio?.kind == .anonymous && !run.isZeroPage && run.state == .present { state.anonExclusive = run.isExclusive }
          // Plus one: the model's frame 0 is a real frame, and a pfn of 0 means unknown (seed-5 case 938).
          if let pfn = run.firstPFN { state.pfn = pfn.rawValue + UInt64(index) + 1 }
          view.pages[run.start.rawValue + UInt64(index) << 12] = state
        }
      }
    }
    return view
  }

  /// The real process's view in the window, by model address.
  func kernelView(_ pid: Int32) throws(CrosscheckError) -> SideView {
    var view = SideView()
    do {
      let source = try LiveProcessSource(pid: pid)
      let range = try InspectionRange(start: VirtualAddress(window.realStart), end: VirtualAddress(window.realStart + window.size))
      let snapshot = try ProcessInspector(source: source, options: InspectionOptions(range: range)).snapshot()
      for vmaSnapshot in snapshot.vmas {
        let vma = vmaSnapshot.vma
        let label = vma.permissions.description + (vma.details?.has("hg") == true ? " hg" : "")
          + (vma.details?.has("nh") == true ? " nh" : "")
        view.vmas.append((window.model(vmaSnapshot.start.rawValue), window.model(vmaSnapshot.end.rawValue), label))
        for run in vmaSnapshot.runs where run.isPresent {
          let state = pageState(run, vma: vma, label: label)
          var frames = [UInt64](repeating: 0, count: run.pageCount)
          if let pfn = run.pfn, run.pfnsContiguous {
            for index in frames.indices { frames[index] = pfn.rawValue + UInt64(index) }
          } else {
            try frames.withUnsafeMutableBufferPointer { (buffer) throws(LiveLinuxError) in
              try source.readPagemap(firstPage: run.start.rawValue >> 12, into: buffer)
            }
            for index in frames.indices { frames[index] = PagemapEntry(rawValue: frames[index]).pfn }
          }
          for index in 0..<run.pageCount {
            var page = state
            page.pfn = frames[index]
            view.pages[window.model(run.start.rawValue + UInt64(index) << 12)] = page
          }
        }
      }
    } catch {
      throw .inspection(error)
    }
    return view
  }

  /// The state live mode gives the pages of a run.
  private func pageState(_ run: PageRun, vma: LiveVMA, label: String) -> CrosscheckPageState {
    var state = CrosscheckPageState(vma: label)
    guard run.isPresent else { return state }
    state.present = true
    // A huge leaf either way: a PMD, or a PUD for a 1G hugetlb page (the model's side says the same).
    state.pmd = run.mapOrder.map { $0 >= 9 }
    state.zero = run.isZeroPage
    state.order = run.isZeroPage == false ? run.folio?.order : nil
    if run.isZeroPage == false, run.folio?.flags.contains(.anonymous) == true, !vma.isShared { state.anonExclusive = run.isAnonExclusive }
    if run.isZeroPage == true || !vma.isWritable {
      state.write = false
    } else if vma.isShared {
      state.write = true
      state.writeInferred = "the PTE write bit of a shared mapping is not visible in /proc"
    } else if run.isFileOrShared {
      state.write = false
    } else if vma.hugetlbOrder != nil {
      // A private hugetlb read fault maps an exclusive page read-only (make_huge_pte() without
      // VM_SHARED); a later write reuses it. Exclusivity does not tell the PTE's write bit.
      state.write = run.isExclusive
      state.writeInferred = "the PTE write bit of a private hugetlb page is not visible in /proc (a read fault maps an exclusive page read-only)"
    } else if let exclusive = run.isAnonExclusive {
      state.write = exclusive
    } else {
      state.write = run.isExclusive
      if run.isExclusive && forkHappened {
        state.writeInferred = "a PTE-mapped page of a large folio after a fork: kpageflags shows only the head's PG_anon_exclusive, and 'mapped once' does not say whether the PTE was made writable again"
      }
    }
    return state
  }

  /// Sets ``CrosscheckPageState/sharedWith`` of every present, non-zero page: the other
  /// processes whose page at the same address is the same frame.
  static func fillSharing(_ views: inout [String: SideView], _ names: [String]) {
    guard names.count > 1 else { return }
    for name in names {
      guard var view = views[name] else { continue }
      for (address, state) in view.pages where state.isPresentData && state.pfn != 0 {
        var others: [String] = []
        for other in names where other != name {
          if let page = views[other]?.pages[address], page.isPresentData, page.pfn == state.pfn { others.append(other) }
        }
        if !others.isEmpty { view.pages[address]?.sharedWith = others }
      }
      views[name] = view
    }
  }

  /// The values of the attributes on which `model` and `kernel` differ, and whether the write
  /// bit differs only where the kernel's is inferred.
  static func differences(_ model: CrosscheckPageState, _ kernel: CrosscheckPageState)
    -> (differences: [(CrosscheckAttribute, String, String)], inferredWrite: Bool)
  {
    var found: [(CrosscheckAttribute, String, String)] = []
    func check(_ attribute: CrosscheckAttribute) {
      let a = model.value(of: attribute)
      let b = kernel.value(of: attribute)
      if let a, let b, a != b { found.append((attribute, a, b)) }
    }
    check(.vma)
    check(.present)
    var inferred = false
    if model.present && kernel.present {
      check(.pmd)
      check(.zero)
      if model.zero == false && kernel.zero == false { check(.order) }
      if model.write != kernel.write {
        if kernel.writeInferred == nil { check(.write) } else { inferred = true }
      }
      if model.isPresentData && kernel.isPresentData {
        check(.sharedWith)
        check(.anonExclusive)
      }
    }
    return (found, inferred)
  }

  /// The intervals in which both views are uniform: cut at every VMA boundary and around every
  /// present page of either side, sorted; intervals outside every VMA of both sides are left out.
  static func intervals(_ model: SideView, _ kernel: SideView) -> [(start: UInt64, end: UInt64)] {
    var cuts = Set<UInt64>()
    for view in [model, kernel] {
      for vma in view.vmas {
        cuts.insert(vma.start)
        cuts.insert(vma.end)
      }
      for address in view.pages.keys {
        cuts.insert(address)
        cuts.insert(address + 4096)
      }
    }
    let sorted = cuts.sorted()
    var result: [(start: UInt64, end: UInt64)] = []
    for index in sorted.indices.dropLast() {
      let start = sorted[index]
      if model.state(at: start).vma == nil && kernel.state(at: start).vma == nil { continue }
      result.append((start, sorted[index + 1]))
    }
    return result
  }

  /// Compares one process's views and adds the runs it agrees on and its disagreements.
  private func compare(_ name: String, _ model: SideView, _ kernel: SideView, _ statement: CrosscheckStatement,
                       into result: inout CrosscheckStep) {
    var agreement: (start: UInt64, end: UInt64, state: CrosscheckPageState)?
    var open: [CrosscheckAttribute: (start: UInt64, end: UInt64, model: String, kernel: String)] = [:]
    var inferred: (start: UInt64, end: UInt64, model: Bool, reason: String)?
    var disagreements: [CrosscheckDisagreement] = []
    func flushAgreement() {
      guard let run = agreement else { return }
      result.agreements.append(CrosscheckRun(process: name, start: run.start, end: run.end, realStart: window.real(run.start) ?? 0,
                                             location: describe(run.start, run.end), state: run.state))
      agreement = nil
    }
    func flush(_ attribute: CrosscheckAttribute) {
      guard let group = open[attribute] else { return }
      let seen = backgroundSeen.filter { $0.attributes.contains(attribute) }.map(\.text)
      disagreements.append(
        CrosscheckDisagreement(line: statement.line, step: statement.text, process: name, start: group.start, end: group.end,
                               realStart: window.real(group.start) ?? 0, location: describe(group.start, group.end),
                               attribute: attribute, model: group.model, kernel: group.kernel,
                               background: seen.isEmpty ? nil : seen.joined(separator: "; ")))
      open[attribute] = nil
    }
    func flushInferred() {
      guard let group = inferred else { return }
      result.notes.append("\(name) \(describe(group.start, group.end)): write not compared (model \(group.model ? "write" : "read-only"), "
        + "kernel inferred write): \(group.reason)")
      inferred = nil
    }
    for (start, end) in Self.intervals(model, kernel) {
      let m = model.state(at: start)
      let k = kernel.state(at: start)
      let (found, writeInferred) = Self.differences(m, k)
      for attribute in CrosscheckAttribute.allCases {
        if let difference = found.first(where: { $0.0 == attribute }) {
          if let group = open[attribute], group.end == start, group.model == difference.1, group.kernel == difference.2 {
            open[attribute]?.end = end
          } else {
            flush(attribute)
            open[attribute] = (start, end, difference.1, difference.2)
          }
        } else {
          flush(attribute)
        }
      }
      if writeInferred, let reason = k.writeInferred {
        if let group = inferred, group.end == start, group.model == m.write, group.reason == reason {
          inferred?.end = end
        } else {
          flushInferred()
          inferred = (start, end, m.write, reason)
        }
      } else {
        flushInferred()
      }
      if found.isEmpty {
        let shown = m.shown
        if let run = agreement, run.end == start, run.state == shown {
          agreement?.end = end
        } else {
          flushAgreement()
          agreement = (start, end, shown)
        }
      } else {
        flushAgreement()
      }
    }
    flushAgreement()
    for attribute in CrosscheckAttribute.allCases { flush(attribute) }
    flushInferred()
    disagreements.sort { ($0.start, $0.attribute.rawValue) < ($1.start, $1.attribute.rawValue) }
    result.disagreements += disagreements
  }
}
