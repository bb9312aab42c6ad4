#if canImport(Glibc)
import Glibc
#endif

/// Where model-only fuzzing spends its time: thread CPU time per scenario command keyword
/// (`device-write`, `mmap`, ...) and per phase of the executor (the oracles, the machine's setup
/// and teardown). `hmmkit fuzz --timings` prints it; the benchmarks in `Benchmarks/` give the
/// throughput itself.
///
/// Reading the clock costs about 50 ns, so an executor with timings runs slightly slower than
/// one without; the shares stay right.
public final class FuzzTimings: @unchecked Sendable {
  /// One row: how often something ran and its thread CPU time in nanoseconds.
  public struct Row: Sendable, Equatable {
    /// What ran: a command keyword, or a phase in angle brackets (`<oracle>`).
    public var name: String
    /// How often it ran.
    public var count: Int
    /// Its thread CPU time in nanoseconds.
    public var nanoseconds: Int
  }

  private var rows: [String: Row] = [:]

  /// Creates an empty table.
  public init() {}

  /// This thread's CPU time in nanoseconds.
  @inline(__always) static func now() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return time.tv_sec * 1_000_000_000 + time.tv_nsec
  }

  /// Adds one run of `name` that began at `start` (a value of `now()`).
  func add(_ name: String, since start: Int) {
    let elapsed = Self.now() - start
    rows[name, default: Row(name: name, count: 0, nanoseconds: 0)].count += 1
    rows[name, default: Row(name: name, count: 0, nanoseconds: 0)].nanoseconds += elapsed
  }

  /// The rows, the most expensive first.
  public var sorted: [Row] {
    rows.values.sorted { ($0.nanoseconds, $1.name) > ($1.nanoseconds, $0.name) }
  }

  /// The table as text: name, runs, total milliseconds, share, microseconds per run.
  public var text: String {
    let rows = sorted
    let total = max(1, rows.reduce(0) { $0 + $1.nanoseconds })
    let width = max(8, rows.map(\.name.count).max() ?? 0)
    func pad(_ text: String, _ count: Int, left: Bool = false) -> String {
      let padding = String(repeating: " ", count: max(0, count - text.count))
      return left ? text + padding : padding + text
    }
    func fixed(_ value: Double, _ digits: Int) -> String {
      var scale = 1.0
      for _ in 0..<digits { scale *= 10 }
      let rounded = (value * scale).rounded() / scale
      var text = "\(rounded)"
      if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
      }
      return text
    }
    var lines = [pad("what", width, left: true) + "     runs    CPU ms  share   µs/run"]
    for row in rows {
      lines.append(pad(row.name, width, left: true) + pad("\(row.count)", 9)
                     + pad(fixed(Double(row.nanoseconds) / 1e6, 1), 10)
                     + pad(fixed(100 * Double(row.nanoseconds) / Double(total), 1) + "%", 7)
                     + pad(fixed(Double(row.nanoseconds) / 1e3 / Double(max(1, row.count)), 2), 9))
    }
    lines.append(pad("total", width, left: true) + pad("", 9) + pad(fixed(Double(total) / 1e6, 1), 10))
    return lines.joined(separator: "\n")
  }
}
