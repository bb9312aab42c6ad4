import Foundation
import Workloads

/// What `hmmkit sweep run-one` writes for one job (`results/ID.json`): the job, its
/// parameters, the seed, the tool's version and the run's results.
public struct SweepJobResult: Hashable, Sendable, Codable {
  /// The version written into every result (merge reports results of different versions).
  public static let toolVersion = "hmmkit 0.9 (sweep result format 1)"

  /// The sweep's name.
  public var sweep: String
  /// The job's id.
  public var job: String
  /// The job's index in the plan.
  public var index: Int
  /// The job's axis values (axis name → value, `seed` included).
  public var axes: [String: SweepValue]
  /// The template with the axis values put in.
  public var parameters: SweepValue
  /// The seed.
  public var seed: UInt64
  /// ``toolVersion`` of the tool that ran it.
  public var toolVersion: String
  /// The host it ran on.
  public var host: String
  /// Which attempt succeeded (1, or 2 after a retry).
  public var attempt: Int
  /// Wall-clock seconds the run took (not a metric: it differs between machines).
  public var seconds: Double
  /// The run's results.
  public var run: RunResult

  /// A result.
  public init(sweep: String, job: SweepJob, host: String, attempt: Int, seconds: Double, run: RunResult) {
    self.sweep = sweep
    self.job = job.id
    self.index = job.index
    self.axes = job.axisValues
    self.parameters = job.parameters
    self.seed = job.spec.seed
    self.toolVersion = Self.toolVersion
    self.host = host
    self.attempt = attempt
    self.seconds = seconds
    self.run = run
  }

  /// The result as JSON with sorted keys.
  public func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(self)
  }

  /// The run's numbers by name, as the database's metrics table holds them: every counter and
  /// cause of time (`faults`, `time.tlbWalk`, `bytesMapped.2M`, `failedFaults.EFAULT`), the total
  /// time (`time.total`) and the fault-latency percentiles (`faultLatency.p50`, `.p99`, `.max`).
  public var metrics: [String: Double] {
    var result: [String: Double] = [:]
    func walk(_ value: SweepValue, _ name: String) {
      switch value {
      case .integer, .number: result[name] = value.double
      case .object(let members): for (key, member) in members { walk(member, name.isEmpty ? key : "\(name).\(key)") }
      default: break
      }
    }
    if let data = try? JSONEncoder().encode(run), let value = try? JSONDecoder().decode(SweepValue.self, from: data) {
      walk(value, "")
    }
    result["seed"] = nil
    result["time.total"] = run.time.total
    result["failedFaults.total"] = Double(run.failedFaults.values.reduce(0, +))
    let latencies = run.faultLatencies
    if !latencies.isEmpty {
      func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.up)) - 1)] }
      result["faultLatency.p50"] = percentile(0.5)
      result["faultLatency.p99"] = percentile(0.99)
      result["faultLatency.max"] = latencies[latencies.count - 1]
    }
    return result
  }
}
