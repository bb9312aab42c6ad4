import Testing

@testable import Scenarios

/// The gup_test file, pin-count expectations, `kill`, `waitpid` and `expect PROC wait`: parsing,
/// diagnostics, printing and what the run answers.
@Suite struct GUPLanguageTests {
  private func firstError(_ text: String) -> String {
    do {
      _ = try ScenarioParser.parse(text, file: "t.hmm")
      return ""
    } catch {
      return error.diagnostics.first?.description ?? ""
    }
  }

  private func run(_ text: String) throws -> ScenarioResult {
    let scenario = try ScenarioParser.parse(text, file: "t.hmm")
    return ScenarioRunner(options: .init(memoryBytes: 256 << 20)).run(scenario)
  }

  private let prelude = "process A\nA: g = open gup_test\nA: buf = mmap 16K rw\n"

  @Test func formsParseAndPrintBack() throws {
    let lines = [
      "A: g = open gup_test", "g: gup-basic buf 4K write", "g: gup-fast buf 8K", "g: pin-fast buf 4K write longterm",
      "g: pin-longterm buf 4K nr=2", "g: pin-basic buf 4K", "g: pin buf 8K write fast", "g: unpin", "g: close",
      "expect A pins buf+4K == 1", "expect A refcount buf == 1025", "A: B = fork", "A: kill B SIGTERM", "A: waitpid B",
      "expect A wait == exited 0", "expect A wait == exited", "expect A wait == signaled SIGKILL", "expect A wait == signaled",
      "expect g pages == 1", "expect vmstat thp_split_page_failed == 0",
    ]
    let text = "process A\nA: buf = mmap 16K rw\n" + lines.joined(separator: "\n") + "\n"
    let scenario = try ScenarioParser.parse(text, file: "t.hmm")
    let printed = scenario.statements.dropFirst(2).map { ScenarioPrinter.line($0.command) }
    #expect(printed == lines)
  }

  @Test func diagnostics() {
    #expect(firstError(prelude + "g: pin buf 4K longterm\n")
      == "t.hmm:4:15: error: unknown option 'longterm' for gup_test pin; expected write, fast")
    #expect(firstError(prelude + "g: gup-basic buf 4K nr=0\n").contains("nr=0 takes no pages"))
    #expect(firstError(prelude + "g: gup-basic buf 4K write write\n").contains("'write'"))
    #expect(firstError(prelude + "A: B = fork\nA: kill B SIGFOO\n")
      == "t.hmm:5:11: error: unknown signal 'SIGFOO'; expected one of SIGINT, SIGABRT, SIGBUS, SIGKILL, SIGSEGV, SIGTERM")
    #expect(firstError(prelude + "expect A wait == stopped\n").contains("expected 'exited' or 'signaled'"))
    #expect(firstError(prelude + "expect A pins == 1\n").contains("address"))
    #expect(firstError("process A\nA: fd = open hmm_dmirror0\nA: buf = mmap 4K rw\nfd: pin buf 4K\n")
      == "t.hmm:4:1: error: 'fd' is not a gup_test file; expected 'PROCESS: fd = open gup_test' before the gup_test ioctls (gup-fast, pin-fast, pin-longterm, gup-basic, pin-basic, pin, unpin)")
    #expect(firstError(prelude + "g: migrate buf 4K\n")
      == "t.hmm:4:1: error: 'g' is a gup_test file, not a dmirror file; expected a gup_test ioctl (gup-fast, pin-fast, pin-longterm, gup-basic, pin-basic), pin, unpin or close")
    #expect(firstError("process A\nA: x = open gup_tst\n").contains("or 'open gup_test'"))
    #expect(firstError(prelude + "A: waitpid Z\n").contains("unknown process 'Z'"))
    #expect(firstError(prelude + "expect g bogus == 1\n").contains("unknown gup_test counter 'bogus' for 'g'; expected one of pages"))
  }

  @Test func gupReferencesShowInTheCountsAndGoAway() throws {
    let result = try run(
      prelude + """
      A: write buf 16K
      g: pin buf 8K write
      expect A pins buf == 1
      expect A pins buf+4K == 1
      expect A refcount buf == 1025
      expect A pins buf+8K == 0
      expect A refcount buf+8K == 1
      g: pin buf 4K
      expect error EINVAL
      g: gup-basic buf 16K nr=3
      expect g pages == 4
      expect A refcount buf+8K == 1
      g: unpin
      expect A refcount buf == 1
      expect A pins buf+16K == 0
      """)
    #expect(result.failed == 1, "the last line names an unmapped address")
    #expect(result.failures.first?.statement.location.line == 18)
    #expect(result.failures.first?.actual?.contains("maps nothing") == true)
    #expect(result.passed == 9)
  }

  @Test func waitpidAnswers() throws {
    let result = try run(
      """
      process P
      P: C = fork
      P: waitpid C
      expect error
      P: kill C SIGINT
      P: waitpid C
      expect P wait == exited
      expect P wait == signaled SIGKILL
      expect P wait == signaled SIGINT
      """)
    #expect(result.failed == 2)
    let waitError = try #require(result.steps.first { $0.statement.location.line == 3 }?.error)
    #expect(waitError.name == "EDEADLK" && waitError.reason.contains("end it first"))
    #expect(result.failures.map { $0.statement.location.line } == [7, 8])
    #expect(result.failures.first?.actual == "P wait == signaled SIGINT (child C)")
  }
}
