import Foundation
import Testing
@testable import Workloads

/// The report rendered by headless Chromium: every chart is drawn and carries study.json's numbers.
@Suite struct ReportRenderTests {
  static func chromium() -> String? {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs a program with a timeout; returns its standard output and exit status.
  static func run(_ path: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> (output: Data, status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("hmmkit-run-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out").path
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let sink = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    defer { try? sink.close() }
    process.standardOutput = sink
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(50_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    let output = FileManager.default.contents(atPath: outputPath) ?? Data()
    return (output, process.terminationStatus)
  }

  @Test func chromiumDrawsEveryChartWithTheStudysNumbers() throws {
    guard let chromium = Self.chromium() else {
      print("skipped: chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
      return
    }
    var study = StudySpec.demoStudy
    study.workloads[0].accesses = 2048
    study.workloads[1].accesses = 2048
    let result = try StudyRunner(study: study).run()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmmkit-report-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let report = directory.appendingPathComponent("report.html")
    try Data(result.html.utf8).write(to: report)
    let common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                  "--user-data-dir=\(directory.appendingPathComponent("profile").path)"]
    let dumped = try Self.run(chromium, common + ["--dump-dom", report.absoluteString])
    guard dumped.status == 0, let dom = String(data: dumped.output, encoding: .utf8), dom.contains("<svg") else {
      print("skipped: chromium could not render here (exit \(dumped.status))")
      return
    }
    // Every chart was laid out with a size and drawn marks (the report's script records it).
    let charts = Self.matches(#"<svg class="chart" data-chart="([a-z-]+)"[^>]*data-drawn="(\d+)x(\d+):(\d+)""#, in: dom)
    let groups = Set(result.runs.map { "\($0.workload)|\(study.ladders.count > 1 ? $0.ladder : "")|\($0.cost)" }).count
    #expect(charts.filter { $0[1] == "time" }.count == groups)
    #expect(charts.filter { $0[1] == "tlb-misses" }.count == groups)
    #expect(charts.filter { $0[1] == "cdf" }.count == groups)
    #expect(charts.filter { $0[1] == "map" }.count == result.runs.count)
    for chart in charts {
      #expect(Int(chart[2])! > 0 && Int(chart[3])! > 0, "chart \(chart[1]) has no size")
      #expect(Int(chart[4])! > 0, "chart \(chart[1]) draws nothing")
    }
    // The numbers of study.json, run by run.
    let json = try JSONDecoder().decode(StudyResult.self, from: try result.json())
    for (i, run) in json.runs.enumerated() {
      #expect(dom.contains(#"class="bar" data-run="\#(i)" data-value="\#(StudyResult.microseconds(run.time.total))""#), "time of run \(i)")
      #expect(dom.contains(#"class="bar" data-run="\#(i)" data-value="\#(run.tlbMisses)""#), "TLB misses of run \(i)")
      #expect(dom.contains(#"class="cdf" data-run="\#(i)" data-faults="\#(run.faultLatencies.count)""#), "CDF of run \(i)")
      #expect(dom.contains(#"data-chart="map" data-run="\#(i)" data-blocks="\#(run.map.blocks.count)""#), "map of run \(i)")
    }
    // A screenshot that is not blank.
    let shot = directory.appendingPathComponent("shot.png")
    _ = try Self.run(chromium, common + ["--window-size=1000,1400", "--screenshot=\(shot.path)", report.absoluteString])
    let png = try Data(contentsOf: shot)
    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
      print("pixel variance not checked: python3 is not installed")
      return
    }
    let variance = try Self.run(python, ["-c", Self.pixelVarianceScript, shot.path])
    let value = Double(String(data: variance.output, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    #expect(value > 100, "the screenshot's pixel variance is \(value): blank")
  }

  static func matches(_ pattern: String, in text: String) -> [[String]] {
    let regex = try! NSRegularExpression(pattern: pattern)
    let ns = text as NSString
    return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { match in
      (0..<match.numberOfRanges).map { ns.substring(with: match.range(at: $0)) }
    }
  }

  /// Decodes an 8-bit RGB/RGBA PNG (zlib, per-row filters) and prints the variance of its grey levels.
  static let pixelVarianceScript = """
    import sys, zlib, struct
    data = open(sys.argv[1], 'rb').read()
    pos, idat, width, height, ctype = 8, b'', 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos+8]); body = data[pos+8:pos+8+n]; pos += 12 + n
        if kind == b'IHDR': width, height, depth, ctype = struct.unpack('>IIBB', body[:10])
        elif kind == b'IDAT': idat += body
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat); stride = width * bpp; prev = bytearray(stride); total = 0.0; total2 = 0.0; count = 0
    for y in range(height):
        f = raw[y*(stride+1)]; line = bytearray(raw[y*(stride+1)+1:(y+1)*(stride+1)])
        for x in range(stride):
            a = line[x-bpp] if x >= bpp else 0; b = prev[x]; c = prev[x-bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p-a), abs(p-b), abs(p-c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        for x in range(0, stride, bpp * 4):
            g = (line[x] + line[x+1] + line[x+2]) / 3.0; total += g; total2 += g * g; count += 1
    mean = total / count
    print(total2 / count - mean * mean)
    """
}
