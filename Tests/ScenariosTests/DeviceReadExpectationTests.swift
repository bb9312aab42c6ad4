import Testing

@testable import Scenarios

/// `DEV: read ADDR SIZE expect=PATTERN` makes the same accesses as the read without `expect=`
/// and reports the first byte that differs, however the device's TLB groups the pages (single
/// pages after misses, runs after hits).
@Suite struct DeviceReadExpectationTests {
  private func run(_ text: String) throws -> ScenarioResult {
    let scenario = try ScenarioParser.parse(text, file: "t.hmm")
    return ScenarioRunner(options: .init(memoryBytes: 256 << 20)).run(scenario)
  }

  /// A region written with `index`, pages 5 and 12 overwritten, read by a device: 64 KiB of
  /// small pages (every page a TLB miss, handed over alone), or a 2 MiB THP that the device
  /// maps with one 2 MiB page (511 hits, handed over as one run).
  private func scenario(thp: Bool, expect: Bool) -> String {
    let size = thp ? "2M" : "64K"
    let pages = thp ? 512 : 16
    return """
      process A
      A: buf = mmap \(size) rw private anon\(thp ? " align=2M" : "")
      A: madvise buf \(size) \(thp ? "hugepage" : "nohugepage")
      A: write buf \(size) pattern=index
      A: write buf+20K 4K pattern=0x11
      A: write buf+48K 4K pattern=0x22
      device gpu0 pages=4K,64K,2M policy=map-order
      gpu0: mirror A
      gpu0: read buf \(size)\(expect ? " expect=index" : "")
      expect gpu0 accesses == \(pages)
      expect gpu0 tlb-hits == \(thp ? 511 : 0)
      """
  }

  @Test(arguments: [false, true])
  func theFirstDifferenceIsReportedAndEveryPageIsRead(thp: Bool) throws {
    let plain = try run(scenario(thp: thp, expect: false))
    #expect(plain.failed == 0, "the read without expect= reads every page: \(plain.failures.map(\.actual))")
    // The runner stops at the failed read: its message names the first difference.
    let checked = try run(scenario(thp: thp, expect: true))
    let failure = try #require(checked.failures.first)
    #expect(failure.statement.location.line == 9)
    // Page 5 (byte 20480) is the first that differs: 0x11 where index has 0x00 at offset 0.
    #expect(failure.actual == "byte 20480 is 0x11, not 0x0", "thp \(thp)")
    // A session goes on after it: the counters are those of the read without expect=.
    let session = ScenarioSession(options: .init(memoryBytes: 256 << 20))
    defer { session.discard() }
    let outcomes = try ScenarioParser.parse(scenario(thp: thp, expect: true), file: "t.hmm").statements.map {
      session.execute($0.command)
    }
    #expect(outcomes[8] == .failed(name: "expectation"), "the data expectation fails")
    #expect(outcomes[9...] == [.completed, .completed], "every page was accessed (thp \(thp))")
  }
}
