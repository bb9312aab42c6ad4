import CHMMKit
import MemoryModel

/// `hmmkit_explore()`: the driver entry point run once per interleaving point with the racing
/// CPU operation at that point. The points are the driver's calls into the API where, in the
/// kernel, a CPU thread could change the page tables: after `mmu_interval_read_begin()`, after
/// `hmm_range_fault()` returns, after `mutex_unlock()` — never while the driver holds a mutex
/// (the invalidation would wait for the unlock) — plus before and after the whole entry point.
enum CExplorer {
  /// One interleaving being run.
  final class Run {
    /// The point to race at (0: before the entry point; past the last: after it).
    let target: Int
    /// Points passed so far.
    var passed = 0
    /// Whether the race ran.
    var raced = false
    /// Whether the race is running (its own API calls are not points).
    var racing = false
    /// The race.
    let race: () -> Void
    /// The name of the point the race ran at.
    var pointName = ""

    init(target: Int, race: @escaping () -> Void) {
      self.target = target
      self.race = race
    }
  }

  /// The interleaving running now.
  nonisolated(unsafe) static var active: Run?
  /// A C copy of the current point's name.
  nonisolated(unsafe) static var pointBuffer: UnsafeMutablePointer<CChar> = {
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 128)
    buffer[0] = 0
    return buffer
  }()

  /// An interleaving point named `name` was reached.
  static func point(_ name: String) {
    guard let run = active, !run.racing, CAPI.heldMutexes == 0, CAPI.invalidateDepth == 0 else { return }
    run.passed += 1
    CAPI.copy("\(name) #\(run.passed)", to: pointBuffer, size: 128)
    if run.passed == run.target && !run.raced { fire(run, at: "after \(name) (point \(run.passed))") }
  }

  /// Runs the race.
  static func fire(_ run: Run, at name: String) {
    run.raced = true
    run.racing = true
    run.pointName = name
    run.race()
    run.racing = false
  }

  /// Runs one interleaving: a fresh machine, setup, the entry point with the race at
  /// `target`, the checks. Returns the points passed and the violations.
  static func interleave(_ ops: hmmkit_explore_ops, _ context: UnsafeMutableRawPointer?, target: Int?,
                         function: String) -> (points: Int, pointName: String, violations: [String])? {
    guard let machine = CMachine.make(memoryMiB: 256, thp: "madvise", function: function) else { return nil }
    defer { machine.destroy() }
    if let setup = ops.setup {
      let status = setup(machine.handle, context)
      guard status == 0 else {
        CAPI.report(function, "setup returned \(status)")
        ops.teardown?(context)
        return nil
      }
    }
    _ = machine.oracleViolations()  // what setup left is not the race's
    let run = Run(target: target ?? -1) { if let race = ops.race { race(context) } }
    active = run
    if target == 0 { fire(run, at: "before the entry point") }
    _ = ops.run?(context)
    active = nil
    if target != nil && !run.raced { fire(run, at: "after the entry point") }
    var violations = machine.oracleViolations()
    violations += machine.invariantViolations()
    ops.teardown?(context)
    CAPI.copy("", to: pointBuffer, size: 128)
    return (run.passed, run.pointName, violations)
  }
}

/// `hmmkit_explore()`.
@_cdecl("hmmkit_explore")
public func capiExplore(_ ops: UnsafePointer<hmmkit_explore_ops>?, _ context: UnsafeMutableRawPointer?,
                        _ result: UnsafeMutablePointer<hmmkit_explore_result>?) -> Int32 {
  let function = "hmmkit_explore"
  guard let ops, ops.pointee.run != nil, ops.pointee.race != nil else { return CAPI.fail(function, "ops, ops->run and ops->race are required", .EINVAL) }
  guard CExplorer.active == nil else { return CAPI.fail(function, "an exploration is already running", .EBUSY) }
  var out = hmmkit_explore_result()
  out.first_finding = -1
  guard let plain = CExplorer.interleave(ops.pointee, context, target: nil, function: function) else { return -Errno.EINVAL.rawValue }
  out.points = UInt32(plain.points)
  var first = ""
  if !plain.violations.isEmpty {
    first = "without a race: \(plain.violations[0])"
    out.findings += 1
  }
  for target in 0...(plain.points + 1) {
    guard let run = CExplorer.interleave(ops.pointee, context, target: target, function: function) else { return -Errno.EINVAL.rawValue }
    out.interleavings += 1
    if !run.violations.isEmpty {
      out.findings += 1
      if out.first_finding < 0 {
        out.first_finding = Int32(target)
        if first.isEmpty { first = "race \(run.pointName): \(run.violations[0])" }
      }
    }
  }
  withUnsafeMutableBytes(of: &out.message) { raw in
    CAPI.copy(first, to: raw.baseAddress!.assumingMemoryBound(to: CChar.self), size: raw.count)
  }
  result?.pointee = out
  return Int32(out.findings)
}

/// `hmmkit_explore_point()`.
@_cdecl("hmmkit_explore_point")
public func capiExplorePoint() -> UnsafePointer<CChar>? {
  CExplorer.active == nil ? nil : UnsafePointer(CExplorer.pointBuffer)
}
