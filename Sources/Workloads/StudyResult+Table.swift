import Foundation

extension StudyResult {
  /// Microseconds with one decimal, as the table, study.json readers and the report show them.
  public static func microseconds(_ ns: Double) -> String { String(format: "%.1f", ns / 1000) }

  /// The table: one line per run.
  public var table: String {
    var rows: [[String]] = [["workload", "policy", "ladder", "cost", "time µs", "faults", "failed", "TLB miss", "TLB reach",
                             "mapped 4K", "64K", "2M", "1G", "violations", "time by cause (largest)"]]
    for run in runs {
      rows.append([
        run.workload, run.policy, run.ladder, run.cost, Self.microseconds(run.time.total), "\(run.faults)",
        "\(run.failedFaults.values.reduce(0, +))", "\(run.tlbMisses)", ByteCount(run.tlbReach).description,
        ByteCount(run.bytesMapped["4K"] ?? 0).description, ByteCount(run.bytesMapped["64K"] ?? 0).description,
        ByteCount(run.bytesMapped["2M"] ?? 0).description, ByteCount(run.bytesMapped["1G"] ?? 0).description,
        "\(run.oracleViolations)", Self.largestCauses(run.time),
      ])
    }
    var widths = [Int](repeating: 0, count: rows[0].count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    return rows.map { row in
      row.enumerated().map { i, cell in
        let pad = String(repeating: " ", count: widths[i] - cell.count)
        if i == row.count - 1 { return cell }
        return i < 4 ? cell + pad : pad + cell
      }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
  }

  /// The three largest causes of `time` with their shares, as `tlb-walk 62%, pt-update 17%, …`.
  public static func largestCauses(_ time: ModelledTime) -> String {
    let total = time.total
    guard total > 0 else { return "-" }
    return time.causes.filter { $0.nanoseconds > 0 }.sorted { $0.nanoseconds > $1.nanoseconds }.prefix(3)
      .map { "\($0.name) \(Int(($0.nanoseconds / total * 100).rounded()))%" }.joined(separator: ", ")
  }

  /// `study.json`: the study and every run, pretty-printed with sorted keys.
  public func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }
}
