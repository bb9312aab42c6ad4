import Scenarios

/// Reduces a failing case to a small one that fails the same way.
///
/// Delta debugging (Zeller's ddmin) over the steps, then one pass of simplifications per step
/// (shorter ranges, offsets at the start, smaller mappings, fewer options and flags, a forked
/// child merged into its parent, a device or process merged into an earlier one, a file
/// mapping made anonymous, a write made a read), repeated until nothing changes or the budget
/// is spent; when nothing else shrinks, a statement replaced together with what only it needed
/// (a named mremap made an mmap, a fork dropped with its child: `replacements(_:at:)`), and
/// the whole again. A candidate counts only if its text parses (every name still defined) and
/// `stillFails` holds; no candidate runs twice.
public struct FuzzShrinker {
  /// Whether a candidate still shows the finding.
  public var stillFails: ([FuzzStep]) -> Bool
  /// The most candidates to try.
  public var budget: Int
  /// Candidates tried so far.
  public private(set) var tried = 0
  /// Called before every candidate runs (a worker's sign of life while it shrinks).
  public var heartbeat: (() -> Void)?

  /// Creates a shrinker.
  public init(budget: Int = 4000, stillFails: @escaping ([FuzzStep]) -> Bool) {
    self.budget = budget
    self.stillFails = stillFails
  }

  /// The smallest failing case found from `steps` (which must fail).
  public mutating func shrink(_ steps: [FuzzStep]) -> [FuzzStep] {
    var current = steps
    seen.insert(steps)
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
      if !changed, let replaced = replace(current) {
        // Only once nothing else shrinks: a replacement loses what the renamings and the
        // per-step simplifications would have kept (an mremap's region under its old name).
        current = replaced
        changed = true
      }
    }
    return current
  }

  /// The first candidate of `replacements` that still fails, over every step; nil if none.
  private mutating func replace(_ steps: [FuzzStep]) -> [FuzzStep]? {
    for index in steps.indices where tried < budget {
      if let replaced = Self.replacements(steps, at: index).first(where: { test($0) }) { return replaced }
    }
    return nil
  }

  /// Every case tried so far, and the case given to `shrink`.
  private var seen: Set<[FuzzStep]> = []

  /// Whether `candidate` parses and still fails; counts against the budget. A case tried
  /// before is not run again: false if it passed, and false too if it failed, since it was the
  /// current case then (two simplifications that undo each other, such as dropping `align=2M`
  /// and adding it, would otherwise take turns until the budget is spent).
  private mutating func test(_ candidate: [FuzzStep]) -> Bool {
    guard tried < budget, seen.insert(candidate).inserted else { return false }
    tried += 1
    heartbeat?()
    let text = ScenarioPrinter.text(candidate.flatMap(\.commands))
    guard (try? ScenarioParser.parse(text, file: "shrink.hmm")) != nil else { return false }
    return stillFails(candidate)
  }

  /// ddmin over `steps[1...]` (the case's `system` line, with the machine's memory, stays).
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

  /// The name a step defines (a device, region, file, dmirror file, notifier), if any.
  static func definedName(_ step: FuzzStep) -> String? {
    guard case .command(let command) = step else { return nil }
    switch command {
    case .device(.define(let definition)): return definition.name.name
    case .device(.open(let name, _, _)): return name.name
    case .device(.notifierInsert(let name, _, _)): return name.name
    case .mmap(let mmap): return mmap.name.name
    case .file(let file): return file.name.name
    default: return nil
    }
  }

  /// `steps` without step `index` and with every word `old` replaced by `new`, re-read from
  /// their text (only when every step is a plain command).
  static func renaming(_ steps: [FuzzStep], dropping index: Int, _ old: String, to new: String) -> [FuzzStep]? {
    var commands: [Command] = []
    for (position, step) in steps.enumerated() where position != index {
      guard case .command(let command) = step else { return nil }
      commands.append(command)
    }
    let lines = commands.map { command in
      ScenarioPrinter.line(command).split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
        var text = String(word)
        for prefix in ["", "fixed=", "at="] where text.hasPrefix(prefix + old) {
          let rest = text.dropFirst(prefix.count + old.count)
          if rest.isEmpty || rest.hasPrefix("+") || rest == ":" { text = prefix + new + rest }
        }
        return text
      }.joined(separator: " ")
    }
    guard let scenario = try? ScenarioParser.parse(lines.joined(separator: "\n") + "\n", file: "shrink.hmm") else { return nil }
    return scenario.statements.map { .command($0.command) }
  }

  /// Whether a step's text names `name` (as a whole word).
  static func mentions(_ step: FuzzStep, _ name: String) -> Bool {
    step.commands.contains { command in
      ScenarioPrinter.line(command).split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }.contains { $0 == name }
    }
  }

  /// One pass that replaces each step by a simpler variant that still fails.
  private mutating func simplify(_ steps: [FuzzStep]) -> [FuzzStep] {
    var current = steps
    // The differential's paired reads as separate device reads, so that ddmin can drop them
    // one by one (kept as a pair when the finding is the differential itself).
    if current.contains(where: { if case .compare = $0 { true } else { false } }) {
      let expanded = current.flatMap { step -> [FuzzStep] in
        if case .compare = step { return step.commands.map { .command($0) } }
        return [step]
      }
      if test(expanded) { return expanded }
    }
    var index = 0
    while index < current.count && tried < budget {
      if let name = Self.definedName(current[index]) {
        // The definition and every step that names it, together (ddmin removes contiguous
        // chunks only).
        let kept = current.filter { !Self.mentions($0, name) }
        if kept.count < current.count, test(kept) {
          current = kept
          continue
        }
      }
      if let merged = Self.merges(current, at: index).first(where: { test($0) }) {
        // Two devices (or processes) where one would do.
        current = merged
        continue
      }
      if case .command(.mremap(let mremap)) = current[index], let name = mremap.name, let source = mremap.range.address.region,
        mremap.range.address.offset == 0, let renamed = Self.renaming(current, dropping: index, name.name, to: source.name)
      {
        // A region named by an mremap that may have left it in place: the old name instead.
        if test(renamed) {
          current = renamed
          continue
        }
      }
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
