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
    #expect(tap.hasPrefix("""
      TAP version 13
      1..76
      # Starting 76 tests from 4 test cases.
      #  RUN           hmm.hmm_device_private.open_close ...
      #            OK  hmm.hmm_device_private.open_close
      ok 1 hmm.hmm_device_private.open_close

      """))
    #expect(tap.contains("\nok 76 hmm2.hmm2_device_coherent.double_map\n"))
    #expect(tap.hasSuffix("# PASSED: 76 / 76 tests passed.\n# Totals: pass:76 fail:0 xfail:0 xpass:0 skip:0 error:0\n"))
  }

  @Test func everyPassingTestChecksSomething() throws {
    let report = try SelfTestRunner(options: .init(suite: Self.suite, filter: "open_close|mixedmap")).run()
    #expect(report.results.map(\.name) == [
      "hmm.hmm_device_private.open_close", "hmm.hmm_device_private.mixedmap",
      "hmm.hmm_device_coherent.open_close", "hmm.hmm_device_coherent.mixedmap",
    ])
    for result in report.results { #expect(result.expectations > 0, "\(result.name) checks nothing") }
  }

  /// The default run's benchmark file is what ``SelfTestBenchmark`` writes for the small
  /// version; the full version has all seven sizes and five round trips.
  @Test func benchmarkFileIsTheGeneratedDefaultAndFullIsLarger() throws {
    for variant in ["hmm_device_private", "hmm_device_coherent"] {
      let file = Self.suite + "/hmm.\(variant).benchmark_thp_migration.hmm"
      let text = try String(contentsOfFile: file, encoding: .utf8)
      #expect(text == SelfTestBenchmark.scenario(variant: variant, full: false))
      let full = SelfTestBenchmark.scenario(variant: variant, full: true)
      #expect(full.contains("T: b256Mt = mmap 256M rw private anon"))
      #expect(full.components(separatedBy: "fd: migrate b256Mn 256M").count - 1 == 6, "warm-up and 5 round trips")
      #expect(text.components(separatedBy: "fd: migrate b16Mn 16M").count - 1 == 2)
      let scenario = try ScenarioParser.parse(bytes: Array(full.utf8), file: "full.hmm")
      #expect(scenario.statements.count > 300)
    }
    #expect(SelfTestRunner.benchmarkVariant("hmm.hmm_device_private.benchmark_thp_migration") == "hmm_device_private")
    #expect(SelfTestRunner.benchmarkVariant("hmm.hmm_device_private.migrate") == nil)
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
    write("hmm.hmm_device_private.anon_write", "process T\nT: buf = mmap 1M rw\n")
    let runner = SelfTestRunner(options: .init(suite: folder, filter: "^hmm.hmm_device_private.(open_close|anon_read|anon_write|migrate)$|extra", jobs: 2))
    let report = try runner.run()
    #expect(report.results.map(\.name) == [
      "hmm.hmm_device_private.open_close", "hmm.hmm_device_private.anon_read", "hmm.hmm_device_private.anon_write",
      "hmm.hmm_device_private.migrate", "aa-extra", "mm-extra", "zz-extra",
    ])
    #expect(report.results.map(\.status) == [.failed, .passed, .failed, .failed, .failed, .failed, .skipped])
    #expect(report.results.map(\.inCatalogue) == [true, true, true, true, false, false, false])
    #expect(report.summary == "1 passed, 5 failed, 1 skipped")
    #expect(report.exitCode == 1)
    let tap = report.tap
    #expect(tap.hasPrefix("""
      TAP version 13
      1..7
      # Starting 7 tests from 4 test cases.
      #  RUN           hmm.hmm_device_private.open_close ...
      # hmm.hmm_device_private.open_close.hmm:4:open_close:expect T rss == 8K
      #     expected: T rss == 8K
      #     actual:   T rss == 4K
      # open_close: Test failed
      #          FAIL  hmm.hmm_device_private.open_close
      not ok 1 hmm.hmm_device_private.open_close
      #  RUN           hmm.hmm_device_private.anon_read ...
      #            OK  hmm.hmm_device_private.anon_read
      ok 2 hmm.hmm_device_private.anon_read

      """))
    // A file that checks nothing fails; a catalogue test without its file fails.
    #expect(tap.contains("anon_write.hmm:0:anon_write:the file checks nothing"))
    #expect(tap.contains("\nnot ok 3 hmm.hmm_device_private.anon_write\n"))
    #expect(tap.contains("# hmm.hmm_device_private.migrate:0:migrate:no file hmm.hmm_device_private.migrate.hmm in"))
    #expect(tap.contains("\nnot ok 4 hmm.hmm_device_private.migrate\n"))
    // Files outside the catalogue run after it and are reported.
    #expect(tap.contains("\n# aa-extra: not in the hmm-tests catalogue (docs/conformance.md)\n#  RUN           aa-extra ...\n"))
    #expect(tap.contains("\nnot ok 5 aa-extra\n"))
    #expect(tap.contains("bad size '4X'"))
    #expect(tap.contains("needs a reason"))
    #expect(tap.contains("\n#      SKIP      not in the catalogue\n#            OK  zz-extra\nok 7 zz-extra # SKIP not in the catalogue\n"))
    #expect(tap.hasSuffix("\n# FAILED: 1 / 7 tests passed.\n# Totals: pass:1 fail:5 xfail:0 xpass:0 skip:1 error:0\n"))
    let json = report.json.serialized()
    #expect(json.contains("\"totals\": {\n    \"passed\": 1,\n    \"failed\": 5,\n    \"skipped\": 1\n  }"))
    #expect(json.contains("\"inCatalogue\": false"))
    #expect(json.contains("\"exitCode\": 1"))

    // Without a filter every catalogue test is planned: 76 minus the 3 files present fail as missing.
    let whole = try SelfTestRunner(options: .init(suite: folder, jobs: 2)).run()
    #expect(whole.results.count == 76 + 3)
    #expect(whole.results.filter { $0.failures.first?.error?.hasPrefix("no file ") == true }.count == 73)

    let filtered = try SelfTestRunner(options: .init(suite: folder, filter: "private.anon_read$")).run()
    #expect(filtered.results.map(\.name) == ["hmm.hmm_device_private.anon_read"])
    #expect(filtered.tap == """
      TAP version 13
      1..1
      # Starting 1 tests from 1 test cases.
      #  RUN           hmm.hmm_device_private.anon_read ...
      #            OK  hmm.hmm_device_private.anon_read
      ok 1 hmm.hmm_device_private.anon_read
      # PASSED: 1 / 1 tests passed.
      # Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0

      """)
    #expect(filtered.exitCode == 0)

    // An unexpected command error stops the file: reported as an assertion.
    write("hmm.hmm_device_private.anon_read_prot", "process T\nT: buf = mmap 4K r\nT: write buf 4K\nexpect T rss == 0\n")
    let aborted = try SelfTestRunner(options: .init(suite: folder, filter: "private.anon_read_prot$")).run()
    #expect(aborted.tap.contains("\n# anon_read_prot: Test terminated by assertion\n#          FAIL  hmm.hmm_device_private.anon_read_prot\n"))

    #expect(throws: SelfTestError.self) { try SelfTestRunner(options: .init(suite: folder, filter: "(")).run() }
    #expect(throws: SelfTestError.self) { try SelfTestRunner(options: .init(suite: folder + "/nope")).run() }
  }
}
