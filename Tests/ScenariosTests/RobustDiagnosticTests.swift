import Testing

@testable import Scenarios

/// Inputs that used to pass `check` or give a misleading message (issue 18): each now gives one
/// `file:line:column: error: ...` at check time.
@Suite struct RobustDiagnosticTests {
  private func diagnostics(_ bytes: [UInt8]) -> [String] {
    do {
      _ = try ScenarioParser.parse(bytes: bytes, file: "t.hmm")
      return []
    } catch {
      return error.diagnostics.map(\.description)
    }
  }

  private func diagnostics(_ text: String) -> [String] { diagnostics(Array(text.utf8)) }

  private let prelude = "process A\nA: b = mmap 4K rw\n"

  @Test func aLoneCarriageReturnIsNamed() {
    #expect(
      diagnostics("process A\rA: b = mmap 4K rw\n")
        == ["t.hmm:1:10: error: unexpected carriage return (byte 0x0D) inside a line; expected lines that end with '\\n' or '\\r\\n' (a file with old Mac line endings needs them converted to '\\n')"])
    #expect(diagnostics("process A\r\nA: b = mmap 4K rw\r\n").isEmpty)
  }

  @Test func aBadByteDoesNotCascade() {
    for bad: [UInt8] in [[0x00], [0xFF, 0xFE], [0xC3]] {
      let text = Array("process A".utf8) + bad + Array("\nA: b = mmap 4K rw\nA: write b 4K\n".utf8)
      let found = diagnostics(text)
      #expect(found.count == 1, "\(found)")
      #expect(found.first?.hasPrefix("t.hmm:1:10: error: unexpected byte 0x") == true)
    }
  }

  @Test func undefinedNotifiersFailAtCheckTime() {
    #expect(
      diagnostics(prelude + "notifier n remove\n")
        == ["t.hmm:3:10: error: unknown notifier 'n'; expected a notifier inserted earlier by 'notifier NAME insert PROCESS ADDR SIZE' (none yet)"])
    #expect(
      diagnostics(prelude + "expect notifier m invalidations == 0\n")
        == ["t.hmm:3:17: error: unknown notifier 'm'; expected a notifier inserted earlier by 'notifier NAME insert PROCESS ADDR SIZE' (none yet)"])
    #expect(diagnostics(prelude + "notifier n insert A b 4K\nnotifier n remove\nexpect notifier n invalidations == 0\n").isEmpty)
    #expect(
      diagnostics(prelude + "notifier n insert A b 4K\nnotifier n insert A b 4K\n")
        == ["t.hmm:4:10: error: notifier 'n' is already inserted at line 3; expected a new notifier name, or 'notifier n remove' first"])
  }

  @Test func unknownCountersFailAtCheckTime() {
    let found = diagnostics(prelude + "device g\ng: mirror A\nexpect g nosuch == 0\n")
    #expect(found.count == 1)
    #expect(found.first?.hasPrefix("t.hmm:5:8: error: unknown device counter 'nosuch' for 'g'; expected one of accesses, faults,") == true)
    #expect(
      diagnostics(prelude + "A: fd = open hmm_dmirror0\nexpect fd nosuch == 0\n")
        == ["t.hmm:4:8: error: unknown dmirror counter 'nosuch' for 'fd'; expected one of cpages, faults"])
    #expect(diagnostics(prelude + "device g\nexpect g mapped-2M == 0\nexpect g tlb-reach >= 0\nexpect g mappings-created-64K == 0\n").isEmpty)
  }

  @Test func devicesAreNotRedefinedOrNamedLikeProcesses() {
    #expect(
      diagnostics(prelude + "device g\ndevice g pages=xe\n")
        == ["t.hmm:4:8: error: device 'g' is already defined at line 3; expected a new device name"])
    #expect(
      diagnostics(prelude + "device A pages=base\n")
        == ["t.hmm:3:8: error: device name 'A' is already a process at line 1; expected a name that no process, device or dmirror file uses (each takes 'A:' commands)"])
    #expect(
      diagnostics("device g\nprocess g\n")
        == ["t.hmm:2:9: error: process name 'g' is already a device at line 1; expected a name that no process, device or dmirror file uses (each takes 'g:' commands)"])
    #expect(
      diagnostics(prelude + "A: A = open hmm_dmirror0\n").first
        == "t.hmm:3:4: error: dmirror file name 'A' is already a process at line 1; expected a name that no process, device or dmirror file uses (each takes 'A:' commands)")
  }

  @Test func deviceOptionsAreExact() {
    #expect(
      diagnostics("device h tlb=64x4x\n")
        == ["t.hmm:1:14: error: bad TLB geometry '64x4x'; expected ENTRIESxWAYS (at most 65536 entries and 64 ways) with entries a multiple of ways and a power-of-two number of sets, e.g. 64x4"])
    #expect(
      diagnostics("device i pages=1G\n")
        == ["t.hmm:1:16: error: page sizes '1G' lack 4K, the base page every device maps; expected a list that includes 4K, e.g. pages=4K,1G"])
    #expect(
      diagnostics("device i pages=4K,4K\n")
        == ["t.hmm:1:19: error: page size '4K' is listed twice; expected each of 4K, 64K, 2M, 1G at most once"])
    #expect(diagnostics("device i pages=4K,1G tlb=64x4\n").isEmpty)
  }

  @Test func dmirrorNamesAndBufferRanges() {
    #expect(
      diagnostics(prelude + "A: fd = open hmm_dmirror00\n")
        == ["t.hmm:3:14: error: unknown dmirror device 'hmm_dmirror00'; expected 'open hmm_dmirror0' to 'open hmm_dmirror3' (0, 1 private; 2, 3 coherent) or 'open gup_test'"])
    #expect(
      diagnostics(prelude + "A: fd = open hmm_dmirror1\nexpect fd data from=8 to=4 == zero\n")
        == ["t.hmm:4:26: error: 'to=4' is not after 'from=8'; expected from= below to= (the bytes [from, to) of the buffer)"])
  }

  @Test func hugetlbfsFilesHoldWholePages() {
    #expect(
      diagnostics("file H size=4K hugetlb=1G\n")
        == ["t.hmm:1:13: error: size 4K of hugetlbfs file 'H' is not a multiple of its 1G pages (ftruncate gives EINVAL); expected a multiple of 1G: 'file H size=1G hugetlb=1G'"])
    #expect(diagnostics("file H size=4M hugetlb=2M\nfile E size=0 hugetlb=2M\n").isEmpty)
  }

  @Test func memoryOptionNamesItsRange() throws {
    #expect(throws: MemoryOption.Refusal(description: "--memory-mib must be a whole number of MiB from 4 to 262144; got '-1'")) {
      try MemoryOption.bytes("-1", range: MemoryOption.runRange)
    }
    #expect(throws: MemoryOption.Refusal(description: "--memory-mib must be a whole number of MiB from 64 to 262144; got 1048576")) {
      try MemoryOption.bytes("1048576", range: 64...262_144)
    }
    #expect(try MemoryOption.bytes("4096", range: MemoryOption.runRange) == 4 << 30)
  }
}
