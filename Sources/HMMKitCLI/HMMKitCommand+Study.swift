import ArgumentParser
import Foundation
import Workloads

extension HMMKitCommand {
  /// `hmmkit study [FILE] [--out DIR] [--json]`: workloads × policies × ladders × cost models.
  struct Study: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run a study: workloads under device policies, with modelled time, and write study.json and report.html.",
      discussion: """
        Without FILE, runs the built-in default study. A study file is JSON (docs/study.md): workloads, \
        policies (base, map-order, scan, folio-order, or the presets gpusvm, nouveau, amdkfd, odp, odp-2M, \
        uvm-hmm), ladders and cost-model parameters. Prints a table, writes study.json and a self-contained \
        report.html into --out (default: ./hmmkit-study).
        """)

    @Argument(help: "A study file (JSON); the built-in default study when left out.")
    var file: String?

    @Option(help: "Where study.json and report.html go (created if needed).")
    var out: String = "hmmkit-study"

    @Flag(help: "Print study.json to standard output instead of the table.")
    var json = false

    @Option(help: "Override the study's seed.")
    var seed: UInt64?

    @Option(help: "Draw the report from a merged sweep (hmmkit sweep merge … --into results.sqlite) instead of running a study.")
    var from: String?

    @Option(help: "With --from: the sweep to draw, when the database holds several.")
    var sweep: String?

    func run() throws {
      if let from { return try runFromDatabase(from) }
      var spec = try Self.load(file)
      if let seed { spec.seed = seed }
      let problems = spec.problems()
      if !problems.isEmpty {
        throw ValidationError("\(file ?? "default study"): error: " + problems.joined(separator: "\n"))
      }
      let result = try Self.runWithProgress(spec)
      let written = try Self.write(result, to: out)
      if json {
        FileHandle.standardOutput.write(try result.json())
        print()
      } else {
        print("study \(spec.name): \(result.runs.count) runs, seed \(spec.seed)")
        print(result.table, terminator: "")
        print("wrote \(written.json) and \(written.report)")
      }
    }

    /// Reads a study file, or the default study.
    static func load(_ file: String?) throws -> StudySpec {
      guard let file else { return .defaultStudy }
      func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return ExitCode(2)
      }
      guard let data = FileManager.default.contents(atPath: file) else { throw fail("\(file): error: cannot read the study file") }
      do {
        return try JSONDecoder().decode(StudySpec.self, from: data)
      } catch let error as DecodingError {
        throw fail(error.message(file: file, data: data))
      } catch {
        throw fail("\(file): error: \(error.localizedDescription)")
      }
    }

    /// Runs the study, drawing a progress bar on a terminal once it has taken more than a second.
    static func runWithProgress(_ spec: StudySpec) throws -> StudyResult {
      let start = Date()
      let terminal = isatty(STDERR_FILENO) == 1
      var drawn = false
      let runner = StudyRunner(study: spec)
      let progress: (Double) -> Void = { fraction in
        guard terminal, Date().timeIntervalSince(start) > 1 else { return }
        let width = 40
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(Int(fraction * 100))%".utf8))
        drawn = true
      }
      let result: StudyResult
      do { result = try runner.run(progress: progress) } catch {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        throw ValidationError("study \(spec.name): error: \(error.description)")
      }
      if drawn { FileHandle.standardError.write(Data("\r\(String(repeating: " ", count: 50))\r".utf8)) }
      return result
    }

    /// Writes study.json and report.html into `directory`.
    static func write(_ result: StudyResult, to directory: String) throws -> (json: String, report: String) {
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let json = (directory as NSString).appendingPathComponent("study.json")
        let report = (directory as NSString).appendingPathComponent("report.html")
        try result.json().write(to: URL(fileURLWithPath: json))
        try Data(result.html.utf8).write(to: URL(fileURLWithPath: report))
        return (json, report)
      } catch {
        throw ValidationError("--out \(directory): error: cannot write the results: \(error.localizedDescription)")
      }
    }
  }
}

extension HMMKitCommand.Study {
  /// The end of `hmmkit demo`: a short study, its table and where its report is.
  static func demo() throws {
    let spec = StudySpec.demoStudy
    print("\nA short study (hmmkit study runs the full one): a device streams THP-backed memory under four policies;")
    print("'stream-split' first makes one page per 2 MiB read-only, so the THPs are PTE-mapped. Modelled time, seed \(spec.seed):")
    let result = try runWithProgress(spec)
    print(result.table, terminator: "")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmmkit-demo-study").path
    let written = try write(result, to: directory)
    print("folio-order is fastest on the split THPs and the only one the safety oracle flags.")
    print("Report: \(written.report) (open it in a browser); data: \(written.json)")
  }
}
