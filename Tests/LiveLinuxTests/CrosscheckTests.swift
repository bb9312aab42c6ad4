import Foundation
import MemoryModel
import Testing

@testable import LiveLinux

#if canImport(Glibc)
import Glibc
#endif

/// The crosscheck's own parts, without a real process: the scenario reader, the address
/// window, the page comparison, the report.
@Suite struct CrosscheckUnitTests {
  @Test func theReaderKeepsTheCPUSideCommandsAndSaysWhyTheOthersAreNotRun() throws {
    let text = """
      # a comment
      system memory=1G thp=madvise
      process A
      A: buf = mmap 4M rw private anon align=2M   # trailing comment
      A: madvise buf+1M+4K 64K dontneed
      A: moved = mremap buf 2M 2M maymove fixed=0x7e0000000000
      A: B = fork
      B: write buf 4K pattern=index
      expect A snapshot buf 2M == present write pmd order=9
      file F size=4M
      A: m = mmap 4M rw shared file=F
      device gpu0 pages=4K,2M policy=map-order
      gpu0: mirror A
      gpu0: read buf 4M
      hmm A buf 4M
      A: collapse buf 2M
      split
      """
    let scenario = try CrosscheckScenario.parse(text, file: "t.hmm")
    let operations = scenario.statements.map(\.operation)
    #expect(scenario.statements.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17])
    #expect(operations[0] == .system(thp: "madvise", memory: 1 << 30, fragment: nil, hugetlbPools: false))
    #expect(operations[1] == .process(name: "A"))
    #expect(operations[2] == .mmap(process: "A", name: "buf", size: 4 << 20, protection: [.read, .write], shared: false,
                                   alignment: 2 << 20, fixed: nil))
    #expect(operations[3] == .madvise(process: "A", address: CrosscheckAddress(region: "buf", offset: (1 << 20) + 4096),
                                      size: 64 << 10, advice: .dontneed))
    #expect(operations[4] == .mremap(process: "A", name: "moved", address: CrosscheckAddress(region: "buf"), oldSize: 2 << 20,
                                     newSize: 2 << 20, mayMove: true, fixed: CrosscheckAddress(literal: 0x7e00_0000_0000)))
    #expect(operations[5] == .fork(parent: "A", child: "B"))
    #expect(operations[6] == .access(process: "B", address: CrosscheckAddress(region: "buf"), size: 4096, write: true))
    #expect(operations[7] == .expectation)
    #expect(operations[8] == .modelOnly("file"))
    if case .unreproducibleMmap(let process, let name, _) = operations[9] { #expect(process == "A" && name == "m") } else {
      Issue.record("a file mapping is not reproducible: \(operations[9])")
    }
    #expect(operations[10] == .device(keyword: "device", changesCPU: false))
    #expect(operations[11] == .device(keyword: "gpu0: mirror", changesCPU: false))
    #expect(operations[12] == .device(keyword: "gpu0: read", changesCPU: true))
    #expect(operations[13] == .device(keyword: "hmm", changesCPU: false))
    #expect(operations[14] == .khugepagedCollapse(process: "A"))
    #expect(operations[15] == .deferredSplit)
    #expect(scenario.statements[2].text == "A: buf = mmap 4M rw private anon align=2M")
  }

  @Test func theReaderNamesTheLineItDoesNotUnderstand() {
    #expect(throws: CrosscheckParseError(file: "t.hmm", line: 2, message: "unknown command 'frobnicate' for process 'A'")) {
      try CrosscheckScenario.parse("process A\nA: frobnicate buf 4K\n", file: "t.hmm")
    }
    #expect(CrosscheckLineReader.size("2M") == 2 << 20 && CrosscheckLineReader.size("0x1000") == 4096)
    #expect(CrosscheckLineReader.size("2_048") == 2048 && CrosscheckLineReader.size("99999999999G") == nil)
  }

  @Test func theWindowKeepsOffsetsModulo1G() {
    let window = CrosscheckWindow(modelStart: 0x7e00_0000_0000, realStart: 0x7f12_4000_0000, size: 1 << 40)
    let model: UInt64 = 0x7eff_ffe0_1000
    let real = window.real(model)
    #expect(real == 0x7f12_4000_0000 + (model - 0x7e00_0000_0000))
    #expect(real.map { $0 % (1 << 30) } == model % (1 << 30))
    #expect(window.model(real ?? 0) == model)
    #expect(window.real(0x7dff_ffff_f000) == nil, "below the window")
    #expect(window.real(0x7e00_0000_0000 + (1 << 40) - 4096, length: 8192) == nil, "crosses the end")
  }

  @Test func differencesAreFoundPerAttributeAndInferredWritesAreNotCompared() {
    var model = CrosscheckPageState(vma: "rw-p hg", present: true, pmd: true, zero: false, order: 9, write: true)
    var kernel = model
    #expect(CrosscheckRunner.differences(model, kernel).differences.isEmpty)
    kernel.pmd = false
    kernel.order = 0
    let found = CrosscheckRunner.differences(model, kernel).differences
    #expect(found.map(\.0) == [.pmd, .order])
    #expect(found.first?.1 == "pmd" && found.first?.2 == "pte")
    kernel = model
    kernel.write = false
    kernel.writeInferred = "shared"
    let inferred = CrosscheckRunner.differences(model, kernel)
    #expect(inferred.differences.isEmpty && inferred.inferredWrite)
    model.present = false
    #expect(CrosscheckRunner.differences(model, kernel).differences.map(\.0) == [.present], "no page attributes without a page")
    let unmapped = CrosscheckPageState(vma: nil)
    #expect(CrosscheckRunner.differences(unmapped, CrosscheckPageState(vma: "rw-p")).differences.map(\.0) == [.vma])
  }

  @Test func outcomesOfAccessesCompareAsFaults() {
    let access = CrosscheckOperation.access(process: "A", address: CrosscheckAddress(region: "buf"), size: 4096, write: true)
    #expect(CrosscheckRunner.outcomesAgree("SIGSEGV", "SIGSEGV/SIGBUS (MADV_POPULATE_WRITE failed with EFAULT)", access))
    #expect(!CrosscheckRunner.outcomesAgree("ok", "SIGSEGV/SIGBUS (MADV_POPULATE_WRITE failed with EFAULT)", access))
    #expect(!CrosscheckRunner.outcomesAgree("EINVAL", "ok", .exit(process: "A")))
  }

  @Test func aReportCountsOnlyNewDifferences() {
    var first = CrosscheckDisagreement(line: 3, step: "A: write buf 4K", process: "A", start: 0x1000, end: 0x2000, realStart: 0x5000,
                                       location: "buf..buf+4K (4K)", attribute: .order, model: "order=0", kernel: "order=9")
    var later = first
    later.line = 4
    later.since = 3
    first.since = nil
    var background = first
    background.attribute = .pmd
    background.background = "khugepaged collapsed 512 pages"
    let report = CrosscheckReport(
      file: "t.hmm", kernelRelease: "6.18", thpMode: "madvise",
      window: CrosscheckWindow(modelStart: 0, realStart: 0x4000, size: 1 << 30),
      steps: [
        CrosscheckStep(line: 3, text: "A: write buf 4K", status: .disagreed, model: "ok", kernel: "ok",
                       disagreements: [first, background]),
        CrosscheckStep(line: 4, text: "A: read buf 4K", status: .persisting, model: "ok", kernel: "ok", disagreements: [later]),
        CrosscheckStep(line: 5, text: "expect ...", status: .modelOnly("an expectation")),
      ], notes: [])
    #expect(report.disagreements == [first])
    #expect(report.backgroundDifferences == [background])
    #expect(!report.agrees)
    #expect(report.summaryLine == "3 steps: 2 compared (0 agree, 1 disagree, 1 still differ), 0 not compared, 1 model only; 1 disagreement, 1 possibly background (not counted)")
    let text = report.textReport()
    #expect(text.contains("DISAGREE  A buf..buf+4K (4K) at 0x5000: order: model order=0, kernel order=9"))
    #expect(text.contains("still     A buf..buf+4K (4K) at 0x5000: order: model order=0, kernel order=9 (since line 3)"))
    #expect(text.contains("t.hmm:3: A: write buf 4K: A buf..buf+4K (4K) at 0x5000: order: model order=0, kernel order=9"))
    let json = report.jsonReport()
    #expect(json.contains("\"schema\": \"hmmkit.crosscheck/1\"") && json.contains("\"since\": 3") && json.contains("\"agrees\": false"))
  }
}

/// The crosscheck scenarios against the running kernel: every compared step must agree.
/// Skipped (with the reason printed) where crosschecks cannot run: not Linux, not root, THP
/// neither `madvise` nor `always`.
extension LiveProcessTests {
@Suite(.serialized) struct CrosscheckLiveTests {
  /// Why crosschecks cannot run here, printed once when the tests are skipped.
  static let unavailable: String? = {
    let reason = Crosscheck.unavailabilityReason()
    if let reason { print("crosscheck tests skipped: \(reason)") }
    return reason
  }()

  @Test(
    // Needs Linux, root (PFNs, kpageflags) and THP in madvise or always mode; the reason is printed.
    .enabled(if: LiveProcessTests.CrosscheckLiveTests.unavailable == nil, "crosschecks need Linux, root and THP (madvise or always)"),
    arguments: CrosscheckScenarioFiles.all)
  func everyCrosscheckScenarioAgreesWithTheKernel(path: String) throws {
    let scenario = try CrosscheckScenario.load(path: path)
    let started = ContinuousClock.now
    let report = try Crosscheck.run(scenario)
    let elapsed = ContinuousClock.now - started
    let name = path.split(separator: "/").last.map(String.init) ?? path
    let agrees = report.agrees
    #expect(agrees, "\(name): \(report.summaryLine)\n\(report.disagreements.map(\.description).joined(separator: "\n"))")
    let notCompared = report.notComparedSteps
    #expect(notCompared == 0, "\(name): every step of a crosscheck scenario is compared\n\(report.textReport(agreements: false))")
    let compared = report.comparedSteps
    #expect(compared > 2)
    #expect(elapsed < .seconds(10), "\(name) took \(elapsed)")
  }

  @Test(.enabled(if: LiveProcessTests.CrosscheckLiveTests.unavailable == nil, "crosschecks need Linux, root and THP (madvise or always)"))
  func thereAreCrosscheckScenariosForTheLargePageLifeCycle() {
    let names = Set(CrosscheckScenarioFiles.all.map { $0.split(separator: "/").last.map(String.init) ?? $0 })
    for expected in ["thp-fault.hmm", "partial-mprotect.hmm", "partial-munmap.hmm", "dontneed-part-of-thp.hmm",
                     "fork-cow-child-writes.hmm", "fork-cow-parent-writes.hmm", "mremap-aligned.hmm", "mremap-unaligned.hmm",
                     "madv-collapse.hmm", "madv-free-part-of-thp.hmm", "huge-zero-page.hmm"] {
      #expect(names.contains(expected), "Scenarios/crosscheck/\(expected)")
    }
  }

  @Test(.enabled(if: LiveProcessTests.CrosscheckLiveTests.unavailable == nil, "crosschecks need Linux, root and THP (madvise or always)"))
  func helpersAreGoneAfterARunAndTheStepsMatchTheKernel() throws {
    let text = """
      process A
      A: buf = mmap 4M rw align=2M
      A: madvise buf 4M hugepage
      A: write buf 2M
      A: B = fork
      B: C = fork
      A: ro = mmap 2M r
      A: write ro 4K
      expect error SIGSEGV
      """
    let report = try Crosscheck.run(try CrosscheckScenario.parse(text, file: "inline.hmm"))
    let agrees = report.agrees
    #expect(agrees, "\(report.textReport())")
    let fork = try #require(report.steps.first { $0.text == "A: B = fork" })
    #expect(fork.agreements.contains { $0.process == "B" && $0.state.pmd == true && $0.state.sharedWith == ["A", "C"] } == false)
    #expect(fork.agreements.contains { $0.process == "B" && $0.state.pmd == true && $0.state.order == 9 && $0.state.sharedWith == ["A"] })
    let fault = try #require(report.steps.first { $0.text == "A: write ro 4K" })
    #expect(fault.model == "SIGSEGV" && fault.kernel?.hasPrefix("SIGSEGV/SIGBUS") == true && fault.status == .agreed)
    let pids = report.steps.flatMap(\.notes).compactMap { note -> Int32? in
      guard let range = note.range(of: " is pid ") else { return nil }
      return Int32(note[range.upperBound...])
    }
    #expect(pids.count == 3)
    #if canImport(Glibc)
    for pid in pids {
      var status: Int32 = 0
      let reaped = waitpid(pid, &status, WNOHANG)
      #expect(reaped <= 0, "helper \(pid) was reaped by the crosscheck already")
      let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
      let state = stat?.split(separator: ")").last?.split(separator: " ").first
      #expect(stat == nil || state == "Z", "helper \(pid) still runs: \(stat ?? "")")
    }
    #endif
  }
}
}
