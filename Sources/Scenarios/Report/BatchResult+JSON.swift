import MemoryModel

extension BatchResult {
  /// The name of the JSON schema (`docs/json-schema.md`).
  public static let jsonSchemaName = "hmmkit.scenario-result"
  /// The version of the JSON schema; it changes only when a field changes meaning or goes away.
  public static let jsonSchemaVersion = 1

  /// The result as JSON, in the versioned schema of `docs/json-schema.md`.
  public var json: JSONValue {
    .object([
      ("schema", .string(Self.jsonSchemaName)),
      ("version", .int(Self.jsonSchemaVersion)),
      ("mode", .string(mode.rawValue)),
      ("files", .array(files.map { Self.json(for: $0, mode: mode) })),
      (
        "totals",
        .object([
          ("files", .int(files.count)),
          ("filesPassed", .int(files.count { $0.succeeded })),
          ("filesFailed", .int(files.count { $0.didRun && !$0.succeeded })),
          ("filesWithErrors", .int(files.count { !$0.didRun })),
          ("passed", .int(passed)),
          ("failed", .int(failed)),
        ])
      ),
      ("summary", .string(summary)),
      ("exitCode", .int(Int(exitCode))),
    ])
  }

  private static func json(for file: ScenarioResult, mode: Mode) -> JSONValue {
    let status: String
    if !file.didRun {
      status = "error"
    } else if mode == .check {
      status = "ok"
    } else {
      status = file.succeeded ? "passed" : "failed"
    }
    return .object([
      ("file", .string(file.file)),
      ("status", .string(status)),
      ("statements", .int(file.statementCount)),
      ("passed", .int(file.passed)),
      ("failed", .int(file.failed)),
      ("diagnostics", .array(file.diagnostics.map(json(for:)))),
      ("failures", .array(file.failures.map(failureJSON))),
      ("steps", .array(file.steps.map(json(for:)))),
    ])
  }

  private static func json(for diagnostic: ScenarioDiagnostic) -> JSONValue {
    .object([
      ("file", .string(diagnostic.location.file)),
      ("line", .int(diagnostic.location.line)),
      ("column", .int(diagnostic.location.column)),
      ("problem", .string(diagnostic.problem)),
      ("accepted", .string(diagnostic.accepted)),
      ("message", .string(diagnostic.description)),
    ])
  }

  private static func failureJSON(_ step: StepResult) -> JSONValue {
    .object([
      ("line", .int(step.statement.location.line)),
      ("command", .string(step.statement.text)),
      ("expected", step.expected.map(JSONValue.string) ?? .null),
      ("actual", step.actual.map(JSONValue.string) ?? .null),
      ("error", step.error.map(json(for:)) ?? .null),
      ("violations", .array(step.violations.map(JSONValue.string))),
    ])
  }

  private static func json(for error: CommandError) -> JSONValue {
    .object([
      ("name", .string(error.name)),
      ("errno", .int(Int(error.errno.rawValue))),
      ("reason", .string(error.reason)),
    ])
  }

  private static func json(for step: StepResult) -> JSONValue {
    .object([
      ("line", .int(step.statement.location.line)),
      ("column", .int(step.statement.location.column)),
      ("command", .string(step.statement.text)),
      ("kind", .string(step.statement.command.keyword)),
      ("expectation", .bool(step.isExpectation)),
      ("status", .string(step.status.rawValue)),
      ("error", step.error.map(json(for:)) ?? .null),
      ("expected", step.expected.map(JSONValue.string) ?? .null),
      ("actual", step.actual.map(JSONValue.string) ?? .null),
      ("output", .array(step.output.map(JSONValue.string))),
      (
        "invalidations",
        .array(
          step.invalidations.map { entry in
            .object([
              ("process", .string(entry.process)),
              ("event", .string(entry.range.event.description)),
              ("start", .string(entry.range.start.description)),
              ("end", .string(entry.range.end.description)),
            ])
          })
      ),
      ("snapshot", step.snapshot.map { runs in .array(runs.map { json(for: $0, base: step.snapshotBase) }) } ?? .null),
      ("violations", .array(step.violations.map(JSONValue.string))),
    ])
  }

  private static func json(for run: SnapshotRun, base: (name: String, address: VirtualAddress)?) -> JSONValue {
    let state: String
    switch run.state {
    case .unmapped: state = "unmapped"
    case .notPresent: state = "none"
    case .present: state = run.isZeroPage ? "zero" : "present"
    case .protNone: state = "protnone"
    case .swap(let type): state = type.description
    }
    var offset: JSONValue = .null
    if let base, run.start >= base.address { offset = .string(RunFormatter.relative(run.start - base.address, to: base.name)) }
    return .object([
      ("start", .string(run.start.description)),
      ("offset", offset),
      ("pages", .int(run.pageCount)),
      ("size", .string(SizeFormatter.string(run.size))),
      ("state", .string(state)),
      ("writable", .bool(run.isWritable)),
      ("level", .string(RunFormatter.level(run.level))),
      ("zero", .bool(run.isZeroPage)),
      ("pfn", run.firstPFN.map { .string($0.description) } ?? .null),
      (
        "folio",
        run.folio.map { folio in
          .object([
            ("head", .string(folio.head.description)),
            ("order", .int(folio.order)),
            ("kind", .string(ScenarioInterpreter.kind(folio.kind)?.rawValue ?? folio.kind.description)),
          ])
        } ?? .null
      ),
      ("mapcount", .int(run.mapCount)),
    ])
  }
}
