import Testing

@testable import Exploration

@Suite struct ExplorationScenarioTests {
  static let base = """
    process T
    T: fd = open hmm_dmirror0
    T: buf = mmap 64K rw private anon

    """

  func error(_ text: String) -> String {
    do {
      _ = try ExplorationScenario.parse(Self.base + text, file: "x.hmm")
      return ""
    } catch {
      return error.description
    }
  }

  @Test func theBlockIsFound() throws {
    let scenario = try ExplorationScenario.parse(Self.base + """
      T: write buf 64K
      #> loop fd=no-read-retry
      #> concurrent
      T: mprotect buf 4K r
      fd: read buf 64K
      T: munmap buf 64K
      #> end
      #> allow: expect fd ret == 0; expect fd cpages == 16
      fd: close
      """, file: "x.hmm")
    #expect(scenario.prefix.count == 4 && scenario.suffix.count == 1)
    #expect(scenario.operation.text == "fd: read buf 64K" && scenario.deviceName == "fd")
    #expect(scenario.cpuCommands.map(\.text) == ["T: mprotect buf 4K r", "T: munmap buf 64K"])
    #expect(scenario.outcomes.count == 1 && scenario.outcomes[0].expectations.count == 2)
    #expect(scenario.loops == ["fd": .noReadRetry])
    #expect(scenario.pinned == nil)
  }

  @Test func badDirectivesNameTheLine() {
    #expect(error("fd: read buf 64K\n").contains("x.hmm:1:1: error: no `#> concurrent` block"))
    #expect(error("#> concurrent\nfd: read buf 64K\n").contains("x.hmm:4:1: error: `#> concurrent` is not closed"))
    #expect(error("#> concurrent\n#> concurrent\n").contains("x.hmm:5:1: error: a second `#> concurrent`"))
    #expect(error("#> sometimes\n").contains("x.hmm:4:1: error: unknown directive `#> sometimes`"))
    #expect(error("#> loop fd=fast\n").contains("x.hmm:4:1: error: `fd=fast` is not DEVICE=VARIANT"))
    #expect(error("#> concurrent\nT: munmap buf 64K\n#> end\n").contains("x.hmm:4:1: error: the block has no device operation"))
    #expect(error("#> concurrent\nfd: read buf 64K\nsplit\n#> end\n").contains("x.hmm:6:1: error: `split` cannot race"))
    #expect(error("#> concurrent\nfd: read buf 64K\n#> end\n#> allow: fd ret == 0\n").contains("x.hmm:7:1: error: `#> allow` takes `expect` lines"))
    #expect(error("#> concurrent\nfd: read buf 64K\n#> end\n#> allow: expect nobody ret == 0\n").contains("x.hmm:7:1: error: in `#> allow`"))
    #expect(error("#> concurrent\nfd: read buf 64K\n#> at lock#3\nT: munmap buf 64K\n#> end\n").contains("x.hmm:6:1: error: `#> at` takes one placement"))
  }
}
