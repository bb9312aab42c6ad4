import Testing

@testable import Scenarios

/// How the runner treats commands, failures and expectations.
@Suite struct InterpreterTests {
  private func run(_ text: String) throws -> ScenarioResult {
    let scenario = try ScenarioParser.parse(text, file: "t.hmm")
    return ScenarioRunner(options: .init(memoryBytes: 256 << 20)).run(scenario)
  }

  @Test func failedExpectationNamesLineExpectedAndActual() throws {
    let result = try run(
      """
      process A
      A: buf = mmap 4M rw
      A: write buf 8K
      expect A rss == 4M
      expect A rss == 8K
      """)
    #expect(result.passed == 1)
    #expect(result.failed == 1)
    let failure = try #require(result.failures.first)
    #expect(failure.statement.location.line == 4)
    #expect(failure.expected == "A rss == 4M")
    #expect(failure.actual == "A rss == 8K")
    let batch = BatchResult(mode: .run, files: [result])
    #expect(batch.exitCode == 1)
    let transcript = batch.transcript()
    #expect(transcript.contains("t.hmm:4: failed: expect A rss == 4M\n    expected: A rss == 4M\n    actual:   A rss == 8K"))
    #expect(transcript.hasSuffix("1 passed, 1 failed\n"))
  }

  @Test func expectErrorAllowsTheCommandBeforeIt() throws {
    let result = try run(
      """
      process A
      A: buf = mmap 1M r
      A: write buf 4K
      expect error SIGSEGV
      A: write buf 4K
      expect error EFAULT
      A: munmap buf+1 4K
      expect error EINVAL
      A: munmap buf 4K
      expect error
      """)
    #expect(result.steps.map(\.status) == [.ok, .ok, .expectedError, .ok, .expectedError, .ok, .expectedError, .ok, .ok, .failed])
    #expect(result.failures.first?.actual == "success")
    #expect(result.passed == 3)
  }

  @Test func wrongErrorFailsTheExpectation() throws {
    let result = try run("process A\nA: buf = mmap 0 rw\nexpect error ENOMEM\n")
    #expect(result.failed == 1)
    #expect(result.failures.first?.expected == "error ENOMEM")
    #expect(result.failures.first?.actual?.hasPrefix("error EINVAL") == true)
  }

  @Test func unexpectedErrorStopsTheFile() throws {
    let result = try run(
      """
      process A
      A: buf = mmap 1M r
      A: write buf 4K
      expect A rss == 0
      """)
    #expect(result.steps.map(\.status) == [.ok, .ok, .failed, .skipped])
    #expect(result.failures.first?.error?.name == "SIGSEGV")
    #expect(result.failed == 1)
    #expect(result.passed == 0)
  }

  @Test func readWithExpectIsAnExpectation() throws {
    let result = try run(
      """
      process A
      A: buf = mmap 1M rw
      A: write buf 64K pattern=index
      A: read buf+4K 4K expect=index
      A: read buf 4K expect=neg-index
      """)
    #expect(result.passed == 1)
    #expect(result.failed == 1)
    #expect(result.failures.first?.actual?.contains("first at buf+0x4: expected 0xFF, found 0x01") == true)
  }

  @Test func snapshotMismatchShowsTheRuns() throws {
    let result = try run(
      """
      process A
      A: buf = mmap 2M rw
      A: write buf 4K
      expect A snapshot buf 8K == present write pte
      """)
    let failure = try #require(result.failures.first)
    #expect(failure.expected == "present write pte")
    #expect(
      failure.actual
        == "buf+4K 4K is not present (none); the range is [buf 4K present write pte order=0 anon mapcount=1, buf+4K 4K none]"
    )
  }

  @Test func eachStepReportsItsInvalidations() throws {
    let result = try run(
      """
      process A
      A: buf = mmap 1M rw
      A: write buf 1M
      A: mprotect buf+4K 4K r
      """)
    #expect(result.steps[2].invalidations.isEmpty)
    #expect(result.steps[3].invalidations.count == 1)
    #expect(result.steps[3].output == ["invalidate A protection-vma buf+4K..buf+8K (4K)"])
  }

  @Test func malformedFileRunsNothing() {
    let batch = ScenarioBatch.run(paths: [Fixtures.malformed])
    #expect(batch.exitCode == 2)
    #expect(batch.files.first?.steps.isEmpty == true)
    #expect(batch.files.first?.diagnostics.first?.description.hasSuffix(
      "malformed.hmm:3:15: error: bad size '4X'; expected a number with an optional K, M, G or T suffix (4K, 2M) or a hex literal (0x1000)") == true)
  }

  @Test func oneBadFileStopsEveryFileFromRunning() {
    let batch = ScenarioBatch.run(paths: [
      PackagePaths.root + "/Scenarios/examples/tutorial.hmm",
      Fixtures.malformed,
    ])
    #expect(batch.exitCode == 2)
    #expect(batch.files.allSatisfy { $0.steps.isEmpty })
    #expect(batch.rendered(json: false, verbose: true).standardOutput.isEmpty)
  }

  @Test func exitCodes() {
    #expect(ScenarioBatch.run(paths: [PackagePaths.root + "/Scenarios/examples/tutorial.hmm"]).exitCode == 0)
    #expect(ScenarioBatch.run(paths: [Fixtures.failing]).exitCode == 1)
    #expect(ScenarioBatch.run(paths: [Fixtures.missing]).exitCode == 2)
    #expect(ScenarioBatch.run(paths: []).exitCode == 2)
    #expect(ScenarioBatch.check(paths: [PackagePaths.root + "/Scenarios"]).exitCode == 0)
    #expect(ScenarioBatch.check(paths: [Fixtures.malformed]).exitCode == 2)
  }

  @Test func outputIsDeterministic() {
    let paths = [PackagePaths.root + "/Scenarios/examples/tutorial.hmm"]
    let first = ScenarioBatch.run(paths: paths).rendered(json: true, verbose: true).standardOutput
    let second = ScenarioBatch.run(paths: paths).rendered(json: true, verbose: true).standardOutput
    #expect(first == second)
    let transcript1 = ScenarioBatch.run(paths: paths).transcript()
    let transcript2 = ScenarioBatch.run(paths: paths).transcript()
    #expect(transcript1 == transcript2)
  }

  @Test func sharingThroughTheHugeZeroPage() throws {
    let result = try run(
      """
      system thp=always
      process A
      A: buf = mmap 4M rw
      A: read buf 4M
      A: B = fork
      B: read buf 4M
      expect B snapshot buf 4M == zero read pmd shared-with=A
      A: C = fork
      A: write buf 4K
      expect C snapshot buf 2M == zero pmd not-shared-with=A
      """)
    #expect(result.failed == 0)
    #expect(result.passed == 2)
  }

  @Test func hugeRangesStayCheap() throws {
    let start = ContinuousClock.now
    let result = try run(
      """
      process A
      process B
      A: buf = mmap 2M rw
      A: write buf 2M
      A: collapse buf 0x7e0000001000
      expect error EINVAL
      expect A snapshot buf 0x7e0000001000 == not-shared-with=B
      expect A snapshot 0x10000 0x7ff000000000 == not-shared-with=B
      expect A snapshot buf+2M 0x7e0000001000 == none
      """)
    #expect(result.failed == 0)
    #expect(ContinuousClock.now - start < .seconds(10))
  }

  @Test func dataPatterns() {
    #expect((0..<8).map { DataPattern.index.byte(at: $0) } == [0, 0, 0, 0, 1, 0, 0, 0])
    #expect((0..<8).map { DataPattern.negatedIndex.byte(at: $0) } == [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
    #expect(DataPattern.byte(0xAB).byte(at: 12345) == 0xAB)
    #expect(DataPattern.index.byte(at: 4 * 0x0102_0304 + 1) == 0x03)
  }

  @Test(arguments: [DataPattern.index, .negatedIndex, .byte(0x5A)])
  func patternBuffersMatchTheBytewiseDefinition(_ pattern: DataPattern) {
    for offset: UInt64 in [0, 1, 2, 3, 4, 4093, 0xFFFF_FFFF_FFFF_FFF0] {
      for count in [0, 1, 3, 4, 5, 17, 4096] {
        let fast = ScenarioInterpreter.bytes(of: pattern, offset: offset, count: count)
        let slow = (0..<count).map { pattern.byte(at: offset &+ UInt64($0)) }
        #expect(fast == slow, "\(pattern) offset \(offset) count \(count)")
      }
    }
  }

  @Test func sizes() {
    #expect(NumberLiteral.size("4K") == .success(4096))
    #expect(NumberLiteral.size("2m") == .success(2 << 20))
    #expect(NumberLiteral.size("0x1000") == .success(4096))
    #expect(NumberLiteral.size("1_000") == .success(1000))
    #expect(NumberLiteral.size("16383P") == .failure(.malformed))
    #expect(NumberLiteral.size("16777216T") == .failure(.overflow))
    #expect(NumberLiteral.size("0x") == .failure(.malformed))
    #expect(NumberLiteral.size("K") == .failure(.malformed))
    #expect(NumberLiteral.count("4K") == .failure(.malformed))
    #expect(SizeFormatter.string(0x1_0000_0000) == "4G")
    #expect(SizeFormatter.string(4097) == "4097")
  }

  @Test func protections() {
    #expect(Command.Protection(parsing: "rw")?.description == "rw")
    #expect(Command.Protection(parsing: "none")?.description == "none")
    #expect(Command.Protection(parsing: "rx")?.description == "rx")
    #expect(Command.Protection(parsing: "wr") == nil)
    #expect(Command.Protection(parsing: "") == nil)
  }
}
