// Benchmarks of `hmmkit explore`'s engine on hmm-tests' anon_teardown (device-private): every
// interleaving of the 4 MiB READ with the munmap of its second half (98 interleavings), each on
// a fresh machine that replays the scenario's prefix, with every check. One iteration is one
// whole exploration.
//
// Custom metric `interleavings per s`. Two more benchmarks split the cost of a fresh copy: the
// prefix replay alone (what each interleaving pays now), and fork() + _exit + waitpid of this
// process after the prefix ran once (what the alternative, forking the host process per
// interleaving, would pay before any result travels back).

import Benchmark
import Exploration
import Foundation
import Scenarios

private let interleavingsPerSecond = BenchmarkMetric.custom("interleavings per s", polarity: .prefersLarger, useScalingFactor: false)

/// The anon_teardown scenario of the repository.
private let scenario: ExplorationScenario = {
  var url = URL(fileURLWithPath: #filePath)
  for _ in 0..<4 { url.deleteLastPathComponent() }
  let path = url.path + "/Scenarios/hmm-tests/hmm.hmm_device_private.anon_teardown.hmm"
  let text = try! String(contentsOfFile: path, encoding: .utf8)
  return try! ExplorationScenario.parse(text, file: path)
}()

let benchmarks: @Sendable () -> Void = {
  let configuration = Benchmark.Configuration(
    metrics: [.wallClock, .mallocCountTotal, interleavingsPerSecond], units: [interleavingsPerSecond: .count],
    warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 10)

  Benchmark("explore anon_teardown (98 interleavings, every check)", configuration: configuration) { benchmark in
    let explorer = Explorer(scenario: scenario)
    let clock = ContinuousClock()
    benchmark.startMeasurement()
    let began = clock.now
    let report = try! explorer.run()
    let elapsed = clock.now - began
    benchmark.stopMeasurement()
    precondition(report.interleavings == 98 && report.failing == 0)
    let (seconds, attoseconds) = elapsed.components
    let total = Double(seconds) + Double(attoseconds) / 1e18
    benchmark.measurement(interleavingsPerSecond, Int(Double(report.interleavings) / total))
  }

  let single = Benchmark.Configuration(metrics: [.wallClock], warmupIterations: 1, maxDuration: .seconds(5), maxIterations: 100)

  Benchmark("anon_teardown prefix replay on a fresh machine", configuration: single) { benchmark in
    let session = ScenarioSession(options: ScenarioRunner.Options(checkInvariants: false))
    for statement in scenario.prefix { blackHole(session.execute(statement.command)) }
    session.shutdown()
  }

  Benchmark("fork + _exit + waitpid after the anon_teardown prefix", configuration: single) { benchmark in
    let session = ScenarioSession(options: ScenarioRunner.Options(checkInvariants: false))
    for statement in scenario.prefix { blackHole(session.execute(statement.command)) }
    benchmark.startMeasurement()
    let child = fork()
    if child == 0 { _exit(0) }
    var status: Int32 = 0
    waitpid(child, &status, 0)
    benchmark.stopMeasurement()
    session.shutdown()
  }
}
