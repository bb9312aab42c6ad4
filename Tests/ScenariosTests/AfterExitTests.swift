import Testing

@testable import Scenarios

/// Every command of the language, run after the process it refers to (or whose objects it
/// uses) exited: each gives a clear error or what the kernel returns, never a trap.
@Suite struct AfterExitTests {
  /// A child C with every kind of object referring to its address space, then C exits.
  static let prelude = """
    system memory=64M
    process A
    A: b = mmap 4M rw private anon
    A: write b 4M pattern=0x01
    A: C = fork
    notifier n insert C b 4K
    device gpu pages=4K
    gpu: mirror C
    gpu: read b 8K
    device mig pages=4K placement=migrate
    mig: mirror C
    C: write b+1M 8K pattern=0x03
    mig: write b+1M 4K pattern=0x04
    C: fd = open hmm_dmirror0
    fd: read b 8K
    fd: migrate b+2M 8K
    C: g = open gup_test
    g: pin b+3M 8K write
    C: exit

    """

  /// Every command that can name C, its regions or its objects.
  static let commands = [
    "C: x = mmap 4K rw", "C: munmap b 4K", "C: mprotect b 4K r", "C: madvise b 4K dontneed",
    "C: madvise b 2M collapse", "C: y = mremap b 4K 8K maymove", "C: D = fork", "C: exit", "C: read b 4K",
    "C: write b 4K pattern=0x02", "C: collapse b 2M", "C: snapshot b 4K", "expect C rss == 0", "expect C vmas == 0",
    "expect C snapshot b 4K == none", "expect invalidations C >= 1",
    "hmm C b 4K", "hmm C b 4K fault=write", "expect hmm C b 4K == none",
    "notifier n remove", "notifier n insert A b 4K", "notifier m insert C b 4K", "expect notifier n invalidations >= 1",
    "gpu: read b 4K", "gpu: read b 4K expect=0x01", "gpu: write b 4K pattern=0x02", "gpu: snapshot b 4K", "gpu: mirror C",
    "gpu: mirror A", "expect gpu mapping b == none", "expect gpu faults >= 1", "devices",
    "mig: read b+1M 4K", "mig: mirror A", "expect mig pages-to-device >= 0",
    "fd: read b 4K", "fd: write b 4K pattern=0x02", "fd: snapshot b 4K", "fd: migrate b 4K", "fd: migrate-back b 4K",
    "fd: exclusive b 4K", "fd: check-exclusive b 4K", "fd: release b 4K", "fd: fail-alloc", "fd: close",
    "expect fd ret == 0", "expect fd cpages >= 0", "expect fd data == 0x01", "A: z = mmap 4K rw private file=fd",
    "A: write b 4K pattern=0x05",
    "g: gup-basic b 4K write", "g: pin-longterm b 4K", "g: pin b 4K", "g: unpin", "g: close", "expect g ret == 0",
    "expect g pages == 2", "expect C pins b == 0", "expect C refcount b == 1", "expect A pins b+3M == 0",
    "A: waitpid C", "A: kill C SIGKILL", "expect A wait == exited 0", "expect C wait == exited",
  ]

  @Test(arguments: commands) func aCommandAfterExitGivesAnErrorOrTheKernelsAnswer(_ command: String) throws {
    let text = Self.prelude + command + "\n"
    let scenario: Scenario
    do {
      scenario = try ScenarioParser.parse(text, file: "t.hmm")
    } catch {
      // Refused before running: the diagnostic must say where and what.
      #expect(error.diagnostics.first?.description.contains("t.hmm:") == true)
      return
    }
    let result = ScenarioRunner(options: .init(memoryBytes: 64 << 20)).run(scenario)
    let prelude = result.steps.dropLast()
    #expect(prelude.allSatisfy { $0.status == .ok }, "the prelude runs: \(prelude.filter { $0.status != .ok }.map { "\($0.statement.location.line): \($0.actual ?? "")" })")
    let last = try #require(result.steps.last)
    #expect(last.status != .skipped)
    if last.status == .failed {
      let detail = last.error?.description ?? last.actual ?? ""
      #expect(!detail.isEmpty, "a failure says what is wrong")
      #expect(last.violations.isEmpty, "no invariant or oracle violation: \(last.violations)")
    }
  }

  @Test func dmirrorIoctlsAfterExitReturnTheDriversErrorsAndCloseReturnsZero() throws {
    let text = Self.prelude + "fd: read b 8K\nexpect fd ret == EINVAL\nfd: write b 4K pattern=0x02\nexpect fd ret == EINVAL\nfd: snapshot b 4K\nexpect fd ret == EINVAL\nfd: close\nexpect fd ret == 0\n"
    let result = ScenarioRunner(options: .init(memoryBytes: 64 << 20)).run(try ScenarioParser.parse(text, file: "t.hmm"))
    #expect(result.failed == 0, "\(result.failures.map { "\($0.statement.location.line): \($0.actual ?? "")" })")
    #expect(result.passed == 4)
    #expect(result.steps.contains { $0.output.contains("fd: close ret=0") })
  }
}
