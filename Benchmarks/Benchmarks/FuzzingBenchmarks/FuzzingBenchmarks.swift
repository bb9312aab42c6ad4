// Benchmarks of model-only fuzzing: cases of `hmmkit fuzz` (seed 1, 40 steps, base/map-order/scan
// devices) generated and run in this process with the model's oracles, as the fuzz worker's hot
// loop does. One iteration is 100 cases (about 4,900 steps); each benchmark runs cases 0, 100, 200, ...
// in its iterations, so the rows with the same policies run the same cases.
//
// Cases end with the full invariant check as `hmmkit fuzz`'s do: every 16th by index (the others
// with the incremental check after their last step, like every other step); the rows "full check
// after every case" end every case with it.
//
// "fuzz 500 fixed cases" runs the same 500 cases (0..<500, about 24,600 steps) in every iteration,
// so its spread is the machine's alone: its p0 is the least disturbed iteration, its p50 the typical.
//
// Custom metrics: `steps per s`, scenario commands run per second of wall-clock time in the
// measured region; `steps per CPU s`, per second of this thread's CPU time (one core's rate,
// which holds on a machine other builds share).

import Benchmark
import Fuzzing

#if canImport(Glibc)
import Glibc
#endif

private let stepsPerSecond = BenchmarkMetric.custom("steps per s", polarity: .prefersLarger, useScalingFactor: false)
private let stepsPerCPUSecond = BenchmarkMetric.custom("steps per CPU s", polarity: .prefersLarger, useScalingFactor: false)
private let metrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal, stepsPerSecond, stepsPerCPUSecond]

/// This thread's CPU time in seconds.
private func threadCPUSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
private let casesPerIteration = 100
/// The next case each benchmark runs (by name): every iteration runs new cases, and every
/// benchmark runs the same sequence of cases (0, 100, 200, ...), so that their rates compare.
nonisolated(unsafe) private var next: [String: Int] = [:]

/// The first case of `benchmark`'s next iteration (and moves its counter on).
private func nextFirst(_ benchmark: Benchmark) -> Int {
  let first = next[benchmark.name, default: 0]
  next[benchmark.name] = first + casesPerIteration
  return first
}

/// Runs `count` cases starting at `first` and records steps per second.
/// Cases end with the full invariant check as `hmmkit fuzz`'s do (every 16th by index), or every
/// one with `fullCheckInterval: 1`.
private func measure(
  _ benchmark: Benchmark, first: Int, count: Int = casesPerIteration, policies: [String], interval: Int,
  fullCheckInterval: Int = FuzzExecutor.defaultFullCheckInterval, generateOnly: Bool = false
) {
  let configuration = FuzzConfiguration(seed: 1, policies: policies)
  let executor = FuzzExecutor(invariantInterval: interval, fullCheckInterval: fullCheckInterval)
  let clock = ContinuousClock()
  benchmark.startMeasurement()
  let began = clock.now
  let cpuBegan = threadCPUSeconds()
  var steps = 0
  for index in first..<(first + count) {
    let fuzzCase = ScenarioGenerator.generate(configuration, index: index)
    if generateOnly {
      steps += fuzzCase.steps.count
      blackHole(fuzzCase)
    } else {
      steps += executor.run(fuzzCase.steps, fullCheckAtEnd: executor.endsWithFullCheck(caseIndex: index)).steps
    }
  }
  let elapsed = clock.now - began
  let cpu = threadCPUSeconds() - cpuBegan
  benchmark.stopMeasurement()
  let (seconds, attoseconds) = elapsed.components
  let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
  benchmark.measurement(stepsPerSecond, Int(Double(steps) / (nanoseconds / 1e9)))
  benchmark.measurement(stepsPerCPUSecond, Int(Double(steps) / max(cpu, 1e-9)))
}

let benchmarks: @Sendable () -> Void = {
  let configuration = Benchmark.Configuration(
    metrics: metrics, units: [stepsPerSecond: .count, stepsPerCPUSecond: .count], warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)

  Benchmark("fuzz 100 cases, oracles after every step", configuration: configuration) { benchmark in
    measure(benchmark, first: nextFirst(benchmark), policies: ["base", "map-order", "scan"], interval: 1)
  }

  Benchmark("fuzz 500 fixed cases, oracles after every step", configuration: configuration) { benchmark in
    measure(benchmark, first: 0, count: 500, policies: ["base", "map-order", "scan"], interval: 1)
  }

  Benchmark("fuzz 100 cases, oracles after every step, full check after every case", configuration: configuration) { benchmark in
    measure(benchmark, first: nextFirst(benchmark), policies: ["base", "map-order", "scan"], interval: 1, fullCheckInterval: 1)
  }

  Benchmark("fuzz 500 fixed cases, oracles after every step, full check after every case", configuration: configuration) { benchmark in
    measure(benchmark, first: 0, count: 500, policies: ["base", "map-order", "scan"], interval: 1, fullCheckInterval: 1)
  }

  Benchmark("fuzz 100 cases, invariants every 16 steps", configuration: configuration) { benchmark in
    measure(benchmark, first: nextFirst(benchmark), policies: ["base", "map-order", "scan"], interval: 16)
  }

  Benchmark("fuzz 100 CPU-only cases, oracles after every step", configuration: configuration) { benchmark in
    measure(benchmark, first: nextFirst(benchmark), policies: [], interval: 1)
  }

  Benchmark("generate 100 cases", configuration: configuration) { benchmark in
    measure(benchmark, first: nextFirst(benchmark), policies: ["base", "map-order", "scan"], interval: 1, generateOnly: true)
  }
}
