import HMM
import HMMKitJSON

extension ProcessSnapshot {
  /// The schema identifier of ``jsonReport(includeRuns:)``; it changes only when a field changes
  /// meaning or disappears (new fields may be added).
  public static let jsonSchema = "hmmkit.inspect/1"

  /// The snapshot as JSON (the shape is documented in docs/live-mode.md). Addresses, PFNs and
  /// HMM values are `"0x…"` strings (HMM values do not fit a JSON double); byte counts are
  /// numbers; figures that could not be determined are `null`.
  public func jsonReport(includeRuns: Bool = true) -> String {
    let document: JSONValue = .object([
      ("schema", .string(Self.jsonSchema)),
      ("pid", .int(Int(processID))),
      ("command", .optional(command)),
      ("range", range.map { .object([("start", .hex($0.start.rawValue)), ("end", .hex($0.end.rawValue))]) } ?? .null),
      ("sources", .object([
        ("pagemapScan", .bool(sources.pagemapScan)),
        ("pfns", .optional(sources.pfns)),
        ("kpageflags", .bool(sources.pageFlags)),
        ("smaps", .bool(sources.smaps)),
      ])),
      ("warnings", .array(warnings.map { .string($0) })),
      ("summary", Self.json(summary)),
      ("vmas", .array(vmas.map { Self.json($0, includeRuns: includeRuns) })),
    ])
    return document.serialized() + "\n"
  }

  /// The document `hmmkit inspect --json` prints instead of a snapshot when the inspection
  /// failed: the schema, the error's message and the exit status (documented in docs/live-mode.md).
  public static func jsonErrorReport(_ message: String, exitCode: Int = 1) -> String {
    let document: JSONValue = .object([
      ("schema", .string(Self.jsonSchema)),
      ("error", .string(message)),
      ("exitCode", .int(exitCode)),
    ])
    return document.serialized() + "\n"
  }

  static func json(_ summary: InspectionSummary) -> JSONValue {
    .object([
      ("totalBytes", .unsigned(summary.totalBytes)),
      ("presentBytes", .unsigned(summary.presentBytes)),
      ("notPresentBytes", .unsigned(summary.notPresentBytes)),
      ("swappedBytes", .unsigned(summary.swappedBytes)),
      ("errorBytes", .unsigned(summary.errorBytes)),
      ("writableBytes", .unsigned(summary.writableBytes)),
      ("zeroPageBytes", .optional(summary.zeroPageBytes)),
      ("mappableWith2MBytes", .optional(summary.mappableWith2MBytes)),
      ("largeFolioSmallMappingBytes", .optional(summary.largeFolioSmallMappingBytes)),
      ("largeFolioBytes", .optional(summary.largeFolioBytes)),
    ])
  }

  static func json(_ snapshot: VMASnapshot, includeRuns: Bool) -> JSONValue {
    let vma = snapshot.vma
    var members: [(String, JSONValue)] = [
      ("start", .hex(vma.start.rawValue)),
      ("end", .hex(vma.end.rawValue)),
      ("inspectedStart", .hex(snapshot.start.rawValue)),
      ("inspectedEnd", .hex(snapshot.end.rawValue)),
      ("permissions", .string(vma.permissions.description)),
      ("offset", .hex(vma.offset)),
      ("device", .string(vma.device)),
      ("inode", .unsigned(vma.inode)),
      ("path", .string(vma.path)),
      ("kind", .string(vma.kind.rawValue)),
      ("kernelPageSize", .optional(vma.details?.kernelPageSize)),
      ("vmFlags", vma.details.map { .array($0.vmFlags.map { .string($0) }) } ?? .null),
      ("smapsPmdMappedBytes", .optional(vma.details?.pmdMappedBytes)),
      ("hmmError", .optional(snapshot.hmmErrorReason)),
      ("summary", json(snapshot.summary)),
    ]
    if includeRuns { members.append(("runs", .array(snapshot.runs.map(json)))) }
    return .object(members)
  }

  static func json(_ run: PageRun) -> JSONValue {
    .object([
      ("start", .hex(run.start.rawValue)),
      ("end", .hex(run.end.rawValue)),
      ("bytes", .unsigned(run.size)),
      ("present", .bool(run.isPresent)),
      ("swapped", .bool(run.isSwapped)),
      ("pfn", run.pfn.map { .hex($0.rawValue) } ?? .null),
      ("pfnsContiguous", run.pfn == nil ? .null : .bool(run.pfnsContiguous)),
      ("mapOrder", .optional(run.mapOrder)),
      ("pmdMapped", .optional(run.isPMDMapped)),
      ("zeroPage", .optional(run.isZeroPage)),
      ("folio", run.folio.map { folio in
        .object([
          ("head", .hex(folio.head.rawValue)),
          ("order", .int(folio.order)),
          ("thp", .bool(folio.flags.contains(.thp))),
          ("hugetlb", .bool(folio.flags.contains(.huge))),
          ("anon", .bool(folio.flags.contains(.anonymous))),
          ("ksm", .bool(folio.flags.contains(.ksm))),
        ])
      } ?? .null),
      ("largeFolioSmallMapping", .optional(run.isLargeFolioSmallMapping)),
      ("exclusive", .bool(run.isExclusive)),
      ("anonExclusive", .optional(run.isAnonExclusive)),
      ("fileOrShared", .bool(run.isFileOrShared)),
      ("hmm", .object([
        ("value", .hex(run.hmm.rawValue)),
        ("valid", .bool(run.hmm.isValid)),
        ("write", .bool(run.hmm.isWritable)),
        ("error", .bool(run.hmm.isError)),
        ("order", .int(run.hmm.mapOrder)),
      ])),
    ])
  }
}
