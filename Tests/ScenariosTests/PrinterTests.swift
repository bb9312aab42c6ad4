import Foundation
import Testing

@testable import Scenarios

/// `parse(print(ast)) == ast` for every scenario file under `Scenarios/`, source locations and
/// statement texts aside.
@Suite struct PrinterTests {
  @Test(arguments: PackagePaths.scenarioFiles)
  func roundTrips(_ relativePath: String) throws {
    let bytes = try ScenarioFiles.read(PackagePaths.root + "/" + relativePath)
    let original = try ScenarioParser.parse(bytes: bytes, file: relativePath)
    let printed = ScenarioPrinter.text(original)
    let reparsed = try ScenarioParser.parse(printed, file: relativePath)
    #expect(reparsed.statements.count == original.statements.count)
    for (a, b) in zip(original.statements, reparsed.statements) {
      let left = Self.shape(a.command)
      let right = Self.shape(b.command)
      #expect(left == right, "\(relativePath):\(a.location.line): '\(a.text)' printed as '\(ScenarioPrinter.line(a.command))'")
    }
    // Printing is a fixed point: the reprinted text is the printed text.
    #expect(ScenarioPrinter.text(reparsed) == printed)
  }

  @Test func literalAddressesKeepTheirOffsets() throws {
    let scenario = try ScenarioParser.parse("process a\na: munmap 0x7f0000000000+2M 4K\n", file: "t.hmm")
    #expect(ScenarioPrinter.line(scenario.statements[1].command) == "a: munmap 0x7f0000000000+2M 4K")
  }

  /// A command's structure with every source location left out (a `dump` without them).
  static func shape(_ command: Command) -> String {
    var text = ""
    dump(command, to: &text)
    var kept: [Substring] = []
    var skip = 0
    for line in text.split(separator: "\n") {
      if skip > 0 {
        skip -= 1
        continue
      }
      if line.contains("▿ location: ") || line.contains("SourceLocation") {
        skip = 3
        continue
      }
      kept.append(line)
    }
    return kept.joined(separator: "\n")
  }
}
