extension SweepMergeReport {
  /// One sweep's part of the merge.
  public struct Sweep: Sendable {
    /// The sweep's name.
    public var name: String
    /// The directories merged.
    public var directories: [String]
    /// Jobs in the plan.
    public var planned: Int
    /// Ids merged (a row in `runs` each).
    public var merged: [String] = []
    /// Jobs without a result in any directory.
    public var missing: [SweepStatus.Missing] = []
    /// Jobs with a result in more than one directory (`ID: dir1, dir2`; the first is kept).
    public var duplicates: [String] = []
    /// Result files that do not belong to the plan (`FILE: why`), not merged.
    public var rejected: [String] = []
    /// Tool versions seen.
    public var toolVersions: Set<String> = []
  }
}
