import Testing

@testable import Exploration

/// hmm-tests' race tests through the explorer: every interleaving, upstream's checks, no
/// violation.
@Suite struct HMMTestsRaceTests {
  @Test func anonTeardownHoldsInEveryInterleaving() throws {
    // The oracle runs after every command; the invariants in full at the end of each
    // interleaving (`hmmkit explore` also checks them after every command). The coherent
    // variant gives the same 98 (checked with `hmmkit explore`; left out here for time).
    let (scenario, report) = try explore("Scenarios/hmm-tests/hmm.hmm_device_private.anon_teardown.hmm", invariantsAfterEachCommand: false)
    #expect(scenario.cpuCommands.map(\.text) == ["T: munmap buf+2M 2M"])
    // 32 chunks of 32 pages, each a driver loop with 3 points a munmap can run at (read_begin,
    // range_fault, unlock), plus before and after the READ.
    #expect(report.interleavings == 98 && report.complete)
    #expect(report.failing == 0, "\(report.failures.first?.findings ?? [])")
    #expect(report.outcomeCounts.values.reduce(0, +) == 98)
    #expect(report.outcomeCounts.count == 2, "both rc == 0 (munmap after the READ) and -EFAULT occur")
  }

  @Test(arguments: ["hmm_device_private", "hmm_device_coherent"])
  func exclusiveCowHoldsInEveryInterleaving(_ variant: String) throws {
    let (scenario, report) = try explore("Scenarios/hmm-tests/hmm.\(variant).exclusive_cow.hmm")
    #expect(scenario.cpuCommands.map(\.text) == ["T: C = fork"])
    // make_device_exclusive() runs under mmap_read_lock and fork takes mmap_write_lock: the
    // fork runs before or after the EXCLUSIVE ioctl, never inside it.
    #expect(report.interleavings == 2 && report.complete)
    #expect(report.failing == 0, "\(report.failures.first?.findings ?? [])")
  }
}
