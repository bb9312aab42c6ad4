import Foundation
import LiveLinux
import Testing

@Suite struct ReportTests {
  @Test func jsonHasTheDocumentedShape() throws {
    let snapshot = try ProcessInspector(source: DemoLayout.builder().source(hidePFNs: true)).snapshot()
    let text = snapshot.jsonReport()
    let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(object["schema"] as? String == "hmmkit.inspect/1")
    #expect(object["pid"] as? Int == 4242 && object["command"] as? String == "fixture")
    let sources = try #require(object["sources"] as? [String: Any])
    #expect(sources["pagemapScan"] as? Bool == true && sources["pfns"] as? Bool == false)
    let summary = try #require(object["summary"] as? [String: Any])
    #expect(summary["mappableWith2MBytes"] as? Int == 4 << 20)
    #expect(summary["largeFolioSmallMappingBytes"] is NSNull, "unavailable figures are null")
    let vmas = try #require(object["vmas"] as? [[String: Any]])
    #expect(vmas.count == 3 && vmas[0]["permissions"] as? String == "rw-p" && vmas[0]["kind"] as? String == "anon")
    let run = try #require((vmas[0]["runs"] as? [[String: Any]])?.first)
    #expect(run["start"] as? String == "0x7f0000000000" && run["bytes"] as? Int == 2 << 20 && run["mapOrder"] as? Int == 9)
    #expect(run["pfn"] is NSNull && run["pmdMapped"] as? Bool == true)
    let hmm = try #require(run["hmm"] as? [String: Any])
    #expect(hmm["value"] as? String == "0xc120000000000000" && hmm["order"] as? Int == 9 && hmm["write"] as? Bool == true)
    #expect(snapshot.jsonReport() == text, "deterministic")
    #expect(!snapshot.jsonReport(includeRuns: false).contains("\"runs\""))
  }

  @Test func textNamesEveryRunAndTheSummary() throws {
    let text = try ProcessInspector(source: DemoLayout.builder().source()).snapshot().textReport()
    #expect(text.contains("process 4242 (fixture): 3 VMAs"))
    #expect(text.contains("7f0000000000-7f0000200000    2M  present pmd pfn=0x100000 folio=0x100000/order9 anon excl anon-excl  hmm=0xc120000000100000"))
    #expect(text.contains("7f0000600000-7f0000800000    2M  present pmd zero pfn=0x300000 folio=0x300000/order9  hmm=0x8120000000300000"))
    #expect(text.contains("mappable with 2M pages by the map order") && text.contains("large folio, small mapping"))
  }
}
