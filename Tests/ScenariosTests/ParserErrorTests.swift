import Foundation
import Testing

@testable import Scenarios

/// Exact diagnostics for malformed scenarios: `file:line:column: error: <what>; <accepted>`.
@Suite struct ParserErrorTests {
  /// The diagnostics of `text` parsed as `t.hmm`, one string each.
  private func diagnostics(_ text: String) -> [String] {
    do {
      _ = try ScenarioParser.parse(text, file: "t.hmm")
      return []
    } catch {
      return error.diagnostics.map(\.description)
    }
  }

  /// The first diagnostic of `text`, or "" when it parses.
  private func firstError(_ text: String) -> String { diagnostics(text).first ?? "" }

  private let prelude = "process A\nA: buf = mmap 4M rw\n"

  @Test func unknownTopLevelCommand() {
    #expect(
      firstError("procss A\n")
        == "t.hmm:1:1: error: unknown command 'procss'; expected process, file, system, split, hmm, notifier, device, expect, or 'PROCESS: command'"
    )
  }

  @Test func unknownProcessCommand() {
    #expect(
      firstError(prelude + "A: mmapp buf 4K\n")
        == "t.hmm:3:4: error: unknown command 'mmapp' for process 'A'; expected mmap, munmap, mprotect, madvise, mremap, fork, exit, kill, waitpid, read, write, collapse or snapshot"
    )
  }

  @Test func badSize() {
    #expect(
      firstError("process A\nA: buf = mmap 4Q rw\n")
        == "t.hmm:2:15: error: bad size '4Q'; expected a number with an optional K, M, G or T suffix (4K, 2M) or a hex literal (0x1000)"
    )
  }

  @Test func sizeOverflow() {
    #expect(
      firstError(prelude + "A: munmap buf 99999999999G\n")
        == "t.hmm:3:15: error: size '99999999999G' does not fit in 64 bits; expected a value below 16E (2^64 bytes)"
    )
    #expect(
      firstError(prelude + "A: munmap buf 0x10000000000000000\n")
        == "t.hmm:3:15: error: size '0x10000000000000000' does not fit in 64 bits; expected a value below 16E (2^64 bytes)"
    )
  }

  @Test func addressOverflow() {
    #expect(
      firstError(prelude + "A: munmap 0xffffffffffffffff+1 4K\n")
        == "t.hmm:3:30: error: address overflows at offset '1'; expected an address below 2^64")
  }

  @Test func unknownRegion() {
    #expect(
      firstError(prelude + "A: write bux 4K\n")
        == "t.hmm:3:10: error: unknown region 'bux'; expected a region named earlier by 'NAME = mmap' or 'NAME = mremap', or a hex address (known: buf)"
    )
  }

  @Test func unknownProcess() {
    #expect(
      firstError(prelude + "B: write buf 4K\n")
        == "t.hmm:3:1: error: unknown process 'B'; expected a process created earlier by 'process NAME' or 'PARENT: NAME = fork' (known: A)"
    )
  }

  @Test func nameUsedBeforeDefinition() {
    #expect(
      firstError("process A\nA: write buf 4K\nA: buf = mmap 4M rw\n")
        == "t.hmm:2:10: error: unknown region 'buf'; expected a region named earlier by 'NAME = mmap' or 'NAME = mremap', or a hex address (none yet)"
    )
  }

  @Test func exitedProcess() {
    #expect(
      firstError(prelude + "A: exit\nA: write buf 4K\n")
        == "t.hmm:4:1: error: process 'A' has exited at line 3; expected a live process (none alive)")
  }

  @Test func missingArgument() {
    #expect(
      firstError(prelude + "A: munmap buf\n")
        == "t.hmm:3:14: error: missing size after 'buf'; expected a number with an optional K, M, G or T suffix (4K, 2M) or a hex literal (0x1000)"
    )
    #expect(
      firstError(prelude + "A: mprotect buf 4K\n")
        == "t.hmm:3:19: error: missing protection after 'buf 4K'; expected none, or r, w, x in that order (r, rw, rx, rwx)"
    )
    #expect(
      firstError("process\n")
        == "t.hmm:1:8: error: missing process name after 'process'; expected 'process NAME'")
  }

  @Test func trailingGarbage() {
    #expect(
      firstError(prelude + "A: munmap buf 4K garbage\n")
        == "t.hmm:3:18: error: unexpected 'garbage' after 'munmap buf 4K'; expected the end of the line or a '#' comment"
    )
    #expect(
      firstError(prelude + "A: munmap buf 4K - 1\n")
        == "t.hmm:3:18: error: unexpected '-' after 'munmap buf 4K': negative numbers and subtraction are not supported; expected the end of the line or a '#' comment"
    )
  }

  @Test func badProtectionAndAdvice() {
    #expect(
      firstError(prelude + "A: mprotect buf 4K wr\n")
        == "t.hmm:3:20: error: bad protection 'wr'; expected none, or r, w, x in that order (r, rw, rx, rwx)")
    #expect(
      firstError(prelude + "A: madvise buf 4K huge\n")
        == "t.hmm:3:19: error: unknown advice 'huge'; expected hugepage, nohugepage, dontneed, free, collapse")
  }

  @Test func unknownOption() {
    #expect(
      firstError("process A\nA: buf = mmap 4M rw alignn=2M\n")
        == "t.hmm:2:21: error: unknown option 'alignn' for mmap; expected private, shared, anon, file=FILE, offset=SIZE, align=SIZE, at=ADDRESS, hugetlb=2M|1G"
    )
    #expect(
      firstError("process A\nA: buf = mmap 4M rw align=2M align=4K\n")
        == "t.hmm:2:30: error: duplicate option 'align'; expected each option at most once")
    #expect(
      firstError("process A\nA: buf = mmap 4M rw hugetlb=4M\n")
        == "t.hmm:2:29: error: unsupported huge page size '4M'; expected 2M or 1G")
  }

  @Test func badCharacters() {
    #expect(
      firstError("process A$\n")
        == "t.hmm:1:10: error: unexpected character '$'; expected names, numbers, '=', ':', '+', ',', a comparison or a '#' comment"
    )
    let junk = diagnostics("process A\u{0}\n")
    #expect(
      junk.first
        == "t.hmm:1:10: error: unexpected byte 0x00; expected names, numbers, '=', ':', '+', ',', a comparison or a '#' comment"
    )
  }

  @Test func invalidUTF8IsReported() throws {
    let bytes: [UInt8] = Array("process A".utf8) + [0xFF, 0xFE, 0x0A]
    #expect(throws: ScenarioParseError.self) { try ScenarioParser.parse(bytes: bytes, file: "t.hmm") }
    // In a comment anything goes.
    let commented: [UInt8] = Array("process A # ".utf8) + [0xFF, 0x00, 0x0A]
    let scenario = try ScenarioParser.parse(bytes: commented, file: "t.hmm")
    #expect(scenario.statements.count == 1)
  }

  @Test func hugeLineIsRejectedQuickly() {
    var bytes = Array("process A\n".utf8)
    bytes += [UInt8](repeating: UInt8(ascii: "A"), count: 100_000_000)
    bytes += Array("\nA: x = mmap 4K rw\n".utf8)
    let start = ContinuousClock.now
    do {
      _ = try ScenarioParser.parse(bytes: bytes, file: "t.hmm")
      Issue.record("a 100 MB line parsed")
    } catch {
      #expect(
        error.diagnostics.map(\.description)
          == ["t.hmm:2:4097: error: line is 100000000 bytes long; lines may be at most 4096 bytes"])
    }
    #expect(ContinuousClock.now - start < .seconds(20))
  }

  @Test func deepOffsetChainParses() throws {
    let chain = String(repeating: "+1", count: 1500)
    let scenario = try ScenarioParser.parse(prelude + "A: write buf\(chain) 4K\n", file: "t.hmm")
    guard case .write(let access) = scenario.statements.last?.command else {
      Issue.record("expected a write")
      return
    }
    #expect(access.range.address.offset == 1500)
    let overflowing = String(repeating: "+0x7fffffffffffffff", count: 3)
    #expect(
      firstError(prelude + "A: write buf\(overflowing) 4K\n")
        == "t.hmm:3:52: error: address overflows at offset '0x7fffffffffffffff'; expected an address below 2^64")
  }

  @Test func deviceAndHMMCommandsReportPreciseErrors() {
    #expect(firstError(prelude + "hmm A buf 4M fault=maybe\n") == "t.hmm:3:20: error: bad fault mode; expected fault=none, fault=read or fault=write")
    #expect(
      firstError(prelude + "notifier n frobnicate\n")
        == "t.hmm:3:12: error: expected 'insert' or 'remove' after 'notifier n'; expected 'notifier NAME insert PROCESS ADDR SIZE' or 'notifier NAME remove'")
    #expect(firstError(prelude + "device gpu0 pages=3M\n") == "t.hmm:3:19: error: unsupported device page size '3M'; expected 4K, 64K, 2M or 1G")
    #expect(firstError(prelude + "device gpu0 policy=fastest\n") == "t.hmm:3:20: error: unknown policy; expected base, map-order, scan, folio-order or pte-batch")
    #expect(firstError(prelude + "device gpu0 tlb=65x4\n") == "t.hmm:3:17: error: bad TLB geometry '65x4'; expected ENTRIESxWAYS (at most 65536 entries and 64 ways) with entries a multiple of ways and a power-of-two number of sets, e.g. 64x4")
    #expect(firstError(prelude + "device gpu0 tlb=65536x65536\n") == "t.hmm:3:17: error: bad TLB geometry '65536x65536'; expected ENTRIESxWAYS (at most 65536 entries and 64 ways) with entries a multiple of ways and a power-of-two number of sets, e.g. 64x4")
    #expect(firstError(prelude + "device gpu0\ngpu0: fly buf 4K\n") == "t.hmm:4:7: error: unknown device command 'fly'; expected mirror PROCESS, read ADDR SIZE, write ADDR SIZE, snapshot ADDR SIZE")
    #expect(firstError(prelude + "A: fd = open hmm_dmirror7\n") == "t.hmm:3:14: error: unknown dmirror device 'hmm_dmirror7'; expected 'open hmm_dmirror0' to 'open hmm_dmirror3' (0, 1 private; 2, 3 coherent) or 'open gup_test'")
    #expect(firstError(prelude + "A: fd = open hmm_dmirror0\nfd: write buf 4K\n") == "t.hmm:4:17: error: missing pattern=PATTERN for a dmirror write; expected 'fd: write ADDR SIZE pattern=index'")
    #expect(firstError(prelude + "expect hmm A buf 2M == valid purple\n") == "t.hmm:3:30: error: unknown HMM attribute 'purple'; expected valid, read, write, error, none, zero, order=N")
    #expect(firstError(prelude + "expect oracle trouble == 1\n") == "t.hmm:3:15: error: expected 'violations' after 'expect oracle'; expected 'expect oracle violations OP N'")
    // A device used before its definition is an unknown process.
    #expect(firstError(prelude + "gpu9: mirror A\n") == "t.hmm:3:1: error: 'gpu9' is not a device or dmirror file; expected 'device gpu9 ...' or 'PROCESS: gpu9 = open hmm_dmirrorN' before 'gpu9: mirror ...'")
    // Well-formed lines parse.
    #expect(diagnostics(prelude + "device gpu0 pages=xe policy=scan tlb=64x4 window=2M\ngpu0: mirror A\ngpu0: read buf 4K expect=index\nexpect gpu0 faults == 1\nhmm A buf 4K fault=read\nexpect hmm A buf 4K == valid order=0\n").isEmpty)
  }

  @Test func expectErrorMustFollowACommand() {
    #expect(
      firstError("expect error EPERM\n")
        == "t.hmm:1:1: error: 'expect error' does not follow a command; expected it on the line right after the command that must fail"
    )
    #expect(
      firstError(prelude + "A: munmap buf 4K\nexpect error EPERRM\n")
        == "t.hmm:4:14: error: unknown error 'EPERRM'; expected one of EPERM, ENOENT, EAGAIN, ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, EINVAL, EFBIG, EOVERFLOW, SIGSEGV, SIGBUS"
    )
  }

  @Test func expectationForms() {
    #expect(
      firstError(prelude + "expect A snapshot buf 4K = write\n")
        == "t.hmm:3:26: error: expected '==' after 'snapshot buf 4K', found '='; expected '== ATTRIBUTES' (none, unmapped, present, protnone, zero, read, write, pte, pmd, pud, anon, file, shmem, hugetlb, order=N, folios=N, mapcount=N, shared-with=PROCESS, not-shared-with=PROCESS)"
    )
    #expect(
      firstError(prelude + "expect A rss 4M\n")
        == "t.hmm:3:14: error: expected a comparison after 'A rss', found '4M'; expected ==, !=, <, <=, > or >= and a size"
    )
    #expect(
      firstError(prelude + "expect A snapshot buf 4K == writable\n").hasPrefix(
        "t.hmm:3:29: error: unknown page attribute 'writable'; expected none, unmapped, present, protnone, zero, read, write"))
  }

  @Test func oneErrorDoesNotCascade() {
    // The broken mmap still defines `buf`, so only one error is reported.
    let all = diagnostics("process A\nA: buf = mmap 4X rw\nA: write buf 4K\nA: read buf 4K\n")
    #expect(all.count == 1)
  }

  @Test func errorsAreCapped() {
    let text = String(repeating: "bogus\n", count: 100)
    let all = diagnostics(text)
    #expect(all.count == ScenarioParser.maximumDiagnostics + 1)
    #expect(all.last?.contains("80 more errors not shown") == true)
  }

  @Test func everyDiagnosticHasTheDocumentedShape() {
    for text in ["x", "A:", "process A\nA: b = mmap", "expect", "system", "file F", "split now", "A: = mmap"] {
      for diagnostic in diagnostics(text) {
        #expect(DiagnosticShape.matches(diagnostic), "\(diagnostic)")
      }
    }
  }
}
