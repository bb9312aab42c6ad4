import MemoryModel

/// Formats snapshot runs in the scenario language's own words (`present write pmd order=9
/// anon mapcount=1`), so that a failed `expect ... snapshot` shows the actual state in the
/// vocabulary of the expected one.
public enum RunFormatter {
  /// `buf+1M`, `buf+0x1800`, or `buf` for offset 0.
  public static func relative(_ offset: UInt64, to name: String) -> String {
    if offset == 0 { return name }
    if offset % 1024 == 0 { return "\(name)+\(SizeFormatter.string(offset))" }
    return "\(name)+\(SizeFormatter.hex(offset))"
  }

  /// `pte`, `pmd`, `pud`.
  public static func level(_ level: PageTableLevel) -> String {
    switch level {
    case .pte: "pte"
    case .pmd: "pmd"
    case .pud: "pud"
    case .pgd: "pgd"
    }
  }

  /// The state of a run: `unmapped`, `none`, `protnone`, a swap entry type, or the attributes
  /// of a present run (`present write pmd order=9 anon mapcount=1`, `zero read pmd`).
  public static func state(_ run: SnapshotRun) -> String {
    switch run.state {
    case .unmapped: return "unmapped"
    case .notPresent: return "none"
    case .swap(let type): return "\(type) \(level(run.level))"
    case .protNone, .present:
      var words: [String] = []
      if run.state == .protNone {
        words.append("protnone")
      } else {
        words.append(run.isZeroPage ? "zero" : "present")
        words.append(run.isWritable ? "write" : "read")
      }
      words.append(level(run.level))
      if let folio = run.folio, !run.isZeroPage {
        words.append("order=\(folio.order)")
        words.append(ScenarioInterpreter.kind(folio.kind).map(\.rawValue) ?? folio.kind.description)
        words.append("mapcount=\(run.mapCount)")
      }
      return words.joined(separator: " ")
    }
  }

  /// One line for a run: its start (relative to `base` when given), its size and its state.
  public static func line(_ run: SnapshotRun, base: (name: String, address: VirtualAddress)?) -> String {
    "\(start(run, base)) \(SizeFormatter.string(run.size)) \(state(run))"
      + (run.firstPFN.map { " pfn=\($0)" } ?? "")
  }

  /// The start of a run, relative to `base` when it lies inside it.
  static func start(_ run: SnapshotRun, _ base: (name: String, address: VirtualAddress)?) -> String {
    if let base, run.start >= base.address { return relative(run.start - base.address, to: base.name) }
    return run.start.description
  }

  /// A one-line summary of a range's runs (at most eight), for failed expectations:
  /// `[buf 2M present write pmd order=9 anon mapcount=1, buf+2M 2M none]`.
  public static func summary(
    _ runs: [SnapshotRun], base: (name: String, address: VirtualAddress)?, memory: PhysicalMemory
  ) -> String {
    let shown = runs.prefix(8).map { "\(start($0, base)) \(SizeFormatter.string($0.size)) \(state($0))" }
    let more = runs.count > 8 ? ", ... \(runs.count - 8) more runs" : ""
    return "[" + shown.joined(separator: ", ") + more + "]"
  }
}
