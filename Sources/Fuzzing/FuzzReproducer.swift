import Scenarios

/// Turns a shrunk case into a `.hmm` file that `hmmkit run` fails on by itself: the seed and the
/// finding as its opening comment, `expect error` after every command the model refuses, and
/// for the policy differential an `expect=` on the reads that must agree.
public enum FuzzReproducer {
  /// The scenario text for `steps` of case `index` of a run with `configuration`.
  public static func text(_ steps: [FuzzStep], finding: FuzzFinding, configuration: FuzzConfiguration, index: Int,
                          originalStatements: Int, command: String = "hmmkit fuzz") -> String {
    var commands: [Command] = []
    for (position, step) in steps.enumerated() {
      if position == finding.step, finding.kind == .differential, case .compare(let devices, let range) = step,
        let expected = differentialPattern(steps, at: position)
      {
        for device in devices {
          commands.append(.device(.access(device: device, range: range, write: false, pattern: expected, random: false, seed: 1)))
        }
      } else {
        commands += step.commands
      }
    }
    commands = insertingExpectErrors(commands)
    let policies = configuration.policies.isEmpty ? "" : " --policies \(configuration.policies.joined(separator: ","))"
    let header = [
      "\(command) --seed \(configuration.seed)\(policies) --steps \(configuration.steps)"
        + (configuration.profile.name == "standard" ? "" : " --profile \(configuration.profile.name)") + ": case \(index)",
      "finding: \(finding.kind.rawValue): \(finding.detail)",
      "shrunk from \(originalStatements) to \(commands.count) statements; reproduce with 'hmmkit run FILE'"
        + (finding.kind == .kernel ? " (model) and 'hmmkit crosscheck FILE' (kernel)" : ""),
    ]
    return ScenarioPrinter.text(commands, header: header)
  }

  /// Adds `expect error` after each command the model refuses, so that the file runs to the
  /// finding (the runner stops at an unexpected error).
  public static func insertingExpectErrors(_ commands: [Command]) -> [Command] {
    var current = commands
    for _ in 0..<commands.count {
      let text = ScenarioPrinter.text(current)
      guard let scenario = try? ScenarioParser.parse(text, file: "fuzz.hmm") else { return current }
      let result = ScenarioRunner().run(scenario)
      guard let index = result.steps.firstIndex(where: { $0.status == .failed && $0.error != nil && $0.violations.isEmpty }) else {
        return current
      }
      current.insert(.expect(.error(nil)), at: index + 1)
    }
    return current
  }

  /// Whether `hmmkit run` of `text` fails (an invariant or oracle violation, a failed
  /// expectation).
  public static func fails(_ text: String) -> Bool {
    guard let scenario = try? ScenarioParser.parse(text, file: "fuzz.hmm") else { return false }
    return !ScenarioRunner().run(scenario).succeeded
  }

  /// The pattern the first device of the differential check at `position` read, when the data
  /// is one the scenario language can write.
  static func differentialPattern(_ steps: [FuzzStep], at position: Int) -> DataPattern? {
    guard case .compare(let devices, let range) = steps[position], let first = devices.first else { return nil }
    let session = ScenarioSession(options: ScenarioRunner.Options(checkInvariants: false))
    defer { session.shutdown() }
    for step in steps[..<position] {
      for command in step.commands { _ = session.execute(command) }
    }
    guard let bytes = session.deviceRead(first.name, range) else { return nil }
    return pattern(matching: bytes, offset: range.address.region == nil ? 0 : range.address.offset)
  }

  /// A pattern whose bytes from `offset` are `bytes`, if there is one.
  static func pattern(matching bytes: [UInt8], offset: UInt64) -> DataPattern? {
    guard let firstByte = bytes.first else { return nil }
    var candidates: [DataPattern] = [.byte(firstByte)]
    if offset % 4 == 0 && bytes.count >= 4 {
      let value = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
      let word = UInt32(truncatingIfNeeded: offset / 4)
      candidates += [.index, .negatedIndex, .shiftedIndex(value &- word)]
    }
    return candidates.first { pattern in
      bytes.indices.allSatisfy { bytes[$0] == pattern.byte(at: offset + UInt64($0)) }
    }
  }
}
