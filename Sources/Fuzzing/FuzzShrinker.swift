import Scenarios

/// Reduces a failing case to a small one that fails the same way.
///
/// Delta debugging (Zeller's ddmin) over the steps, then one pass of simplifications per step
/// (shorter ranges, offsets at the start, smaller mappings, fewer options and flags, a forked
/// child merged into its parent), repeated until nothing changes or the budget is spent. A
/// candidate counts only if its text parses (every name still defined) and `stillFails` holds.
public struct FuzzShrinker {
  /// Whether a candidate still shows the finding.
  public var stillFails: ([FuzzStep]) -> Bool
  /// The most candidates to try.
  public var budget: Int
  /// Candidates tried so far.
  public private(set) var tried = 0

  /// Creates a shrinker.
  public init(budget: Int = 4000, stillFails: @escaping ([FuzzStep]) -> Bool) {
    self.budget = budget
    self.stillFails = stillFails
  }

  /// The smallest failing case found from `steps` (which must fail). The first step (the
  /// `system` line with the machine's memory) is kept.
  public mutating func shrink(_ steps: [FuzzStep]) -> [FuzzStep] {
    var current = steps
    var changed = true
    while changed && tried < budget {
      changed = false
      let reduced = ddmin(current)
      if reduced.count < current.count {
        current = reduced
        changed = true
      }
      let simpler = simplify(current)
      if simpler != current {
        current = simpler
        changed = true
      }
    }
    return current
  }

  /// Whether `candidate` parses and still fails; counts against the budget.
  private mutating func test(_ candidate: [FuzzStep]) -> Bool {
    guard tried < budget else { return false }
    tried += 1
    let text = ScenarioPrinter.text(candidate.flatMap(\.commands))
    guard (try? ScenarioParser.parse(text, file: "shrink.hmm")) != nil else { return false }
    return stillFails(candidate)
  }

  /// ddmin over `steps[1...]`.
  private mutating func ddmin(_ steps: [FuzzStep]) -> [FuzzStep] {
    guard steps.count > 1 else { return steps }
    let head = steps[0]
    var body = Array(steps.dropFirst())
    var granularity = 2
    while body.count >= 2 && tried < budget {
      let chunk = (body.count + granularity - 1) / granularity
      var reduced = false
      var start = 0
      while start < body.count {
        let end = min(body.count, start + chunk)
        var complement = body
        complement.removeSubrange(start..<end)
        if test([head] + complement) {
          body = complement
          granularity = max(granularity - 1, 2)
          reduced = true
          break
        }
        start = end
      }
      if !reduced {
        if granularity >= body.count { break }
        granularity = min(body.count, granularity * 2)
      }
    }
    if body.count == 1 && test([head]) { body = [] }
    return [head] + body
  }

  /// One pass that replaces each step by a simpler variant that still fails.
  private mutating func simplify(_ steps: [FuzzStep]) -> [FuzzStep] {
    var current = steps
    var index = 0
    while index < current.count && tried < budget {
      if case .command(.fork(let parent, let child)) = current[index] {
        var merged = current
        merged.remove(at: index)
        for k in merged.indices { merged[k] = FuzzRename.step(merged[k], from: child.name, to: parent) }
        if test(merged) {
          current = merged
          continue
        }
      }
      for variant in FuzzSimplifier.variants(of: current[index]) {
        var candidate = current
        candidate[index] = variant
        if test(candidate) {
          current = candidate
          break
        }
      }
      index += 1
    }
    return current
  }
}
