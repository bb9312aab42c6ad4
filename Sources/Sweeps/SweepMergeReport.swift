/// What `hmmkit sweep merge` did: rows written per sweep, and every job it could not merge.
public struct SweepMergeReport: Sendable {
  /// Per sweep, in the order first met.
  public var sweeps: [Sweep] = []
  /// The database.
  public var database: String

  /// Whether every planned job was merged once, with nothing rejected.
  public var isComplete: Bool { sweeps.allSatisfy { $0.missing.isEmpty && $0.duplicates.isEmpty && $0.rejected.isEmpty } }

  /// The report's text.
  public var text: String {
    var lines: [String] = []
    for sweep in sweeps {
      lines.append("sweep \(sweep.name): merged \(sweep.merged.count)/\(sweep.planned) jobs from \(sweep.directories.joined(separator: ", ")) into \(database)")
      if sweep.toolVersions.count > 1 { lines.append("  warning: results from several tool versions: \(sweep.toolVersions.sorted().joined(separator: "; "))") }
      if !sweep.missing.isEmpty {
        lines.append("  \(sweep.missing.count) missing job\(sweep.missing.count == 1 ? "" : "s"):")
        for job in sweep.missing { lines.append("    \(job.id) (\(job.label)): \(job.reason)") }
      }
      if !sweep.duplicates.isEmpty {
        lines.append("  \(sweep.duplicates.count) duplicate job\(sweep.duplicates.count == 1 ? "" : "s") (the first directory's result kept):")
        for line in sweep.duplicates { lines.append("    \(line)") }
      }
      if !sweep.rejected.isEmpty {
        lines.append("  \(sweep.rejected.count) result file\(sweep.rejected.count == 1 ? "" : "s") not merged:")
        for line in sweep.rejected { lines.append("    \(line)") }
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
