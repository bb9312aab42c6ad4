import MemoryModel

/// Takes read-only snapshots of a process's memory, as `hmm_range_fault()` would see it:
/// `/proc/PID/maps` (+ `smaps`) for the VMAs, `PAGEMAP_SCAN` for PMD mappings and zero pages,
/// `/proc/PID/pagemap` for presence, PFNs and exclusivity, `/proc/kpageflags` for folios.
///
/// ```swift
/// let snapshot = try ProcessInspector(pid: 1234).snapshot()
/// print(snapshot.textReport())
/// ```
public struct ProcessInspector<Source: ProcessMemorySource> {
  /// Where the process is read from.
  public var source: Source
  /// How it is read.
  public var options: InspectionOptions

  /// An inspector reading `source`.
  public init(source: Source, options: InspectionOptions = InspectionOptions()) {
    self.source = source
    self.options = options
  }

  /// Reads the process once and returns its snapshot. Missing privileges and interfaces do not
  /// fail the snapshot: they turn the figures that need them into nil and add a warning.
  /// - Throws: ``LiveLinuxError`` when the process cannot be read at all.
  public func snapshot() throws(LiveLinuxError) -> ProcessSnapshot {
    var vmas = try LiveVMA.parseMaps(try source.readMaps(), overlapping: options.range.map { ($0.start.rawValue, $0.end.rawValue) })
    var warnings: [String] = []
    var smapsRead = false
    do {
      let details = VMADetails.parseSmaps(
        try source.readSmaps(), overlapping: options.range.map { ($0.start.rawValue, $0.end.rawValue) })
      vmas = vmas.map { vma in
        guard let found = details[vma.start.rawValue] else { return vma }
        return LiveVMA(start: vma.start, end: vma.end, permissions: vma.permissions, offset: vma.offset,
                       device: vma.device, inode: vma.inode, path: vma.path, details: found)
      }
      smapsRead = true
    } catch {
      warnings.append("cannot read /proc/\(source.processID)/smaps (\(error)): hugetlb page sizes, VM_IO/VM_PFNMAP "
        + "and the PMD-mapped totals the fallback needs are unavailable.")
    }
    if vmas.isEmpty {
      warnings.append("process \(source.processID) has no memory mappings (a kernel thread, or a zombie).")
    }
    var walker = PageWalker(source: source, options: options)
    var snapshots: [VMASnapshot] = []
    for vma in vmas {
      var lower = vma.start
      var upper = vma.end
      if let range = options.range {
        guard range.overlaps(vma.start, vma.end) else { continue }
        lower = max(lower, range.start)
        upper = min(upper, range.end)
      }
      snapshots.append(try walker.inspect(vma, from: lower, to: upper))
    }
    if options.range != nil && snapshots.isEmpty {
      warnings.append("no VMA of process \(source.processID) overlaps \(options.range!); `cat /proc/\(source.processID)/maps` lists them.")
    }
    warnings += walker.warnings
    if walker.sawHiddenPFN {
      warnings.append("PFNs are hidden (pagemap shows PFN 0: reading PFNs needs CAP_SYS_ADMIN). PFNs, folio heads "
        + "and orders, and the 'large folio, small mapping' figure are unavailable; run as root for them. Continuing.")
    } else if let failure = walker.resolver.failure {
      warnings.append("cannot read /proc/kpageflags (\(failure)). Folio heads and orders and the 'large folio, small "
        + "mapping' figure are unavailable. Continuing.")
    }
    let sources = SnapshotSources(
      pagemapScan: walker.scanAvailable && options.usePagemapScan,
      pfns: walker.sawHiddenPFN ? false : (walker.sawPFN ? true : nil),
      pageFlags: walker.resolver.isAvailable && walker.resolver.failure == nil && !walker.sawHiddenPFN,
      smaps: smapsRead)
    if !options.usePagemapScan {
      warnings.append("PAGEMAP_SCAN not used (--no-pagemap-scan): PMD mappings are inferred from folio alignment "
        + "and smaps totals.")
    }
    return ProcessSnapshot(processID: source.processID, command: source.readCommand(), range: options.range,
                           vmas: snapshots, sources: sources, warnings: warnings)
  }
}

extension ProcessInspector where Source == LiveProcessSource {
  /// An inspector of the live process `pid` (this process when nil).
  /// - Throws: ``LiveLinuxError/noSuchProcess(pid:)``, ``LiveLinuxError/permissionDenied(path:)``.
  public init(pid: Int32? = nil, options: InspectionOptions = InspectionOptions()) throws(LiveLinuxError) {
    self.init(source: try LiveProcessSource(pid: pid), options: options)
  }
}
