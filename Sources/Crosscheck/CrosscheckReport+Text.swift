extension CrosscheckReport {
  /// The report as text: a header; every step with what each side did, the runs of pages both
  /// agree on that the step changed (unless `agreements` is false; runs unchanged since the
  /// previous step are counted, not repeated), every difference (`DISAGREE` for new ones, `still`
  /// for ones an earlier step introduced, `background` for possible kernel background work) and
  /// new notes; then the list of counted disagreements and the summary line.
  public func textReport(agreements: Bool = true) -> String {
    var lines: [String] = []
    lines.append("crosscheck \(file)")
    lines.append("kernel \(kernelRelease ?? "unknown"), THP \(thpMode ?? "unavailable"); window \(window) (1G-aligned: offsets modulo 2M and 1G kept)")
    for note in notes { lines.append("note: \(note)") }
    var previousRuns: Set<CrosscheckRun> = []
    var previousNotes: Set<String> = []
    for step in steps {
      lines.append("")
      let padded = String(repeating: " ", count: max(0, 4 - String(step.line).count)) + String(step.line)
      lines.append("\(padded)  \(step.text)")
      switch step.status {
      case .notCompared(let reason), .modelOnly(let reason):
        var head = "      \(step.status.label): \(reason)"
        if let model = step.model { head += " (model: \(model))" }
        lines.append(head)
        continue
      default:
        break
      }
      if let model = step.model, let kernel = step.kernel {
        lines.append(model == kernel ? "      both: \(model)" : "      model: \(model); kernel: \(kernel)")
      }
      if agreements {
        var unchanged = 0
        for run in step.agreements {
          if previousRuns.contains(run) {
            unchanged += 1
          } else {
            lines.append("      agree     \(run.process) \(run.location) \(run.state)")
          }
        }
        if unchanged > 0 { lines.append("      agree     \(unchanged) more run\(unchanged == 1 ? "" : "s") unchanged") }
        previousRuns = Set(step.agreements)
      }
      for disagreement in step.disagreements {
        let label = disagreement.since != nil ? "still   " : disagreement.background == nil ? "DISAGREE" : "background"
        let place = disagreement.attribute == .outcome
          ? "\(disagreement.process) outcome"
          : "\(disagreement.process) \(disagreement.location) at 0x\(String(disagreement.realStart, radix: 16))"
        var line = "      \(label)  \(place): \(disagreement.attribute): model \(disagreement.model), kernel \(disagreement.kernel)"
        if let since = disagreement.since { line += " (since line \(since))" }
        if let background = disagreement.background { line += " (possibly background: \(background))" }
        lines.append(line)
      }
      for note in step.notes where !previousNotes.contains(note) { lines.append("      note: \(note)") }
      previousNotes = Set(step.notes)
    }
    lines.append("")
    let counted = disagreements
    if !counted.isEmpty {
      lines.append("disagreements:")
      for item in counted {
        let place = item.attribute == .outcome ? "outcome" : "\(item.location) at 0x\(String(item.realStart, radix: 16))"
        lines.append("  \(file):\(item.line): \(item.step): \(item.process) \(place): \(item.attribute): model \(item.model), kernel \(item.kernel)")
      }
    }
    lines.append("summary: \(summaryLine)")
    return lines.joined(separator: "\n") + "\n"
  }
}
