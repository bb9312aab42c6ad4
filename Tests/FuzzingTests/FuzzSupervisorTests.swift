import Foundation
import Testing

@testable import Fuzzing

/// The supervisor names the case a worker died in from the worker's ``FuzzCaseSlot``, and starts
/// the next worker after it. The worker here is a shell script speaking the worker protocol:
/// it reports progress, stores a case index in the slot the supervisor passed, and kills itself
/// with SIGILL (what a Swift trap does); the second worker it is started as finishes.
@Suite struct FuzzSupervisorTests {
  static let script = """
    #!/bin/sh
    slot=""; first=0
    while [ $# -gt 0 ]; do
      case "$1" in
        --replay) exit 0 ;;
        --case-slot) slot="$2"; shift ;;
        --first-case) first="$2"; shift ;;
      esac
      shift
    done
    if [ "$first" = 0 ]; then
      echo '{"progress":{"cases":3,"steps":120,"findings":0,"seconds":0.1}}'
      [ -n "$slot" ] && printf '\\007\\000\\000\\000\\000\\000\\000\\000' | dd of="$slot" bs=8 count=1 conv=notrunc 2>/dev/null
      kill -ILL $$
    fi
    echo '{"done":{"cases":2,"steps":80,"findings":0,"seconds":0.1}}'
    """

  /// Writes the fake worker and returns its path.
  func fakeWorker() throws -> String {
    let path = NSTemporaryDirectory() + "hmmkit-fake-worker-\(getpid()).sh"
    try Self.script.write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o755)
    return path
  }

  @Test func aTrappedWorkersCaseComesFromItsSlot() throws {
    let worker = try fakeWorker()
    defer { try? FileManager.default.removeItem(atPath: worker) }
    let supervisor = FuzzSupervisor(configuration: FuzzConfiguration(seed: 1), limit: .cases(10), executable: worker, workerArguments: ["fuzz"])
    let (progress, reports) = supervisor.run()
    #expect(reports.count == 1)
    #expect(reports.first?.finding.kind == .trap)
    #expect(reports.first?.caseIndex == 7, "the case the slot named")
    #expect(reports.first?.finding.detail == "killed by signal 4")
    // 3 cases reported, the trapped one, and the 2 of the worker started at case 8.
    #expect(progress.cases == 6)
    #expect(progress.steps == 200)
    #expect(progress.findings == 1)
  }

  @Test func theSlotKeepsWhatWasStoredAcrossMappings() throws {
    let path = NSTemporaryDirectory() + "hmmkit-slot-test-\(getpid())"
    let owner = try #require(FuzzCaseSlot(creatingAt: path, index: 41))
    defer { owner.remove() }
    let other = try #require(FuzzCaseSlot(openingAt: path))
    #expect(other.index == 41)
    other.index = 1_000_003
    #expect(owner.index == 1_000_003)
    #expect(FuzzCaseSlot(openingAt: path + "-missing") == nil)
  }
}
