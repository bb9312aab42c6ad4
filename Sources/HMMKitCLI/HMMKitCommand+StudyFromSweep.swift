import ArgumentParser
import Foundation
import Sweeps
import Workloads

extension HMMKitCommand.Study {
  /// `hmmkit study --from results.sqlite`: the table and report of a merged sweep.
  func runFromDatabase(_ path: String) throws {
    if file != nil { throw ValidationError("--from \(path): error: give either a study file or --from, not both") }
    if seed != nil { throw ValidationError("--from \(path): error: --seed does not apply (the runs are done; their seeds are in the database)") }
    let result: Workloads.StudyResult
    do { result = try SweepDatabase(path: path).study(sweep: sweep) } catch { throw ValidationError(error.description) }
    let written = try Self.write(result, to: out)
    if json {
      FileHandle.standardOutput.write(try result.json())
      print()
    } else {
      print("sweep \(result.study.name) from \(path): \(result.runs.count) runs")
      print(result.table, terminator: "")
      print("wrote \(written.json) and \(written.report)")
    }
  }
}
