import Foundation
import Testing

@testable import Scenarios

/// The multi-size THP words of the scenario language: `system thp-64K=`, `expect mthp`, the
/// `pte-batch` order hint; their round trip through the printer and their diagnostics.
@Suite struct MTHPLanguageTests {
  private func firstError(_ text: String) -> String {
    do {
      _ = try ScenarioParser.parse(text, file: "t.hmm")
      return ""
    } catch {
      return error.diagnostics.first?.description ?? ""
    }
  }

  private func commands(_ text: String) throws -> [Command] {
    try ScenarioParser.parse(text, file: "t.hmm").statements.map(\.command)
  }

  @Test func settingsParseForEverySize() throws {
    let text = "system thp-16K=always thp-32K=inherit thp-64K=madvise thp-128K=never thp-256K=always thp-512K=always thp-1M=always thp-2M=never\n"
    let parsed = try commands(text)
    #expect(parsed == [.system([.mthp(order: 2, .always), .mthp(order: 3, .inherit), .mthp(order: 4, .madvise),
                                .mthp(order: 5, .never), .mthp(order: 6, .always), .mthp(order: 7, .always),
                                .mthp(order: 8, .always), .mthp(order: 9, .never)])])
    #expect(ScenarioPrinter.line(parsed[0]) + "\n" == text)
  }

  @Test func badSettingsAreClearErrors() {
    #expect(firstError("system thp-64K=sometimes\n")
      == "t.hmm:1:16: error: unknown THP mode 'sometimes' for 'thp-64K'; expected always, inherit, madvise or never")
    #expect(firstError("system thp-64K\n")
      == "t.hmm:1:8: error: missing value for option 'thp-64K'; expected thp-64K=always|inherit|madvise|never")
    #expect(firstError("system thp-48K=always\n").hasPrefix("t.hmm:1:8: error: unknown option 'thp-48K' for system"))
    #expect(firstError("system thp-64K=always thp-64K=never\n").contains("duplicate option 'thp-64K'"))
  }

  @Test func countersParseAndPrint() throws {
    let parsed = try commands("expect mthp 64K anon_fault_alloc == 3\nexpect mthp 2M split >= 1\n")
    #expect(parsed == [.expect(.counter(.mthp(order: 4, .anonFaultAlloc), .equal, 3)),
                       .expect(.counter(.mthp(order: 9, .split), .greaterOrEqual, 1))])
    #expect(firstError("expect mthp 48K nr_anon == 0\n")
      == "t.hmm:1:13: error: no per-size THP setting for '48K'; expected one of 16K, 32K, 64K, 128K, 256K, 512K, 1M, 2M")
    #expect(firstError("expect mthp 64K nr_anons == 0\n").hasPrefix("t.hmm:1:17: error: unknown mTHP counter 'nr_anons'; expected one of anon_fault_alloc"))
    #expect(firstError("expect mthp\n").hasPrefix("t.hmm:1:12: error: missing size after 'mthp'"))
  }

  @Test func pteBatchHintParsesAndPrints() throws {
    let text = "process A\nA: buf = mmap 64K rw\nhmm A buf 64K fault=read order=pte-batch\nexpect hmm A buf 64K order=pte-batch == valid order=4\ndevice d pages=4K,64K,2M policy=map-order hmm-order=pte-batch\n"
    let parsed = try commands(text)
    guard case .device(.hmmPTEBatch(_, _, .read)) = parsed[2] else {
      Issue.record("not an hmm with the pte-batch hint: \(parsed[2])")
      return
    }
    guard case .expect(.device(.hmmPTEBatch(_, _, let attributes))) = parsed[3] else {
      Issue.record("not an expect hmm with the pte-batch hint: \(parsed[3])")
      return
    }
    #expect(attributes == [.valid, .order(4)])
    guard case .device(.define(let definition)) = parsed[4] else { return }
    #expect(definition.hmmOrder == "pte-batch")
    let printed = parsed.map { ScenarioPrinter.line($0) }.joined(separator: "\n") + "\n"
    #expect(try commands(printed) == parsed)
    #expect(firstError("process A\nA: buf = mmap 64K rw\nhmm A buf 64K order=folio\n")
      == "t.hmm:3:21: error: unknown order hint 'folio'; expected map-order (Linux) or pte-batch (the experiment)")
    #expect(firstError("device d policy=pte-order\n").contains("expected base, map-order, scan, folio-order or pte-batch"))
  }
}
