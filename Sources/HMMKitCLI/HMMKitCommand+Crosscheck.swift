import ArgumentParser
import Crosscheck
import Foundation
import Scenarios

extension HMMKitCommand {
  /// `hmmkit crosscheck SCENARIO...`: runs the CPU-side commands of scenarios in the model and in
  /// real helper processes, and compares the two after every step.
  struct Crosscheck: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run scenarios in the model and for real, and compare them after every step.",
      discussion: """
        Each scenario's CPU-side commands (mmap, munmap, mprotect, madvise, mremap, fork, exit, \
        read, write) run in the memory model and in real helper processes (forks of hmmkit), at \
        addresses with the model's offsets modulo 2M and 1G. After every step the model's snapshot \
        and the helper's page tables (read with live mode: PAGEMAP_SCAN, pagemap, kpageflags) are \
        compared per page: VMA, present, PMD-mapped, zero page, folio order, writable, shared with \
        another process. Commands the real side cannot run are reported as not compared, with \
        the reason. Needs Linux, root, and THP in 'madvise' or 'always' mode. See docs/live-mode.md.

        Exit status: 0 when every compared step agreed, 1 on a disagreement or when crosschecks \
        cannot run here, 2 for a usage, read or parse error (nothing ran). With --json an error \
        is a JSON document on standard output too (schema hmmkit.crosscheck-error/1).
        """)

    @Argument(help: "Scenario files or directories (every .hmm under them).")
    var files: [String] = []

    @Flag(help: "Print JSON (an array of hmmkit.crosscheck/1 documents, see docs/live-mode.md).")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only the steps' outcomes and disagreements, not the runs they agree on.")
    var quiet = false

    @OptionGroup(title: "Fuzzing (hmmkit crosscheck --fuzz, see docs/fuzzing.md)")
    var fuzzing: CrosscheckFuzzOptions

    func run() throws {
      if fuzzing.fuzz { return try fuzzing.run(json: json, files: files) }
      if files.isEmpty { throw ValidationError("give scenario files or directories, or --fuzz") }
      var scenarios: [Scenario] = []
      var diagnostics: [ScenarioDiagnostic] = []
      for path in ScenarioFiles.expand(files) {
        do {
          let bytes = try ScenarioFiles.read(path)
          scenarios.append(try ScenarioParser.parse(bytes: bytes, file: path))
        } catch let error as ScenarioParseError {
          diagnostics += error.diagnostics
        } catch let error as ScenarioDiagnostic {
          diagnostics.append(error)
        }
      }
      if !diagnostics.isEmpty {
        for diagnostic in diagnostics { printError(diagnostic.description) }
        if json { print(CrosscheckReport.jsonError("the scenario files could not be read or parsed; nothing ran", diagnostics: diagnostics, exitCode: 2), terminator: "") }
        throw ExitCode(2)
      }
      var reports: [CrosscheckReport] = []
      do {
        let session = try CrosscheckSession()
        defer { session.close() }
        for scenario in scenarios {
          let report = session.run(scenario)
          if !json { print(report.textReport(agreements: !quiet)) }
          reports.append(report)
        }
      } catch {
        printError("error: \(error)")
        if json { print(CrosscheckReport.jsonError("\(error)", diagnostics: [], exitCode: 1), terminator: "") }
        throw ExitCode(1)
      }
      if json { print(CrosscheckReport.jsonReport(reports), terminator: "") }
      if reports.count > 1 && !json {
        let disagreeing = reports.filter { !$0.agrees }
        print("\(reports.count) scenarios: \(reports.count - disagreeing.count) agree, \(disagreeing.count) disagree")
      }
      if reports.contains(where: { !$0.agrees }) { throw ExitCode(1) }
    }

    private func printError(_ message: String) {
      FileHandle.standardError.write(Data((message + "\n").utf8))
    }
  }
}
