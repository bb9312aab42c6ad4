import Foundation
import Testing

@testable import Scenarios

/// `hmmkit selftest`: the hmm-tests conformance suite runs through the library, every test of the
/// catalogue has its file, nothing fails, and skips carry reasons; the TAP report and the runner's
/// handling of skips, failures, parse errors and filters.
@Suite struct SelfTestTests {
  static let suite = PackagePaths.root + "/" + SelfTestRunner.defaultSuite

  /// The tests the suite may skip, and why (everything else must run and pass).
  static let allowedSkips: Set<String> = []

  @Test func catalogueHas76TestsInHarnessOrder() {
    let names = SelfTestCatalogue.names
    #expect(SelfTestCatalogue.tests.count == 38)
    #expect(names.count == 76)
    #expect(Set(names).count == 76)
    #expect(names.first == "hmm.hmm_device_private.open_close")
    #expect(names[34] == "hmm.hmm_device_private.benchmark_thp_migration")
    #expect(names[35] == "hmm.hmm_device_coherent.open_close")
    #expect(names[70] == "hmm2.hmm2_device_private.migrate_mixed")
    #expect(names.last == "hmm2.hmm2_device_coherent.double_map")
  }

  @Test func everyCatalogueTestHasExactlyOneFile() throws {
    let tests = try SelfTestRunner(options: .init(suite: Self.suite)).discover()
    #expect(tests.map(\.name) == SelfTestCatalogue.names, "the suite holds exactly the catalogue, in harness order")
  }

  @Test func wholeSuitePasses() throws {
    // One file at a time (swift test already runs other suites on every core), and without the
    // per-step invariant checks, which ScenarioFileTests already runs on every one of these files.
    let report = try SelfTestRunner(options: .init(suite: Self.suite, scenario: .init(checkInvariants: false), jobs: 1)).run()
    #expect(report.results.count == 76)
    #expect(report.results.map(\.name) == SelfTestCatalogue.names)
    for result in report.results where result.status == .failed {
      var lines = ["not ok - \(result.name)"]
      for failure in result.failures {
        lines.append("  \(result.file):\(failure.line.map(String.init) ?? "?"): \(failure.command ?? "")")
        if let expected = failure.expected { lines.append("    expected: \(expected)") }
        if let actual = failure.actual { lines.append("    actual:   \(actual)") }
        if let error = failure.error { lines.append("    error:    \(error)") }
        for violation in failure.violations { lines.append("    violation: \(violation)") }
      }
      Issue.record(Comment(rawValue: lines.joined(separator: "\n")))
    }
    #expect(report.failed == 0)
    let skipped = report.results.filter { $0.status == .skipped }
    #expect(Set(skipped.map(\.name)) == Self.allowedSkips)
    for result in skipped {
      #expect(!(result.reason ?? "").isEmpty, "\(result.name) is skipped without a reason")
    }
    #expect(report.passed == 76 - skipped.count - report.failed)
    #expect(report.passed + report.failed + report.skipped == 76)
    let tap = report.tap
    #expect(tap.hasPrefix("TAP version 13\n1..76\nok 1 - hmm.hmm_device_private.open_close\n"))
    #expect(tap.hasSuffix("\(report.passed) passed, \(report.failed) failed, \(report.skipped) skipped\n"))
  }

  @Test func everyPassingTestChecksSomething() throws {
    let report = try SelfTestRunner(options: .init(suite: Self.suite, filter: "open_close|mixedmap")).run()
    #expect(report.results.map(\.name) == [
      "hmm.hmm_device_private.open_close", "hmm.hmm_device_private.mixedmap",
      "hmm.hmm_device_coherent.open_close", "hmm.hmm_device_coherent.mixedmap",
    ])
    for result in report.results { #expect(result.expectations > 0, "\(result.name) checks nothing") }
  }

  @Test func skipMarkerNeedsTheFirstLine() {
    #expect(SelfTestRunner.skipReason(Array("# selftest-skip: no model of X\nprocess A\n".utf8)) == "no model of X")
    #expect(SelfTestRunner.skipReason(Array("# selftest-skip:\n".utf8)) == "")
    #expect(SelfTestRunner.skipReason(Array("# a comment\n# selftest-skip: late\n".utf8)) == nil)
    #expect(SelfTestRunner.skipReason(Array("process A\n".utf8)) == nil)
    #expect(SelfTestRunner.skipReason([]) == nil)
  }

  /// A small suite in a temporary folder: catalogue names first (in catalogue order), then the
  /// other files by name; pass, failure (with the failed step), skip, empty skip reason, parse
  /// error; TAP and JSON; the filter.
  @Test func reportsPassFailSkipAndParseErrorsAsTAP() throws {
    let folder = NSTemporaryDirectory() + "hmmkit-selftest-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    func write(_ name: String, _ text: String) {
      _ = FileManager.default.createFile(atPath: folder + "/" + name + ".hmm", contents: Data(text.utf8))
    }
    write("hmm.hmm_device_private.anon_read", "process T\nT: fd = open hmm_dmirror0\nfd: close\nexpect fd ret == 0\n")
    write("hmm.hmm_device_private.open_close", "process T\nT: buf = mmap 1M rw\nT: write buf 4K\nexpect T rss == 8K\n")
    write("zz-extra", "# selftest-skip: not in the catalogue\nprocess T\n")
    write("aa-extra", "process T\nT: buf = mmap 4X rw\n")
    write("mm-extra", "# selftest-skip:   \n")
    let runner = SelfTestRunner(options: .init(suite: folder, jobs: 2))
    let report = try runner.run()
    #expect(report.results.map(\.name) == [
      "hmm.hmm_device_private.open_close", "hmm.hmm_device_private.anon_read", "aa-extra", "mm-extra", "zz-extra",
    ])
    #expect(report.results.map(\.status) == [.failed, .passed, .failed, .failed, .skipped])
    #expect(report.summary == "1 passed, 3 failed, 1 skipped")
    #expect(report.exitCode == 1)
    let tap = report.tap
    #expect(tap.hasPrefix("TAP version 13\n1..5\nnot ok 1 - hmm.hmm_device_private.open_close\n  ---\n"))
    #expect(tap.contains("    - line: 4\n      command: \"expect T rss == 8K\"\n      expected: \"T rss == 8K\"\n      actual: \"T rss == 4K\"\n"))
    #expect(tap.contains("\nok 2 - hmm.hmm_device_private.anon_read\n"))
    #expect(tap.contains("\nnot ok 3 - aa-extra\n"))
    #expect(tap.contains("bad size '4X'"))
    #expect(tap.contains("needs a reason"))
    #expect(tap.contains("\nok 5 - zz-extra # SKIP not in the catalogue\n"))
    #expect(tap.hasSuffix("\n1 passed, 3 failed, 1 skipped\n"))
    let json = report.json.serialized()
    #expect(json.contains("\"totals\": {\n    \"passed\": 1,\n    \"failed\": 3,\n    \"skipped\": 1\n  }"))
    #expect(json.contains("\"exitCode\": 1"))

    let filtered = try SelfTestRunner(options: .init(suite: folder, filter: "anon_read$")).run()
    #expect(filtered.results.map(\.name) == ["hmm.hmm_device_private.anon_read"])
    #expect(filtered.tap == "TAP version 13\n1..1\nok 1 - hmm.hmm_device_private.anon_read\n1 passed, 0 failed, 0 skipped\n")
    #expect(filtered.exitCode == 0)

    #expect(throws: SelfTestError.self) { try SelfTestRunner(options: .init(suite: folder, filter: "(")).run() }
    #expect(throws: SelfTestError.self) { try SelfTestRunner(options: .init(suite: folder + "/nope")).run() }
  }
}
