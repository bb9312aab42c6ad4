import Foundation
import LiveLinux
import MemoryModel
import Scenarios
import Testing

@testable import Crosscheck

#if canImport(Glibc)
import Glibc
#endif

/// The crosscheck's own parts, without a real process: the scenario reader, the address
/// window, the page comparison, the report.
@Suite struct CrosscheckUnitTests {
  /// The operations of a text, parsed by the scenario language's parser.
  static func operations(_ text: String) throws -> [CrosscheckOperation] {
    try ScenarioParser.parse(text, file: "t.hmm").statements.map { CrosscheckOperation($0.command) }
  }

  @Test func theParsersASTKeepsTheCPUSideCommandsAndSaysWhyTheOthersAreNotRun() throws {
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
      A: d = mremap moved 2M 2M maymove dontunmap
      """
    let scenario = try ScenarioParser.parse(text, file: "t.hmm")
    let statements = CrosscheckStatement.statements(of: scenario)
    let operations = statements.map(\.operation)
    #expect(statements.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18])
    #expect(operations[0] == .system(thp: "madvise", memory: 1 << 30, fragment: nil, hugetlb2M: nil, hugetlb1G: nil))
    #expect(operations[1] == .process(name: "A"))
    guard case .mmap("A", "buf", 4 << 20, [.read, .write], false, 2 << 20, nil) = operations[2] else {
      Issue.record("mmap: \(operations[2])")
      return
    }
    guard case .madvise("A", let address, 65536, .dontneed) = operations[3] else {
      Issue.record("madvise: \(operations[3])")
      return
    }
    #expect(address.region?.name == "buf" && address.offset == (1 << 20) + 4096)
    guard case .mremap("A", "moved", let from, 2 << 20, 2 << 20, true, let fixed?, false) = operations[4] else {
      Issue.record("mremap: \(operations[4])")
      return
    }
    #expect(from.region?.name == "buf" && fixed.base == .literal(0x7e00_0000_0000))
    #expect(operations[5] == .fork(parent: "A", child: "B"))
    guard case .access("B", _, 4096, true, true) = operations[6] else {  // pattern=index stores data
      Issue.record("write: \(operations[6])")
      return
    }
    #expect(operations[7] == .expectation)
    #expect(operations[8] == .file(name: "F", size: 4 << 20, shmem: false, huge: false, hugetlb: nil))
    guard case .mmapFile("A", "m", "F", 0, 4 << 20, [.read, .write], true, nil, nil) = operations[9] else {
      Issue.record("a file mapping: \(operations[9])")
      return
    }
    #expect(operations[10] == .device(keyword: "device", changesCPU: false))
    #expect(operations[11] == .device(keyword: "gpu0: mirror", changesCPU: false))
    #expect(operations[12] == .device(keyword: "gpu0: read", changesCPU: true))
    #expect(operations[13] == .device(keyword: "hmm", changesCPU: false))
    #expect(operations[14] == .khugepagedCollapse(process: "A"))
    #expect(operations[15] == .deferredSplit)
    guard case .mremap(_, "d", _, _, _, true, nil, true) = operations[16] else {
      Issue.record("dontunmap: \(operations[16])")
      return
    }
    #expect(statements[2].text == "A: buf = mmap 4M rw private anon align=2M")
  }

  @Test func aMalformedFileGetsTheScenarioLanguagesDiagnostics() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("bad.hmm").path
    try "process A\nA: frobnicate buf 4K\n".write(toFile: path, atomically: true, encoding: .utf8)
    do {
      _ = try Crosscheck.load(path: path)
      Issue.record("a malformed file loaded")
    } catch {
      guard case .scenario(let parseError) = error else {
        Issue.record("not a parse error: \(error)")
        return
      }
      let first = try #require(parseError.diagnostics.first)
      #expect(first.location.file == path && first.location.line == 2)
      #expect(first.description.hasPrefix("\(path):2:"))
    }
    do {
      _ = try Crosscheck.load(path: directory.appendingPathComponent("missing.hmm").path)
      Issue.record("a missing file loaded")
    } catch {
      #expect("\(error)".contains("no such file"))
    }
  }

  @Test func theErrorDocumentNamesTheDiagnostics() {
    let diagnostic = ScenarioDiagnostic(at: SourceLocation(file: "t.hmm", line: 2, column: 4), "unknown command 'frobnicate'",
                                        accepted: "expected a CPU-side command")
    let text = CrosscheckReport.jsonError("nothing ran", diagnostics: [diagnostic], exitCode: 2)
    #expect(text.contains("\"schema\": \"hmmkit.crosscheck-error/1\""))
    #expect(text.contains("\"line\": 2") && text.contains("\"column\": 4") && text.contains("\"exitCode\": 2"))
    #expect(text.contains("t.hmm:2:4: error: unknown command 'frobnicate'"))
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
    kernel = model
    model.anonExclusive = true
    #expect(CrosscheckRunner.differences(model, kernel).differences.isEmpty, "anon-exclusive only where the kernel shows it")
    kernel.anonExclusive = false
    #expect(CrosscheckRunner.differences(model, kernel).differences.map(\.0) == [.anonExclusive])
    kernel.anonExclusive = true
    model.present = false
    #expect(CrosscheckRunner.differences(model, kernel).differences.map(\.0) == [.present], "no page attributes without a page")
    let unmapped = CrosscheckPageState(vma: nil)
    #expect(CrosscheckRunner.differences(unmapped, CrosscheckPageState(vma: "rw-p")).differences.map(\.0) == [.vma])
  }

  @Test func outcomesOfAccessesCompareAsFaults() {
    let buf = AddressExpression(base: .region(Identifier("buf", at: SourceLocation(file: "t.hmm", line: 1, column: 1))),
                                at: SourceLocation(file: "t.hmm", line: 1, column: 1))
    let access = CrosscheckOperation.access(process: "A", address: buf, size: 4096, write: true)
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
extension KernelTests {
@Suite(.serialized) struct CrosscheckLiveTests {
  @Test(
    // Needs Linux, root (PFNs, kpageflags) and THP in madvise or always mode; the reason is printed.
    .enabled(if: KernelTests.unavailable == nil, "crosschecks need Linux, root and THP (madvise or always)"),
    arguments: CrosscheckScenarioFiles.all)
  func everyCrosscheckScenarioAgreesWithTheKernel(path: String) throws {
    let scenario = try Crosscheck.load(path: path)
    let report = try Crosscheck.run(scenario)
    let name = path.split(separator: "/").last.map(String.init) ?? path
    // A gigantic (1G) hugetlb page needs 1 GiB of contiguous free memory, which the machine may
    // not have at the moment: then the file is skipped with the reason (its 1G steps are not
    // compared, nothing disagrees).
    let poolReason = report.steps.lazy.compactMap { step -> String? in
      if case .notCompared(let reason) = step.status, reason.hasPrefix("the kernel's 1G hugetlb pool") { return reason }
      return nil
    }.first
    if let poolReason {
      #expect(report.agrees, "\(name): \(report.summaryLine)")
      print("skipped \(name): \(poolReason)")
      return
    }
    let agrees = report.agrees
    #expect(agrees, "\(name): \(report.summaryLine)\n\(report.disagreements.map(\.description).joined(separator: "\n"))")
    let notCompared = report.notComparedSteps
    #expect(notCompared == 0, "\(name): every step of a crosscheck scenario is compared\n\(report.textReport(agreements: false))")
    let compared = report.comparedSteps
    #expect(compared > 2)
  }

  @Test(.enabled(if: KernelTests.unavailable == nil, "crosschecks need Linux, root and THP (madvise or always)"))
  func thereAreCrosscheckScenariosForTheLargePageLifeCycle() {
    let names = Set(CrosscheckScenarioFiles.all.map { $0.split(separator: "/").last.map(String.init) ?? $0 })
    for expected in ["thp-fault.hmm", "partial-mprotect.hmm", "partial-munmap.hmm", "dontneed-part-of-thp.hmm",
                     "fork-cow-child-writes.hmm", "fork-cow-parent-writes.hmm", "mremap-aligned.hmm", "mremap-unaligned.hmm",
                     "madv-collapse.hmm", "madv-free-part-of-thp.hmm", "huge-zero-page.hmm",
                     "dontneed-pt-reclaim.hmm", "madv-free-whole-thp.hmm", "cow-last-page-of-large-folio.hmm",
                     "reuse-across-page-tables.hmm", "madv-collapse-rules.hmm", "fault-counts.hmm",
                     "shmem-file-mappings.hmm", "hugetlb.hmm", "shmem-huge-file.hmm"] {
      #expect(names.contains(expected), "Scenarios/crosscheck/\(expected)")
    }
  }

  @Test(.enabled(if: KernelTests.unavailable == nil, "crosschecks need Linux, root and THP (madvise or always)"))
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
    let report = try Crosscheck.run(try ScenarioParser.parse(text, file: "inline.hmm"))
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

extension KernelTests {
/// One session, many scenarios: the window and the pipes are set up once, every run starts from
/// fresh helpers and a fresh model.
@Suite(.serialized) struct CrosscheckSessionTests {
  @Test(.enabled(if: KernelTests.unavailable == nil, "crosschecks need Linux, root and THP (madvise or always)"))
  func aSessionRunsScenariosOneAfterAnotherWithFreshHelpers() throws {
    let session = try CrosscheckSession()
    defer { session.close() }
    let text = """
      process A
      A: buf = mmap 2M rw align=2M
      A: madvise buf 2M hugepage
      A: write buf 4K
      A: B = fork
      B: write buf 4K
      """
    let scenario = try ScenarioParser.parse(text, file: "inline.hmm")
    var pids: Set<String> = []
    for round in 0..<3 {
      let report = session.run(scenario, file: "round-\(round)")
      #expect(report.file == "round-\(round)")
      #expect(report.agrees, "\(report.textReport())")
      #expect(report.comparedSteps == 6 && report.notComparedSteps == 0, "\(report.textReport(agreements: false))")
      let write = try #require(report.steps.last)
      #expect(write.agreements.contains { $0.process == "B" && $0.state.order == 0 && $0.state.write })
      pids.formUnion(report.steps.flatMap(\.notes).filter { $0.contains(" is pid ") })
    }
    #expect(pids.count == 6, "every run has its own helpers: \(pids)")
    let generated = session.run(statements: scenario.statements)
    #expect(generated.file == "<generated>" && generated.agrees)
    let files = try ScenarioParser.parse("""
      file F size=1M shmem
      file F write 0 64K
      process A
      A: m = mmap 1M rw shared file=F
      A: read m 4K
      A: B = fork
      B: write m+4K 4K
      """, file: "files.hmm")
    for _ in 0..<2 {
      let report = session.run(files)
      #expect(report.agrees && report.notComparedSteps == 0, "\(report.textReport(agreements: false))")
      let read = try #require(report.steps.first { $0.text == "A: read m 4K" })
      #expect(read.modelFaults == 1 && read.kernelFaults == 1, "one fault; fault-around maps the cached 64K")
      #expect(read.agreements.contains { $0.state.present && $0.end - $0.start == 64 << 10 })
    }
  }
}
}
