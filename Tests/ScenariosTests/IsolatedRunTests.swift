import Foundation
import Testing

@testable import Scenarios

/// `hmmkit run` with several files runs each in a child: a file that hangs is stopped at
/// `--timeout` and reported, and the other files' results are kept (text and JSON).
@Suite struct IsolatedRunTests {
  func run(_ arguments: [String]) throws -> (output: String, status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: LargestRangeTests.hmmkit)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), process.terminationStatus)
  }

  @Test func aHangingFileIsStoppedAndTheOthersAreReported() throws {
    let directory = NSTemporaryDirectory() + "hmmkit-isolated-\(getpid())"
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    // Reading 100T of zero pages on a 256G machine takes far longer than a second.
    try "system memory=256G\nprocess A\nA: b = mmap 100T rw\nA: read b 100T\n".write(toFile: "\(directory)/a-slow.hmm", atomically: true, encoding: .utf8)
    try "process A\nA: b = mmap 4K rw\nA: write b 4K pattern=0x05\nA: read b 4K expect=0x05\n".write(toFile: "\(directory)/b-fine.hmm", atomically: true, encoding: .utf8)
    let text = try run(["run", "--quiet", "--timeout", "1", directory])
    #expect(text.status == 1)
    #expect(text.output.contains("FAIL \(directory)/a-slow.hmm: timed out after 1.0 s (--timeout)"), "\(text.output)")
    #expect(text.output.contains("PASS \(directory)/b-fine.hmm: 1 passed, 0 failed"))
    #expect(text.output.hasSuffix("1 passed, 1 failed\n"))
    let json = try run(["run", "--json", "--timeout", "1", directory])
    let problems = SchemaValidator(root: try JSONSchemaTests.documentedSchema()).validate(try JSONDocument.parse(json.output))
    #expect(problems.isEmpty, "the combined document follows docs/json-schema.md: \(problems.prefix(10))")
    let document = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
    let files = try #require(document["files"] as? [[String: Any]])
    #expect(files.map { $0["status"] as? String } == ["failed", "passed"])
    #expect((document["totals"] as? [String: Any])?["passed"] as? Int == 1)
    #expect(document["exitCode"] as? Int == 1)
  }
}
