import HMM
import MemoryModel

extension ProcessSnapshot {
  /// The snapshot for people: a header with the sources and warnings, each VMA (as
  /// `/proc/PID/maps` prints it) with its runs, and the summary.
  public func textReport(includeRuns: Bool = true) -> String {
    var lines: [String] = []
    let name = command.map { " (\($0))" } ?? ""
    lines.append("process \(processID)\(name): \(vmas.count) VMA\(vmas.count == 1 ? "" : "s")"
      + (range.map { " overlapping \($0)" } ?? "") + ", \(formatSize(summary.totalBytes)) inspected")
    var used: [String] = []
    used.append(sources.pagemapScan ? "PAGEMAP_SCAN" : "no PAGEMAP_SCAN")
    switch sources.pfns {
    case true?: used.append("pagemap with PFNs")
    case false?: used.append("pagemap without PFNs")
    case nil: used.append("pagemap")
    }
    used.append(sources.pageFlags ? "kpageflags" : "no kpageflags")
    used.append(sources.smaps ? "smaps" : "no smaps")
    lines.append("sources: " + used.joined(separator: ", "))
    for warning in warnings { lines.append("warning: " + warning) }
    for snapshot in vmas {
      lines.append("")
      var header = snapshot.vma.description + "  (\(snapshot.vma.kind)"
      if let details = snapshot.vma.details {
        if details.kernelPageSize != 4096 { header += ", \(formatSize(details.kernelPageSize)) pages" }
        if details.has("hg") { header += ", MADV_HUGEPAGE" }
        if details.has("nh") { header += ", MADV_NOHUGEPAGE" }
        if details.pmdMappedBytes > 0 { header += ", smaps PMD-mapped \(formatSize(details.pmdMappedBytes))" }
      }
      header += ")"
      if snapshot.start != snapshot.vma.start || snapshot.end != snapshot.vma.end {
        header += " inspected \(snapshot.start)-\(snapshot.end)"
      }
      lines.append(header)
      if let reason = snapshot.hmmErrorReason { lines.append("  hmm_range_fault: HMM_PFN_ERROR for the whole VMA (\(reason))") }
      if includeRuns {
        for run in snapshot.runs { lines.append("  " + run.description) }
      } else {
        lines.append("  " + Self.oneLine(snapshot.summary))
      }
    }
    lines.append("")
    lines.append("summary:")
    lines.append(contentsOf: Self.summaryLines(summary).map { "  " + $0 })
    let orders = folioOrderStatistics.lines
    if !orders.isEmpty {
      lines.append("large folios by order (as tools/mm/thpmaps counts them):")
      lines.append(contentsOf: orders.map { "  " + $0 })
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func figure(_ value: UInt64?) -> String { value.map(formatSize) ?? "unavailable" }

  static func oneLine(_ summary: InspectionSummary) -> String {
    "present \(formatSize(summary.presentBytes)), not present \(formatSize(summary.notPresentBytes)), "
      + "2M-mappable \(figure(summary.mappableWith2MBytes)), large folio/small mapping "
      + figure(summary.largeFolioSmallMappingBytes)
  }

  static func summaryLines(_ summary: InspectionSummary) -> [String] {
    let rows: [(String, String)] = [
      ("inspected", formatSize(summary.totalBytes)),
      ("present", formatSize(summary.presentBytes)),
      ("not present", formatSize(summary.notPresentBytes) + (summary.swappedBytes > 0 ? " (swapped \(formatSize(summary.swappedBytes)))" : "")),
      ("mappable with 2M pages by the map order", figure(summary.mappableWith2MBytes)),
      ("large folio, small mapping (exposed by folio-size mapping)", figure(summary.largeFolioSmallMappingBytes)),
      ("in large folios", figure(summary.largeFolioBytes)),
      ("zero page", figure(summary.zeroPageBytes)),
      ("HMM_PFN_WRITE", formatSize(summary.writableBytes)),
      ("HMM_PFN_ERROR", formatSize(summary.errorBytes)),
    ]
    let width = rows.map(\.0.count).max() ?? 0
    return rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }
  }
}
