import Scenarios

extension CrosscheckReport {
  /// The schema identifier of ``jsonReport()``.
  public static let jsonSchema = "hmmkit.crosscheck/1"

  /// The report as JSON (schema `hmmkit.crosscheck/1`, documented in docs/live-mode.md).
  /// Addresses are `"0x…"` strings.
  public func jsonReport() -> String { jsonValue.serialized() + "\n" }

  /// The document (internal: `hmmkit crosscheck --json` puts several in one array).
  var jsonValue: JSONValue {
    .object([
      ("schema", .string(Self.jsonSchema)),
      ("file", .string(file)),
      ("kernel", .optional(kernelRelease)),
      ("thp", .optional(thpMode)),
      ("window", .object([
        ("modelStart", .hex(window.modelStart)), ("realStart", .hex(window.realStart)), ("size", .number(window.size)),
      ])),
      ("notes", .array(notes.map { .string($0) })),
      ("steps", .array(steps.map(Self.json))),
      ("summary", .object([
        ("steps", .number(UInt64(steps.count))),
        ("compared", .number(UInt64(comparedSteps))),
        ("agreed", .number(UInt64(agreedSteps))),
        ("disagreed", .number(UInt64(disagreedSteps))),
        ("persisting", .number(UInt64(persistingSteps))),
        ("notCompared", .number(UInt64(notComparedSteps))),
        ("modelOnly", .number(UInt64(modelOnlySteps))),
        ("disagreements", .number(UInt64(disagreements.count))),
        ("backgroundDifferences", .number(UInt64(backgroundDifferences.count))),
        ("agrees", .bool(agrees)),
      ])),
    ])
  }

  /// The schema identifier of ``jsonError(_:diagnostics:exitCode:)``.
  public static let jsonErrorSchema = "hmmkit.crosscheck-error/1"

  /// The document `hmmkit crosscheck --json` prints instead of reports when nothing could be
  /// compared: the files did not parse (`diagnostics`, exit status 2), or crosschecks cannot run
  /// here (exit status 1). Schema `hmmkit.crosscheck-error/1` (docs/live-mode.md).
  public static func jsonError(_ message: String, diagnostics: [ScenarioDiagnostic], exitCode: Int) -> String {
    JSONValue.object([
      ("schema", .string(jsonErrorSchema)),
      ("error", .string(message)),
      ("diagnostics", .array(diagnostics.map { diagnostic in
        .object([
          ("file", .string(diagnostic.location.file)), ("line", .int(diagnostic.location.line)),
          ("column", .int(diagnostic.location.column)), ("message", .string(diagnostic.description)),
        ])
      })),
      ("exitCode", .int(exitCode)),
    ]).serialized() + "\n"
  }

  /// Several reports as one JSON array.
  public static func jsonReport(_ reports: [CrosscheckReport]) -> String {
    JSONValue.array(reports.map(\.jsonValue)).serialized() + "\n"
  }

  private static func json(_ step: CrosscheckStep) -> JSONValue {
    let status: String
    switch step.status {
    case .agreed: status = "agreed"
    case .disagreed: status = "disagreed"
    case .persisting: status = "persisting"
    case .background: status = "background"
    case .notCompared: status = "notCompared"
    case .modelOnly: status = "modelOnly"
    }
    return .object([
      ("line", .number(UInt64(step.line))),
      ("text", .string(step.text)),
      ("status", .string(status)),
      ("reason", .optional(step.status.reason)),
      ("model", .optional(step.model)),
      ("kernel", .optional(step.kernel)),
      ("faults", .object([
        ("model", step.modelFaults.map { .int($0) } ?? .null), ("kernel", step.kernelFaults.map { .int($0) } ?? .null),
      ])),
      ("agreements", .array(step.agreements.map { run in
        .object([
          ("process", .string(run.process)), ("start", .hex(run.start)), ("end", .hex(run.end)),
          ("realStart", .hex(run.realStart)), ("location", .string(run.location)), ("state", json(run.state)),
        ])
      })),
      ("disagreements", .array(step.disagreements.map { item in
        .object([
          ("process", .string(item.process)), ("start", .hex(item.start)), ("end", .hex(item.end)),
          ("realStart", .hex(item.realStart)), ("location", .string(item.location)),
          ("attribute", .string(item.attribute.rawValue)), ("model", .string(item.model)), ("kernel", .string(item.kernel)),
          ("background", .optional(item.background)), ("since", item.since.map { .int($0) } ?? .null),
        ])
      })),
      ("notes", .array(step.notes.map { .string($0) })),
    ])
  }

  private static func json(_ state: CrosscheckPageState) -> JSONValue {
    .object([
      ("vma", .optional(state.vma)),
      ("present", .bool(state.present)),
      ("pmd", .optional(state.present ? state.pmd : nil)),
      ("zero", .optional(state.present ? state.zero : nil)),
      ("order", state.order.map { .int($0) } ?? .null),
      ("write", .bool(state.write)),
      ("sharedWith", .array(state.sharedWith.map { .string($0) })),
      ("anonExclusive", .optional(state.anonExclusive)),
    ])
  }
}
