import Dispatch
import Foundation

/// Runs the hmm-tests conformance suite (`Scenarios/hmm-tests`, one scenario file per test
/// and variant of `tools/testing/selftests/mm/hmm-tests.c`) and reports it as TAP, as the
/// kselftest harness does.
///
/// Files run in ``SelfTestCatalogue`` order (harness order); a catalogue test without its file
/// fails; files of the suite that are not in the catalogue run after them, sorted by name, and
/// are reported as such. A file whose first line is `# selftest-skip: REASON` is not run and is
/// reported as skipped with that reason. A file passes when it parses, checks something (at
/// least one expectation) and every step holds (no failed expectation, no unexpected command
/// error, no invariant or oracle violation).
public struct SelfTestRunner: Sendable {
  /// The suite folder relative to the package root (and the default working directory).
  public static let defaultSuite = "Scenarios/hmm-tests"
  /// The first-line marker of a file that is skipped, followed by the reason.
  public static let skipMarker = "# selftest-skip:"

  /// How the suite runs.
  public struct Options: Sendable {
    /// The folder holding the scenario files.
    public var suite: String
    /// A regular expression: only tests whose TAP name contains a match run (nil: all).
    public var filter: String?
    /// How each scenario runs (memory, invariant checks).
    public var scenario: ScenarioRunner.Options
    /// Files run at once (at least 1).
    public var jobs: Int
    /// Run `benchmark_thp_migration` in full (``SelfTestBenchmark``) instead of its file's
    /// smaller version.
    public var full: Bool

    /// Creates options: the default suite, every test, invariants checked, one job per core.
    public init(suite: String = SelfTestRunner.defaultSuite, filter: String? = nil,
                scenario: ScenarioRunner.Options = ScenarioRunner.Options(),
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, full: Bool = false) {
      self.suite = suite
      self.filter = filter
      self.scenario = scenario
      self.jobs = jobs
      self.full = full
    }
  }

  /// The options.
  public var options: Options

  /// Creates a runner.
  public init(options: Options = Options()) {
    self.options = options
  }

  /// The tests the suite holds, in run order, with their files (before filtering).
  /// - Throws: ``SelfTestError`` when the suite is not a folder.
  public func discover() throws(SelfTestError) -> [(name: String, file: String)] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: options.suite, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw SelfTestError("no suite folder '\(options.suite)': run from the package root or pass --suite DIR")
    }
    let suffix = "." + ScenarioFiles.fileExtension
    var byName: [String: String] = [:]
    for path in ScenarioFiles.expand([options.suite]) {
      let name = String((path as NSString).lastPathComponent.dropLast(suffix.count))
      byName[name] = path
    }
    var ordered: [(name: String, file: String)] = []
    for name in SelfTestCatalogue.names {
      if let file = byName.removeValue(forKey: name) { ordered.append((name, file)) }
    }
    for name in byName.keys.sorted() { ordered.append((name, byName[name]!)) }
    return ordered
  }

  /// Runs the suite.
  /// - Throws: ``SelfTestError`` when the suite is not a folder or the filter is not a valid
  ///   regular expression.
  public func run() throws(SelfTestError) -> SelfTestReport {
    let found = try discover()
    let files = Dictionary(found.map { ($0.name, $0.file) }, uniquingKeysWith: { first, _ in first })
    let catalogue = Set(SelfTestCatalogue.names)
    // Every catalogue test (a missing file is a failure), then the files outside the catalogue.
    var tests: [(name: String, file: String)] = SelfTestCatalogue.names.map { ($0, files[$0] ?? "") }
    tests += found.filter { !catalogue.contains($0.name) }
    if let filter = options.filter {
      let regex: Regex<AnyRegexOutput>
      do {
        regex = try Regex(filter)
      } catch {
        throw SelfTestError("bad --filter regular expression '\(filter)': \(error)")
      }
      tests = tests.filter { $0.name.contains(regex) }
    }
    let slots = Slots(count: tests.count)
    let selected = tests
    let scenarioOptions = options.scenario
    let full = options.full
    let suite = options.suite
    let workers = max(1, min(options.jobs, tests.count))
    let work = { @Sendable (index: Int) in
      let (name, file) = selected[index]
      var result: SelfTestResult
      if file.isEmpty {
        result = SelfTestResult(name: name, file: "", status: .failed)
        result.failures = [SelfTestResult.Failure(error: "no file \(name).\(ScenarioFiles.fileExtension) in \(suite): every test of the catalogue needs its file (docs/conformance.md)")]
      } else {
        var source: [UInt8]?
        if full, let variant = Self.benchmarkVariant(name) { source = Array(SelfTestBenchmark.scenario(variant: variant, full: true).utf8) }
        result = Self.runOne(name: name, file: file, source: source, options: scenarioOptions)
      }
      result.inCatalogue = catalogue.contains(name)
      slots.store(result, at: index)
    }
    if workers <= 1 {
      for index in tests.indices { work(index) }
    } else {
      DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while let index = slots.next() { work(index) }
      }
    }
    return SelfTestReport(suite: options.suite, results: slots.results())
  }

  /// The variant of a `benchmark_thp_migration` test name, or nil for every other test.
  static func benchmarkVariant(_ name: String) -> String? {
    let parts = name.split(separator: ".")
    guard parts.count == 3, parts[0] == "hmm", parts[2] == SelfTestBenchmark.test else { return nil }
    return String(parts[1])
  }

  /// Runs (or skips) one file, or `source` in its place, timing it.
  static func runOne(name: String, file: String, source: [UInt8]? = nil, options: ScenarioRunner.Options) -> SelfTestResult {
    let clock = ContinuousClock()
    let start = clock.now
    var result = runUntimed(name: name, file: file, source: source, options: options)
    result.seconds = Self.seconds(clock.now - start)
    return result
  }

  private static func runUntimed(name: String, file: String, source: [UInt8]?, options: ScenarioRunner.Options) -> SelfTestResult {
    var result = SelfTestResult(name: name, file: file, status: .passed)
    let bytes: [UInt8]
    if let source {
      bytes = source
    } else {
      do {
        bytes = try ScenarioFiles.read(file)
      } catch {
        result.status = .failed
        result.failures = [SelfTestResult.Failure(error: error.description)]
        return result
      }
    }
    if let reason = skipReason(bytes) {
      guard !reason.isEmpty else {
        result.status = .failed
        result.failures = [SelfTestResult.Failure(line: 1, error: "'\(skipMarker)' needs a reason after the colon")]
        return result
      }
      result.status = .skipped
      result.reason = reason
      return result
    }
    let scenario: Scenario
    do {
      scenario = try ScenarioParser.parse(bytes: bytes, file: file)
    } catch {
      result.status = .failed
      result.failures = error.diagnostics.map { SelfTestResult.Failure(line: $0.location.line, error: $0.description) }
      return result
    }
    let run = ScenarioRunner(options: options).run(scenario)
    result.expectations = run.passed
    result.notRun = run.steps.count { $0.status == .skipped }
    let failures = run.failures
    if !failures.isEmpty {
      result.status = .failed
      result.failures = failures.map { step in
        SelfTestResult.Failure(
          line: step.statement.location.line, command: step.statement.text, expected: step.expected, actual: step.actual,
          error: step.error?.description, violations: step.violations)
      }
    } else if run.passed == 0 {
      result.status = .failed
      result.failures = [SelfTestResult.Failure(error: "the file checks nothing: a test needs at least one expectation")]
    }
    return result
  }

  /// The reason of a `# selftest-skip: REASON` first line ("" when it gives none), or nil.
  public static func skipReason(_ bytes: [UInt8]) -> String? {
    var line = bytes.prefix { $0 != UInt8(ascii: "\n") }
    if line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
    let text = String(decoding: line, as: UTF8.self)
    guard text.hasPrefix(skipMarker) else { return nil }
    return text.dropFirst(skipMarker.count).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }

  /// Result slots filled by worker threads, and the next index to run.
  private final class Slots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [SelfTestResult?]
    private var cursor = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func next() -> Int? {
      lock.lock()
      defer { lock.unlock() }
      guard cursor < slots.count else { return nil }
      cursor += 1
      return cursor - 1
    }

    func store(_ result: SelfTestResult, at index: Int) {
      lock.lock()
      slots[index] = result
      lock.unlock()
    }

    func results() -> [SelfTestResult] {
      lock.lock()
      defer { lock.unlock() }
      return slots.map { $0! }
    }
  }
}

/// Why the suite could not run (a usage error: exit status 2).
public struct SelfTestError: Error, Sendable, CustomStringConvertible {
  /// The message.
  public var description: String

  /// Creates an error.
  public init(_ description: String) { self.description = description }
}

/// The outcome of one test of the suite.
public struct SelfTestResult: Sendable {
  /// How the test ended.
  public enum Status: String, Sendable {
    /// Every step held.
    case passed
    /// A step failed, or the file could not be read or parsed.
    case failed
    /// The file is marked `# selftest-skip: REASON`.
    case skipped
  }

  /// What went wrong at one step (or in the file).
  public struct Failure: Sendable, Hashable {
    /// The line, when known.
    public var line: Int?
    /// The statement as written.
    public var command: String?
    /// The expected value of a failed expectation.
    public var expected: String?
    /// The actual value of a failed expectation.
    public var actual: String?
    /// The error of a command that failed unexpectedly, or a read or parse error.
    public var error: String?
    /// Invariant or oracle violations found after the step.
    public var violations: [String]

    /// Creates a failure.
    public init(line: Int? = nil, command: String? = nil, expected: String? = nil, actual: String? = nil,
                error: String? = nil, violations: [String] = []) {
      self.line = line
      self.command = command
      self.expected = expected
      self.actual = actual
      self.error = error
      self.violations = violations
    }
  }

  /// The TAP name (`hmm.hmm_device_private.anon_read`).
  public var name: String
  /// The scenario file.
  public var file: String
  /// How it ended.
  public var status: Status
  /// Why it was skipped.
  public var reason: String?
  /// What failed.
  public var failures: [Failure] = []
  /// Expectations that held.
  public var expectations = 0
  /// Steps not run because an earlier command failed unexpectedly.
  public var notRun = 0
  /// Wall-clock time.
  public var seconds = 0.0
  /// Whether the test is one of the catalogue's (a file outside it is reported as such).
  public var inCatalogue = true

  /// Creates a result.
  public init(name: String, file: String, status: Status) {
    self.name = name
    self.file = file
    self.status = status
  }
}

/// The outcome of the whole suite, as TAP or JSON.
public struct SelfTestReport: Sendable {
  /// The suite folder.
  public var suite: String
  /// Every test in run order.
  public var results: [SelfTestResult]

  /// Tests that passed.
  public var passed: Int { results.count { $0.status == .passed } }
  /// Tests that failed.
  public var failed: Int { results.count { $0.status == .failed } }
  /// Tests that were skipped.
  public var skipped: Int { results.count { $0.status == .skipped } }
  /// 1 when a test failed, else 0.
  public var exitCode: Int32 { failed > 0 ? 1 : 0 }

  /// `N passed, N failed, N skipped`.
  public var summary: String { "\(passed) passed, \(failed) failed, \(skipped) skipped" }

  /// The report as the kselftest harness (`kselftest_harness.h` over `kselftest.h`) prints it:
  /// `TAP version 13`, the plan, `# Starting N tests from M test cases.`, then per test
  /// `#  RUN           NAME ...`, its diagnostics (`# FILE:LINE:TEST:...` for every failed step,
  /// `#      SKIP      REASON`), `#            OK  NAME` or `#          FAIL  NAME`, and the
  /// result `ok N NAME`, `not ok N NAME` or `ok N NAME # SKIP REASON`; at the end
  /// `# PASSED: P / N tests passed.` (or `FAILED`) and
  /// `# Totals: pass:P fail:F xfail:0 xpass:0 skip:S error:0`, the last line. A file outside the
  /// catalogue gets a `# NAME: not in the hmm-tests catalogue` line before its `RUN`.
  public var tap: String {
    var lines = ["TAP version 13", "1..\(results.count)"]
    // A test case is a fixture variant with at least one test selected (test_harness_run).
    var cases: [String] = []
    for result in results {
      let parts = result.name.split(separator: ".")
      let key = parts.count == 3 ? parts[0...1].joined(separator: ".") : result.name
      if !cases.contains(key) { cases.append(key) }
    }
    lines.append("# Starting \(results.count) tests from \(cases.count) test cases.")
    for (index, result) in results.enumerated() {
      let number = index + 1
      let test = result.name.split(separator: ".").last.map(String.init) ?? result.name
      if !result.inCatalogue { lines.append("# \(result.name): not in the hmm-tests catalogue (docs/conformance.md)") }
      lines.append("#  RUN           \(result.name) ...")
      switch result.status {
      case .passed:
        lines.append("#            OK  \(result.name)")
        lines.append("ok \(number) \(result.name)")
      case .skipped:
        lines.append("#      SKIP      \(result.reason ?? "")")
        lines.append("#            OK  \(result.name)")
        lines.append("ok \(number) \(result.name) # SKIP \(result.reason ?? "")")
      case .failed:
        let file = (result.file as NSString).lastPathComponent
        for failure in result.failures {
          var text = "# \(file.isEmpty ? result.name : file):\(failure.line.map(String.init) ?? "0"):\(test):"
          text += failure.command ?? failure.error ?? ""
          lines.append(text)
          if let expected = failure.expected { lines.append("#     expected: \(expected)") }
          if let actual = failure.actual { lines.append("#     actual:   \(actual)") }
          if failure.command != nil, let error = failure.error { lines.append("#     error:    \(error)") }
          for violation in failure.violations { lines.append("#     violation: \(violation)") }
        }
        // An unexpected command error stops the file, as a failed ASSERT_* aborts the test.
        let aborted = result.notRun > 0 || result.failures.contains { $0.command != nil && $0.expected == nil && $0.error != nil }
        if result.notRun > 0 { lines.append("#     not run: \(result.notRun) step\(result.notRun == 1 ? "" : "s") after the failure") }
        lines.append("# \(test): \(aborted ? "Test terminated by assertion" : "Test failed")")
        lines.append("#          FAIL  \(result.name)")
        lines.append("not ok \(number) \(result.name)")
      }
    }
    lines.append("# \(failed > 0 ? "FAILED" : "PASSED"): \(passed) / \(results.count) tests passed.")
    lines.append(totals)
    return lines.joined(separator: "\n") + "\n"
  }

  /// `# Totals: pass:P fail:F xfail:0 xpass:0 skip:S error:0` (`ksft_print_cnts`).
  public var totals: String { "# Totals: pass:\(passed) fail:\(failed) xfail:0 xpass:0 skip:\(skipped) error:0" }

  /// The report as JSON: `version`, `suite`, `tests` (number, name, file, status, reason,
  /// expectations, notRun, seconds, failures), `totals` and `exitCode`.
  public var json: JSONValue {
    let tests: [JSONValue] = results.enumerated().map { index, result in
      .object([
        ("number", .int(index + 1)), ("name", .string(result.name)), ("file", .string(result.file)),
        ("status", .string(result.status.rawValue)), ("reason", result.reason.map { .string($0) } ?? .null),
        ("inCatalogue", .bool(result.inCatalogue)),
        ("expectations", .int(result.expectations)), ("notRun", .int(result.notRun)),
        ("milliseconds", .int(Int((result.seconds * 1000).rounded()))),
        ("failures", .array(result.failures.map { failure in
          .object([
            ("line", failure.line.map { .int($0) } ?? .null), ("command", failure.command.map { .string($0) } ?? .null),
            ("expected", failure.expected.map { .string($0) } ?? .null), ("actual", failure.actual.map { .string($0) } ?? .null),
            ("error", failure.error.map { .string($0) } ?? .null), ("violations", .array(failure.violations.map { .string($0) })),
          ])
        })),
      ])
    }
    return .object([
      ("version", .int(1)), ("suite", .string(suite)), ("tests", .array(tests)),
      ("totals", .object([("passed", .int(passed)), ("failed", .int(failed)), ("skipped", .int(skipped))])),
      ("exitCode", .int(Int(exitCode))),
    ])
  }

  /// A YAML double-quoted scalar (JSON string syntax, which YAML accepts).
  static func quoted(_ text: String) -> String { JSONValue.string(text).serialized() }
}
