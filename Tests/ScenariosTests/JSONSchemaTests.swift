import Foundation
import Testing

@testable import Scenarios

/// `hmmkit run --json` and `hmmkit check --json` output validates against the schema
/// documented in `docs/json-schema.md` (the JSON block there is the schema used here).
@Suite struct JSONSchemaTests {
  /// The schema: the ```json block of docs/json-schema.md.
  static func documentedSchema() throws -> JSONDocument {
    let markdown = try #require(PackagePaths.contents("docs/json-schema.md"))
    let start = try #require(markdown.range(of: "```json\n"))
    let end = try #require(markdown.range(of: "\n```", range: start.upperBound..<markdown.endIndex))
    return try JSONDocument.parse(String(markdown[start.upperBound..<end.lowerBound]))
  }

  /// What `hmmkit run --json PATHS` prints (the same call the command makes).
  static func runJSON(_ paths: [String]) -> String {
    ScenarioBatch.run(paths: paths).rendered(json: true, verbose: true).standardOutput
  }

  private func validate(_ output: String) throws -> JSONDocument {
    let schema = try Self.documentedSchema()
    let document = try JSONDocument.parse(output)
    let problems = SchemaValidator(root: schema).validate(document)
    #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
    return document
  }

  @Test func passingRunValidates() throws {
    let document = try validate(Self.runJSON([PackagePaths.root + "/Scenarios"]))
    #expect(document["exitCode"] == .integer(0))
    #expect(document["totals"]?["failed"] == .integer(0))
    #expect(document["version"] == .integer(BatchResult.jsonSchemaVersion))
  }

  @Test func failingRunValidates() throws {
    let document = try validate(Self.runJSON([Fixtures.failing]))
    #expect(document["exitCode"] == .integer(1))
    guard case .array(let files)? = document["files"], case .array(let failures)? = files.first?["failures"] else {
      Issue.record("no failures array")
      return
    }
    #expect(failures.count == 1)
    #expect(failures.first?["line"] == .integer(5))
    #expect(failures.first?["expected"] == .string("A rss == 8K"))
    #expect(failures.first?["actual"] == .string("A rss == 4K"))
  }

  @Test func parseErrorValidates() throws {
    let document = try validate(Self.runJSON([Fixtures.malformed, Fixtures.missing]))
    #expect(document["exitCode"] == .integer(2))
    #expect(document["totals"]?["filesWithErrors"] == .integer(2))
  }

  @Test func checkValidates() throws {
    let output = ScenarioBatch.check(paths: [PackagePaths.root + "/Scenarios", Fixtures.malformed])
      .rendered(json: true, verbose: true).standardOutput
    let document = try validate(output)
    #expect(document["mode"] == .string("check"))
    #expect(document["exitCode"] == .integer(2))
  }

  @Test func validatorRejectsWrongDocuments() throws {
    let schema = try Self.documentedSchema()
    let validator = SchemaValidator(root: schema)
    #expect(!validator.validate(try JSONDocument.parse("{}")).isEmpty)
    var good = try JSONDocument.parse(Self.runJSON([Fixtures.failing]))
    #expect(validator.validate(good).isEmpty)
    if case .object(var members) = good {
      members[1].value = .integer(2)  // "version"
      members.append((key: "extra", value: .null))
      good = .object(members)
    }
    let problems = validator.validate(good)
    #expect(problems.contains { $0.contains("$.version") })
    #expect(problems.contains { $0.contains("unexpected property extra") })
  }
}
