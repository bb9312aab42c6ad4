import Foundation
import Testing

/// Malformed arguments of `hmmkit fuzz` and `hmmkit crosscheck` give a message naming the
/// option and exit 2, before anything runs.
@Suite struct FuzzArgumentTests {
  static var hmmkit: String {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hmmkit").path
  }

  /// Runs hmmkit and returns its standard error and exit status.
  func run(_ arguments: [String]) throws -> (error: String, status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.hmmkit)
    process.arguments = arguments
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let data = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), process.terminationStatus)
  }

  static let fuzzCases: [([String], String)] = [
    (["--time", "0"], "--time"), (["--time", "-1s"], "--time"), (["--time", "soon"], "--time"), (["--time", "nan"], "--time"),
    (["--cases", "-1"], "--cases"), (["--cases", "0"], "--cases"), (["--cases", "many"], "--cases"),
    (["--cases", "5", "--time", "1s"], "--cases"), (["--steps", "0"], "--steps"), (["--steps", "1000001"], "--steps"),
    (["--policies", "fastest"], "fastest"), (["--policies", "base,,scan"], "--policies"), (["--profile", "gentle"], "gentle"),
    (["--check-every", "0"], "--check-every"), (["--full-check-every", "0"], "--full-check-every"),
    (["--full-check-every", "often"], "--full-check-every"), (["--seed", "-3"], "--seed"), (["--seed", "x"], "--seed"),
  ]

  @Test(arguments: fuzzCases) func fuzzRefusesMalformedArguments(_ arguments: [String], _ named: String) throws {
    let result = try run(["fuzz"] + arguments + ["--out", NSTemporaryDirectory() + "hmmkit-args-\(getpid())"])
    #expect(result.status == 2, "fuzz \(arguments): \(result.error)")
    #expect(result.error.contains("rror") && result.error.contains(named), "fuzz \(arguments): \(result.error)")
  }

  @Test(arguments: fuzzCases.filter { !["--policies", "--profile", "--check-every", "--full-check-every"].contains($0.0[0]) })
  func crosscheckFuzzRefusesMalformedArguments(_ arguments: [String], _ named: String) throws {
    let result = try run(["crosscheck", "--fuzz"] + arguments)
    #expect(result.status == 2, "crosscheck --fuzz \(arguments): \(result.error)")
    #expect(result.error.contains("rror") && result.error.contains(named), "crosscheck --fuzz \(arguments): \(result.error)")
  }

  @Test(arguments: [["--seed", "3"], ["--cases", "10"], ["--time", "5s"], ["--steps", "4"], ["--out", "x"], ["--shrink-seconds", "5"]])
  func crosscheckFuzzOptionsWithoutFuzzAreAnError(_ arguments: [String]) throws {
    let result = try run(["crosscheck"] + arguments + ["Scenarios/crosscheck"])
    #expect(result.status == 2, "crosscheck \(arguments): \(result.error)")
    #expect(result.error.contains(arguments[0]) && result.error.contains("--fuzz"), "crosscheck \(arguments): \(result.error)")
  }

  @Test func crosscheckFuzzRefusesABadShrinkTimeAndFiles() throws {
    for arguments in [["--shrink-seconds", "0"], ["--shrink-seconds", "-2"], ["--shrink-seconds", "never"], ["Scenarios/crosscheck"]] {
      let result = try run(["crosscheck", "--fuzz"] + arguments)
      #expect(result.status == 2, "crosscheck --fuzz \(arguments): \(result.error)")
      #expect(result.error.contains("rror"), "crosscheck --fuzz \(arguments): \(result.error)")
    }
  }
}
