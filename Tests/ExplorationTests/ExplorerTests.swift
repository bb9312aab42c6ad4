import Foundation
import HMM
import Scenarios
import Testing

@testable import Exploration

/// Paths inside the package.
enum Package {
  /// The package root, from this file's location.
  static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()
}

/// A 64 MiB machine: the tests run many interleavings at once, and the test process's peak
/// resident memory is what LargestRangeTests' spawned children inherit (exec keeps the high
/// water mark), so each machine is kept small.
let smallMachine = ScenarioRunner.Options(memoryBytes: 64 << 20, checkInvariants: false)

/// Reads and explores a scenario file of the repository.
func explore(_ relativePath: String, loop: DriverLoopVariant? = nil, invariantsAfterEachCommand: Bool = true) throws -> (ExplorationScenario, Explorer.Report) {
  let text = try String(contentsOfFile: Package.root + "/" + relativePath, encoding: .utf8)
  let scenario = try ExplorationScenario.parse(text, file: relativePath)
  var explorer = Explorer(scenario: scenario, options: smallMachine, loop: loop)
  explorer.invariantsAfterEachCommand = invariantsAfterEachCommand
  return (scenario, try explorer.run())
}

@Suite struct ExplorerTests {
  @Test func theCorrectLoopPassesEveryInterleavingOfAReadWithAnMunmap() throws {
    let (_, report) = try explore("Scenarios/explore/read-munmap.hmm")
    // before, read_begin#1, range_fault#2, unlock#6 (the points under the driver lock are not
    // offered), after.
    #expect(report.interleavings == 5 && report.complete)
    #expect(report.failing == 0)
    #expect(report.inside == 3)
    #expect(report.outcomeCounts["expect fd ret == 0; expect fd cpages == 16; expect fd data == index"] == 1)
    #expect(report.outcomeCounts["expect fd ret == EFAULT"] == 4)
  }

  @Test(arguments: ["no-read-retry", "no-set-seq", "no-seq-refresh"])
  func eachWrongLoopIsCaught(_ name: String) throws {
    let kind: ExplorationFinding.Kind = name == "no-seq-refresh" ? .termination : .oracle
    let (scenario, report) = try explore("Scenarios/explore/\(name).hmm")
    #expect(scenario.loops["fd"]?.rawValue == name)
    #expect(report.failing > 0)
    let failure = try #require(report.failures.first)
    #expect(failure.findings.contains { $0.kind == kind }, "\(failure.findings)")
    // The munmap lands between hmm_range_fault() and the driver lock.
    #expect(failure.placements == [.at(.rangeFault, occurrence: 2)])

    // The replay: `hmmkit explore` runs exactly that interleaving again, and `hmmkit run` fails on it.
    let replay = scenario.replay(failure, loop: report.loop)
    let again = try ExplorationScenario.parse(replay, file: "replay.hmm")
    #expect(again.pinned == failure.placements)
    let rerun = try Explorer(scenario: again, options: smallMachine).run()
    #expect(rerun.interleavings == 1 && rerun.failing == 1)
    #expect(rerun.failures.first?.findings.contains { $0.kind == kind } == true)
    let plain = try ScenarioParser.parse(replay, file: "replay.hmm")
    #expect(ScenarioRunner(options: ScenarioRunner.Options(memoryBytes: 64 << 20)).run(plain).failed > 0, "hmmkit run shows the failure")
  }

  @Test func theSameScenariosPassWithTheCorrectLoop() throws {
    for name in ["no-read-retry", "no-set-seq", "no-seq-refresh"] {
      let (_, report) = try explore("Scenarios/explore/\(name).hmm", loop: .correct)
      #expect(report.failing == 0, "\(name): \(report.failures.first?.findings ?? [])")
    }
  }

  @Test func readLockCommandsRunInsideHMMRangeFault() throws {
    let (_, report) = try explore("Scenarios/explore/fault-dontneed.hmm")
    #expect(report.complete && report.failing == 0)
    #expect(report.placementsByPoint[.segment, default: 0] > 0, "DONTNEED and a CPU write run at segment points")
    #expect(report.placementsByPoint[.readBegin, default: 0] > 0)
  }

  @Test func anMunmapNeverRunsInsideHMMRangeFault() throws {
    // Not present pages: hmm_range_fault() faults them in segment by segment, under
    // mmap_read_lock, so the munmap (mmap_write_lock) is never placed at a segment point.
    let text = """
      process T
      T: fd = open hmm_dmirror0
      T: buf = mmap 16K rw private anon
      #> concurrent
      fd: read buf 16K
      T: munmap buf 16K
      #> end
      """
    let report = try Explorer(scenario: ExplorationScenario.parse(text, file: "t.hmm"), options: smallMachine).run()
    #expect(report.complete && report.failing == 0)
    #expect(report.placementsByPoint[.segment] == nil)
    #expect(report.placementsByPoint[.rangeFault, default: 0] > 0)
  }

  @Test func theBoundStopsTheSearch() throws {
    let text = try String(contentsOfFile: Package.root + "/Scenarios/explore/fault-dontneed.hmm", encoding: .utf8)
    let report = try Explorer(scenario: ExplorationScenario.parse(text, file: "f.hmm"), options: smallMachine, maxInterleavings: 4).run()
    #expect(report.interleavings == 4 && !report.complete)
  }

  @Test func decisionsAdvanceDepthFirst() {
    #expect(Explorer.next([0, 0], [2, 3]) == [0, 1])
    #expect(Explorer.next([0, 2], [2, 3]) == [1])
    #expect(Explorer.next([1, 2], [2, 3]) == nil)
  }
}

@Suite struct DeviceExplorerTests {
  @Test(arguments: DriverLoopVariant.allCases)
  func theDeviceFaultPathIsExploredWithEachLoop(_ loop: DriverLoopVariant) throws {
    let (_, report) = try explore("Scenarios/explore/device-thp-mprotect.hmm", loop: loop)
    #expect(report.interleavings == 5 && report.complete)
    switch loop {
    case .correct:
      #expect(report.failing == 0, "\(report.failures.first?.findings ?? [])")
    case .noReadRetry, .noSetSeq:
      // A writable 2M device mapping over the split, partly read-only range.
      #expect(report.failures.first?.findings.contains { $0.kind == .oracle && $0.detail.contains("2M") } == true)
    case .noSeqRefresh:
      #expect(report.failures.first?.findings.contains { $0.kind == .termination } == true)
    }
  }
}

@Suite struct TeardownExplorerTests {
  @Test func anExitRacesOnlyBeforeOrAfterTheOperation() throws {
    let text = """
      process T
      T: fd = open hmm_dmirror0
      T: buf = mmap 64K rw private anon
      T: write buf 64K pattern=index
      #> concurrent
      fd: read buf 64K
      T: exit
      #> end
      #> allow: expect fd ret == 0; expect fd cpages == 16
      #> allow: expect fd ret == EINVAL
      """
    let report = try Explorer(scenario: ExplorationScenario.parse(text, file: "t.hmm"), options: smallMachine).run()
    #expect(report.interleavings == 2 && report.complete && report.inside == 0)
    #expect(report.failing == 0, "\(report.failures.first?.findings ?? [])")
    #expect(report.outcomeCounts.count == 2)
  }
}
