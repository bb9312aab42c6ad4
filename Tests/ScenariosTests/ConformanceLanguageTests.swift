import Testing

@testable import Scenarios

/// The forms added for the hmm-tests port: `index+N`, the dmirror caller buffer (`buffer=`,
/// `expect FD data`), `close`'s return code, `mmap ... file=FD`, and the `swap` snapshot
/// attributes.
@Suite struct ConformanceLanguageTests {
  private func run(_ text: String) throws -> ScenarioResult {
    let scenario = try ScenarioParser.parse(text, file: "t.hmm")
    return ScenarioRunner(options: .init(memoryBytes: 256 << 20)).run(scenario)
  }

  private func firstError(_ text: String) -> String? {
    do {
      _ = try ScenarioParser.parse(text, file: "t.hmm")
      return nil
    } catch {
      return error.diagnostics.first?.description
    }
  }

  @Test func shiftedIndexPattern() throws {
    #expect((0..<8).map { DataPattern.shiftedIndex(3).byte(at: $0) } == [3, 0, 0, 0, 4, 0, 0, 0])
    #expect(DataPattern.shiftedIndex(1).byte(at: 4 * 0xFFFF_FFFF) == 0)  // wraps as a C int store
    #expect(DataPattern.shiftedIndex(7).description == "index+7")
    #expect(ScenarioInterpreter.bytes(of: .shiftedIndex(2), offset: 6, count: 6) == [0, 0, 4, 0, 0, 0])
    let result = try run(
      """
      process A
      A: buf = mmap 64K rw
      A: write buf 64K pattern=index+5
      A: read buf+4K 4K expect=index+5
      A: read buf 4K expect=index+0
      """)
    #expect(result.passed == 1)
    #expect(result.failed == 1)
    #expect(result.failures.first?.actual?.contains("differ; first at buf: expected 0x00, found 0x05") == true)
    #expect(firstError("process A\nA: buf = mmap 64K rw\nA: write buf 4K pattern=index+x\n")
      == "t.hmm:3:31: error: bad index shift after 'index+'; expected index+N with N from 0 to 4294967295, e.g. index+3")
  }

  @Test func callerBufferKeepsItsBytesWhenAnIoctlFails() throws {
    let result = try run(
      """
      process T
      T: fd = open hmm_dmirror0
      T: buf = mmap 16K rw
      T: write buf 16K pattern=index
      T: mprotect buf 16K none
      fd: read buf 16K buffer=neg-index
      expect fd ret == EFAULT
      expect fd data == neg-index
      T: mprotect buf 16K r
      fd: read buf 8K
      expect fd cpages == 2
      expect fd data to=8K == index
      expect fd data from=8K == neg-index
      expect fd data == index
      fd: close
      expect fd ret == 0
      """)
    #expect(result.failed == 1)
    #expect(result.failures.first?.statement.location.line == 14)
    #expect(result.failures.first?.actual?.contains("differ; first at offset 8193: 0xf8, not 0x8") == true)
    #expect(result.passed == 6)
  }

  @Test func dataWithoutAnyBufferIsAnError() throws {
    let result = try run("process T\nT: fd = open hmm_dmirror0\nexpect fd data == zero\n")
    #expect(result.failed == 1)
    #expect(result.failures.first?.actual?.contains("has no data") == true)
  }

  @Test func mappingTheDeviceFileInsertsDriverPages() throws {
    let result = try run(
      """
      process T
      T: fd = open hmm_dmirror0
      T: m = mmap 8K rw private file=fd
      expect T snapshot m 8K == present read pte
      fd: snapshot m 8K
      expect fd snapshot == 0x01 0x01
      T: s = mmap 4K rw shared file=fd
      expect error EINVAL
      """)
    #expect(result.failed == 0)
    #expect(result.passed == 3)
    #expect(firstError("process T\nT: m = mmap 4K rw file=fd\n")?.hasPrefix("t.hmm:2:24: error: unknown file 'fd'") == true)
  }

  @Test func swapAttributesNameSoftwareEntries() throws {
    let result = try run(
      """
      process T
      T: fd = open hmm_dmirror0
      T: buf = mmap 8K rw
      T: write buf 8K pattern=index
      fd: migrate buf 4K
      expect T snapshot buf 4K == swap device-private pte
      expect T snapshot buf+4K 4K == swap
      expect T snapshot buf 4K == device-exclusive
      expect T snapshot buf 4K == none
      """)
    #expect(result.failures.map(\.statement.location.line) == [7, 8, 9])
    #expect(result.failures.first?.actual?.contains("is not a software (swap-type) entry") == true)
    #expect(result.failures.dropFirst().first?.actual?.contains("is not a device-exclusive entry") == true)
  }
}
