import Foundation

/// The self-contained HTML report: inline CSS and SVG, no scripts from the network.
extension StudyResult {
  static let causeColours = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
  static let cpuColours: [AddressSpaceMap.CPUState: String] = [.pmd: "#2b8a3e", .pte: "#f08c00", .pteLargeFolio: "#c2255c", .device: "#5f3dc4", .none: "#dee2e6"]
  static let deviceColours: [String: String] = ["1G": "#0b7285", "2M": "#2b8a3e", "64K": "#74b816", "4K": "#f08c00", "none": "#dee2e6"]

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  /// The report.
  public var html: String {
    var body = ""
    body += "<h1>HMMKit study: \(Self.escape(study.name))</h1>\n"
    body += "<p>Seed \(study.seed) (pass it back with <code>\"seed\"</code>), \(runs.count) runs, simulated memory \(study.memory). Times are modelled device time (docs/cost-model.md), not measured.</p>\n"
    body += tableHTML()
    body += "<h2>Modelled time per policy</h2>\n"
    for group in groups() { body += timeChart(group) }
    body += "<h2>TLB misses per policy</h2>\n"
    for group in groups() { body += missChart(group) }
    body += "<h2>Fault latency CDF</h2>\n"
    for group in groups() { body += cdfChart(group) }
    body += "<h2>Address-space map (per 2 MiB: CPU above, device below)</h2>\n"
    body += legend()
    for (i, run) in runs.enumerated() { body += mapChart(run, index: i) }
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>HMMKit study: \(Self.escape(study.name))</title>
      <style>
      body{font-family:sans-serif;margin:24px;color:#212529;background:#fff}
      table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ced4da;padding:2px 6px;text-align:right}
      td:nth-child(-n+4),th{text-align:left}svg{display:block;margin:8px 0 16px}text{font-size:11px;fill:#212529}
      .legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
      </style></head><body>
      \(body)
      <script>
      // Records each chart's drawn size (for headless checks); no network, no libraries.
      for (const svg of document.querySelectorAll("svg.chart")) {
        const box = svg.getBoundingClientRect();
        let marks = 0;
        for (const mark of svg.querySelectorAll("rect,polyline")) { const b = mark.getBBox(); if (b.width > 0 || b.height > 0) marks++; }
        svg.setAttribute("data-drawn", Math.round(box.width) + "x" + Math.round(box.height) + ":" + marks);
      }
      </script>
      </body></html>

      """
  }

  /// Runs grouped by workload, ladder and cost (one chart each, bars per policy).
  func groups() -> [(title: String, id: String, runs: [(Int, RunResult)])] {
    var order: [String] = []
    var map: [String: [(Int, RunResult)]] = [:]
    for (i, run) in runs.enumerated() {
      let key = "\(run.workload) · ladder \(study.ladders.count > 1 ? run.ladder : "per policy") · cost \(run.cost)"
      if map[key] == nil { order.append(key) }
      map[key, default: []].append((i, run))
    }
    return order.enumerated().map { (title: $1, id: "g\($0)", runs: map[$1]!) }
  }

  func tableHTML() -> String {
    var text = "<table id=\"results\"><tr><th>workload</th><th>policy</th><th>ladder</th><th>cost</th><th>time µs</th><th>faults</th><th>failed</th><th>TLB misses</th><th>TLB reach</th><th>mapped 4K</th><th>64K</th><th>2M</th><th>1G</th><th>violations</th></tr>\n"
    for (i, run) in runs.enumerated() {
      let cells = [Self.microseconds(run.time.total), "\(run.faults)", "\(run.failedFaults.values.reduce(0, +))", "\(run.tlbMisses)",
                   ByteCount(run.tlbReach).description] + ["4K", "64K", "2M", "1G"].map { ByteCount(run.bytesMapped[$0] ?? 0).description }
        + ["\(run.oracleViolations)"]
      text += "<tr data-run=\"\(i)\"><td>\(Self.escape(run.workload))</td><td>\(Self.escape(run.policy))</td><td>\(run.ladder)</td><td>\(Self.escape(run.cost))</td>"
        + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
    }
    return text + "</table>\n"
  }

  func barChart(id: String, kind: String, title: String, runs: [(Int, RunResult)], value: (RunResult) -> Double, label: (Double) -> String,
                stacks: ((RunResult) -> [Double])?) -> String {
    let barHeight = 18.0
    let left = 110.0
    let width = 520.0
    let height = Double(runs.count) * (barHeight + 6) + 40
    let maximum = max(runs.map { value($0.1) }.max() ?? 0, 1e-9)
    var svg = "<svg class=\"chart\" data-chart=\"\(kind)\" id=\"\(id)\" width=\"\(Int(left + width + 90))\" height=\"\(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">"
    svg += "<text x=\"0\" y=\"14\" font-weight=\"bold\">\(Self.escape(title))</text>"
    for (row, (index, run)) in runs.enumerated() {
      let y = 24 + Double(row) * (barHeight + 6)
      let v = value(run)
      svg += "<text x=\"0\" y=\"\(y + 13)\">\(Self.escape(run.policy))</text>"
      if let stacks {
        var x = left
        for (c, part) in stacks(run).enumerated() where part > 0 {
          let w = part / maximum * width
          svg += "<rect class=\"part\" x=\"\(f(x))\" y=\"\(y)\" width=\"\(f(w))\" height=\"\(barHeight)\" fill=\"\(Self.causeColours[c % Self.causeColours.count])\"><title>\(run.time.causes[c].name): \(Self.microseconds(part)) µs</title></rect>"
          x += w
        }
        svg += "<rect class=\"bar\" data-run=\"\(index)\" data-value=\"\(label(v))\" x=\"\(f(left))\" y=\"\(y)\" width=\"\(f(max(v / maximum * width, 0.5)))\" height=\"\(barHeight)\" fill=\"none\" stroke=\"#212529\"/>"
      } else {
        svg += "<rect class=\"bar\" data-run=\"\(index)\" data-value=\"\(label(v))\" x=\"\(f(left))\" y=\"\(y)\" width=\"\(f(max(v / maximum * width, 0.5)))\" height=\"\(barHeight)\" fill=\"#4e79a7\"/>"
      }
      svg += "<text x=\"\(f(left + max(v / maximum * width, 0.5) + 4))\" y=\"\(y + 13)\">\(label(v))</text>"
    }
    return svg + "</svg>\n"
  }

  func timeChart(_ group: (title: String, id: String, runs: [(Int, RunResult)])) -> String {
    var text = barChart(id: "time-\(group.id)", kind: "time", title: "\(group.title): modelled time (µs)", runs: group.runs,
                        value: { $0.time.total }, label: { Self.microseconds($0) }, stacks: { $0.time.causes.map(\.nanoseconds) })
    text += "<div class=\"legend\">" + (runs.first?.time.causes ?? []).enumerated().map { c, cause in
      "<span style=\"background:\(Self.causeColours[c % Self.causeColours.count])\"></span>\(cause.name)"
    }.joined() + "</div>\n"
    return text
  }

  func missChart(_ group: (title: String, id: String, runs: [(Int, RunResult)])) -> String {
    barChart(id: "misses-\(group.id)", kind: "tlb-misses", title: "\(group.title): TLB misses", runs: group.runs,
             value: { Double($0.tlbMisses) }, label: { String(Int($0)) }, stacks: nil)
  }

  func cdfChart(_ group: (title: String, id: String, runs: [(Int, RunResult)])) -> String {
    let left = 60.0
    let width = 520.0
    let height = 200.0
    let all = group.runs.flatMap { $0.1.faultLatencies }
    let maximum = max(all.max() ?? 0, 1)
    // The x axis spans the group's latencies (from its fastest fault), so curves spread out.
    let minimum = min(all.min() ?? 0, maximum * 0.999)
    let span = maximum - minimum
    var svg = "<svg class=\"chart\" data-chart=\"cdf\" id=\"cdf-\(group.id)\" width=\"\(Int(left + width + 300))\" height=\"\(Int(height + 50))\" xmlns=\"http://www.w3.org/2000/svg\">"
    svg += "<text x=\"0\" y=\"14\" font-weight=\"bold\">\(Self.escape(group.title)): fault latency (µs, \(Self.microseconds(minimum)) to \(Self.microseconds(maximum)))</text>"
    svg += "<line x1=\"\(left)\" y1=\"\(height + 20)\" x2=\"\(left + width)\" y2=\"\(height + 20)\" stroke=\"#868e96\"/><line x1=\"\(left)\" y1=\"20\" x2=\"\(left)\" y2=\"\(height + 20)\" stroke=\"#868e96\"/>"
    svg += "<text x=\"\(left)\" y=\"\(height + 34)\">\(Self.microseconds(minimum))</text><text x=\"\(left + width - 30)\" y=\"\(height + 34)\">\(Self.microseconds(maximum))</text><text x=\"0\" y=\"24\">100%</text>"
    for (row, (index, run)) in group.runs.enumerated() {
      let colour = Self.causeColours[row % Self.causeColours.count]
      let latencies = run.faultLatencies
      var points: [String] = []
      if !latencies.isEmpty {
        // At most 200 points per curve.
        let step = max(1, latencies.count / 200)
        var i = 0
        while i < latencies.count {
          let x = left + (latencies[i] - minimum) / span * width
          let y = 20 + height - Double(i + 1) / Double(latencies.count) * height
          points.append("\(f(x)),\(f(y))")
          i += step
        }
        points.insert("\(f(left + (latencies[0] - minimum) / span * width)),\(f(20 + height))", at: 0)
        points.append("\(f(left + (latencies[latencies.count - 1] - minimum) / span * width)),\(f(20))")
      }
      let median = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
      svg += "<polyline class=\"cdf\" data-run=\"\(index)\" data-faults=\"\(latencies.count)\" data-median=\"\(Self.microseconds(median))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
      svg += "<text x=\"\(left + width + 8)\" y=\"\(30 + Double(row) * 14)\" fill=\"\(colour)\">\(Self.escape(run.policy)) (\(latencies.count) faults, median \(Self.microseconds(median)))</text>"
    }
    return svg + "</svg>\n"
  }

  func legend() -> String {
    "<div class=\"legend\">CPU: " + AddressSpaceMap.CPUState.allCases.map { "<span style=\"background:\(Self.cpuColours[$0]!)\"></span>\($0.rawValue)" }.joined()
      + " &nbsp; device: " + ["1G", "2M", "64K", "4K", "none"].map { "<span style=\"background:\(Self.deviceColours[$0]!)\"></span>\($0)" }.joined() + "</div>\n"
  }

  func mapChart(_ run: RunResult, index: Int) -> String {
    let cell = 12.0
    let perRow = 48
    let blocks = run.map.blocks
    let rows = max(1, (blocks.count + perRow - 1) / perRow)
    let height = Double(rows) * (2 * cell + 6) + 22
    var svg = "<svg class=\"chart\" data-chart=\"map\" data-run=\"\(index)\" data-blocks=\"\(blocks.count)\" width=\"\(Int(Double(perRow) * cell + 10))\" height=\"\(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">"
    svg += "<text x=\"0\" y=\"14\" font-weight=\"bold\">\(Self.escape(run.workload)) · \(Self.escape(run.policy)) · \(run.ladder)</text>"
    for (i, block) in blocks.enumerated() {
      let x = Double(i % perRow) * cell
      let y = 20 + Double(i / perRow) * (2 * cell + 6)
      svg += "<rect class=\"cpu\" data-state=\"\(block.cpu.rawValue)\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell - 1))\" height=\"\(f(cell - 1))\" fill=\"\(Self.cpuColours[block.cpu]!)\"><title>0x\(String(block.address, radix: 16)) CPU \(block.cpu.rawValue)</title></rect>"
      svg += "<rect class=\"dev\" data-state=\"\(block.device)\" x=\"\(f(x))\" y=\"\(f(y + cell))\" width=\"\(f(cell - 1))\" height=\"\(f(cell - 1))\" fill=\"\(Self.deviceColours[block.device] ?? "#000")\"><title>0x\(String(block.address, radix: 16)) device \(block.device)</title></rect>"
    }
    return svg + "</svg>\n"
  }

  func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
