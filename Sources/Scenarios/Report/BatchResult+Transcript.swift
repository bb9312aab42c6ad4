extension BatchResult {
  /// The readable report of a run or check: per file its steps (all of them, or only the
  /// failing ones when `verbose` is false), then every failure with `file:line`, expected and
  /// actual, then the summary line `N passed, N failed`.
  ///
  /// Parse and read errors are not part of it; print ``diagnostics`` to standard error.
  public func transcript(verbose: Bool = true) -> String {
    var lines: [String] = []
    for file in files where file.didRun {
      switch mode {
      case .check:
        lines.append("\(file.file): ok (\(file.statementCount) statement\(file.statementCount == 1 ? "" : "s"))")
      case .run:
        if verbose { lines.append("== \(file.file)") }
        for step in file.steps where verbose {
          lines += Self.describe(step, verbose: verbose)
        }
        let verdict = file.succeeded ? "PASS" : "FAIL"
        lines.append("\(verdict) \(file.file): \(file.passed) passed, \(file.failed) failed")
        if verbose { lines.append("") }
      }
    }
    if mode == .run {
      let failures = files.flatMap(\.failures)
      if !failures.isEmpty {
        lines.append("Failures:")
        for step in failures { lines += Self.failureReport(step) }
        lines.append("")
      }
      lines.append(summary)
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Every diagnostic of every file, one a line, in the compiler form.
  public var diagnostics: String {
    files.flatMap(\.diagnostics).map { "\($0)\n" }.joined()
  }

  /// The lines of one step: line number and text, status, then indented details.
  private static func describe(_ step: StepResult, verbose: Bool) -> [String] {
    let number = String(step.statement.location.line)
    let prefix = String(repeating: " ", count: max(0, 5 - number.count)) + number + "  "
    var head = prefix + step.statement.text
    switch step.status {
    case .ok where step.isExpectation: head += "   ok"
    case .ok: break
    case .expectedError: head += "   -> \(step.error?.name ?? "error") (expected)"
    case .failed: head += "   FAILED"
    case .skipped: head += "   (skipped)"
    }
    var lines = [head]
    let indent = String(repeating: " ", count: prefix.count + 2)
    if verbose || step.isFailure {
      for line in step.output { lines.append(indent + line) }
      if let runs = step.snapshot, case .snapshot = step.statement.command {
        for run in runs { lines.append(indent + RunFormatter.line(run, base: step.snapshotBase)) }
      }
    }
    if step.status == .expectedError, let error = step.error, verbose,
      !step.output.contains(where: { $0.hasSuffix(error.reason) })
    {
      lines.append(indent + error.reason)
    }
    if step.isFailure {
      if let error = step.error, step.status == .failed, !step.isExpectation {
        lines.append(indent + "unexpected error \(error)")
      }
      if let expected = step.expected { lines.append(indent + "expected: \(expected)") }
      if let actual = step.actual { lines.append(indent + "actual:   \(actual)") }
      for violation in step.violations { lines.append(indent + "invariant violated: \(violation)") }
    }
    return lines
  }

  /// `file:line: failed: TEXT`, then expected, actual, error and violations.
  private static func failureReport(_ step: StepResult) -> [String] {
    let location = step.statement.location
    var lines = ["\(location.file):\(location.line): failed: \(step.statement.text)"]
    if let expected = step.expected { lines.append("    expected: \(expected)") }
    if let actual = step.actual { lines.append("    actual:   \(actual)") }
    if let error = step.error {
      // An expectation that could not be evaluated (a read with expect= that faulted) says why.
      lines.append(step.isExpectation ? "    error: \(error)" : "    unexpected error: \(error)")
    }
    for violation in step.violations { lines.append("    invariant violated: \(violation)") }
    return lines
  }
}
