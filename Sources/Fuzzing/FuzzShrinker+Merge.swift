import Scenarios

extension FuzzShrinker {
  /// What a step defines that another definition of the same kind could stand in for: a
  /// device, or a process created by `process`.
  static func mergeableName(_ step: FuzzStep) -> (name: String, kind: Int)? {
    guard case .command(let command) = step else { return nil }
    switch command {
    case .device(.define(let definition)): return (definition.name.name, 0)
    case .process(let name): return (name.name, 1)
    default: return nil
    }
  }

  /// Candidates that merge the definition at `index` into an earlier one of the same kind:
  /// every use of the later name names the earlier one instead, the later definition goes, and
  /// so do the statements that merging made repeat an earlier one (a second `mirror`). First
  /// with the earlier definition's settings, then with the later one's.
  static func merges(_ steps: [FuzzStep], at index: Int) -> [[FuzzStep]] {
    guard let (name, kind) = mergeableName(steps[index]) else { return [] }
    var result: [[FuzzStep]] = []
    for earlier in 0..<index {
      guard let (target, targetKind) = mergeableName(steps[earlier]), targetKind == kind, target != name else { continue }
      guard let renamed = renaming(steps, dropping: index, name, to: target) else { continue }
      let merged = withoutRepeatedSetup(renamed)
      result.append(merged)
      if case .command(.device(.define(var definition))) = steps[index] {
        // The later device's settings under the earlier name, at the earlier place.
        definition.name.name = target
        var withLater = merged
        withLater[earlier] = .command(.device(.define(definition)))
        result.append(withLater)
      }
    }
    return result
  }

  /// `steps` without a `mirror` statement that repeats an earlier one.
  static func withoutRepeatedSetup(_ steps: [FuzzStep]) -> [FuzzStep] {
    var seen: Set<String> = []
    return steps.filter { step in
      guard case .command(let command) = step, case .device(.mirror) = command else { return true }
      return seen.insert(ScenarioPrinter.line(command)).inserted
    }
  }
}
