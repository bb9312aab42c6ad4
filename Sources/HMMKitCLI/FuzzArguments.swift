import ArgumentParser
import Foundation
import Fuzzing

/// The checked arguments of `hmmkit fuzz` and `hmmkit crosscheck --fuzz`.
struct FuzzArguments {
  var configuration: FuzzConfiguration
  var limit: Fuzzer.Limit
  var checkEvery: Int
  var fullCheckEvery: Int

  var limitDescription: String {
    switch limit {
    case .cases(let count): "\(count) cases"
    case .seconds(let seconds): "\(Self.format(seconds)) s"
    }
  }

  var policiesDescription: String { configuration.policies.isEmpty ? "none" : configuration.policies.joined(separator: ",") }

  static func format(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds))" : String(format: "%.3f", seconds)
  }

  /// Checks the arguments; a bad one is a ValidationError (exit 2) naming what to do.
  static func parse(seed: UInt64?, cases: String?, time: String?, steps: String, policies: String, profile: String,
                    checkEvery: String, fullCheckEvery: String = "1", defaultCases: Int) throws -> FuzzArguments {
    if cases != nil && time != nil { throw ValidationError("give either --cases or --time, not both") }
    var limit = Fuzzer.Limit.cases(defaultCases)
    if let cases {
      guard let count = Int(cases), count > 0 else {
        throw ValidationError("--cases must be a positive number of cases, not '\(cases)'")
      }
      limit = .cases(count)
    }
    if let time {
      guard let seconds = duration(time), seconds > 0 else {
        throw ValidationError("--time must be a positive duration such as 30s, 500ms, 2m or 1h, not '\(time)'")
      }
      limit = .seconds(seconds)
    }
    guard let stepCount = Int(steps), stepCount > 0, stepCount <= 100_000 else {
      throw ValidationError("--steps must be a number of commands from 1 to 100000, not '\(steps)'")
    }
    guard let interval = Int(checkEvery), interval > 0 else {
      throw ValidationError("--check-every must be a positive number of steps, not '\(checkEvery)'")
    }
    guard let fullInterval = Int(fullCheckEvery), fullInterval > 0 else {
      throw ValidationError("--full-check-every must be a positive number of cases, not '\(fullCheckEvery)'")
    }
    var names: [String] = []
    if policies != "none" {
      for name in policies.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
        guard FuzzConfiguration.allPolicies.contains(name) else {
          throw ValidationError("unknown policy '\(name)' in --policies; expected base, map-order, scan, folio-order (comma-separated) or none")
        }
        if !names.contains(name) { names.append(name) }
      }
    }
    guard let fuzzProfile = FuzzProfile.named(profile) else {
      throw ValidationError("unknown profile '\(profile)'; expected standard, adversarial or kernel")
    }
    let runSeed = seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
    let configuration = FuzzConfiguration(seed: runSeed, steps: stepCount, policies: names, profile: fuzzProfile)
    return FuzzArguments(configuration: configuration, limit: limit, checkEvery: interval, fullCheckEvery: fullInterval)
  }

  /// `30s`, `500ms`, `2m`, `1h`, or a number of seconds.
  static func duration(_ text: String) -> Double? {
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
      guard let value = Double(text.dropLast(suffix.count)), value.isFinite else { return nil }
      return value * scale
    }
    guard let value = Double(text), value.isFinite else { return nil }
    return value
  }
}

/// The path of this executable, for worker and replay children.
enum ChildProcessPath {
  static var hmmkit: String { ChildProcess.currentExecutable }
}
