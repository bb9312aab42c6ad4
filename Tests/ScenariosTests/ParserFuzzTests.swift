import Foundation
import Testing

@testable import Scenarios

/// A seeded fuzz test of the parser: random bytes, random token soup, and mutations and
/// splices of the scenario files under `Scenarios/`. Every input must either parse or yield
/// well-formed diagnostics, quickly, and parsing must be deterministic. A crash fails the
/// whole test process, which is the point.
///
/// Set `HMMKIT_FUZZ_SEED` to replay a seed and `HMMKIT_FUZZ_CASES` to change the count.
@Suite struct ParserFuzzTests {
  /// SplitMix64: small, fast and the same everywhere.
  struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  static let seed: UInt64 = ProcessInfo.processInfo.environment["HMMKIT_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x484D_4D4B
  static let cases: Int = ProcessInfo.processInfo.environment["HMMKIT_FUZZ_CASES"].flatMap { Int($0) } ?? 3000

  /// Words and fragments the mutator inserts: every keyword, operators, and hostile numbers.
  static let dictionary: [String] = [
    "process", "file", "system", "split", "expect", "mmap", "munmap", "mprotect", "madvise", "mremap",
    "fork", "exit", "read", "write", "collapse", "snapshot", "error", "folios", "deferred-split",
    "free-frames", "used-frames", "vmstat", "invalidations", "rss", "vmas", "page-tables", "hmm",
    "device", "notifier", "mirror", "migrate", "A", "B", "buf", "F", "gpu0", "=", "==", "!=", "<=", ">",
    ":", "+", "-", ",", "#", "\n", " ", "\t", "\r", "0x", "4K", "2M", "1G", "99999999999G",
    "0xffffffffffffffff", "18446744073709551616", "rw", "r", "none", "rwx", "wr", "align=", "at=",
    "hugetlb=", "file=", "offset=", "shared", "private", "anon", "maymove", "fixed=", "pattern=",
    "expect=", "index", "neg-index", "0xAB", "order=", "event=", "start=", "size=", "thp=", "memory=",
    "fragment=", "2M=", "1G=", "pmd", "pte", "present", "zero", "shared-with=", "EPERM", "SIGSEGV",
    "\u{0}", "\u{FF}", "é", "buf+1M+4K", String(repeating: "+1", count: 300),
  ]

  @Test func parserSurvivesRandomAndMutatedInput() throws {
    print("parser fuzz: seed \(Self.seed), \(Self.cases) cases (set HMMKIT_FUZZ_SEED / HMMKIT_FUZZ_CASES to change)")
    var generator = Generator(state: Self.seed)
    let corpus: [[UInt8]] = PackagePaths.scenarioFiles.compactMap { path in
      FileManager.default.contents(atPath: PackagePaths.root + "/" + path).map { [UInt8]($0) }
    }
    try #require(!corpus.isEmpty)
    var parsed = 0
    for index in 0..<Self.cases {
      let input = Self.makeInput(&generator, corpus: corpus)
      let start = ContinuousClock.now
      let first = outcome(of: input)
      let second = outcome(of: input)
      let elapsed = ContinuousClock.now - start
      #expect(first == second, "case \(index) (seed \(Self.seed)) is not deterministic")
      #expect(elapsed < .seconds(5), "case \(index) (seed \(Self.seed)) took \(elapsed)")
      switch first {
      case .parsed(let count):
        parsed += 1
        #expect(count <= Self.lineCount(input))
      case .failed(let diagnostics):
        #expect(!diagnostics.isEmpty)
        #expect(diagnostics.count <= ScenarioParser.maximumDiagnostics + 1)
        for diagnostic in diagnostics {
          #expect(DiagnosticShape.matches(diagnostic), "case \(index) (seed \(Self.seed)): \(diagnostic)")
        }
      }
    }
    print("parser fuzz: \(parsed) of \(Self.cases) inputs parsed, the rest were rejected with diagnostics")
  }

  /// What parsing an input gave.
  enum Outcome: Equatable {
    case parsed(statements: Int)
    case failed([String])
  }

  private func outcome(of input: [UInt8]) -> Outcome {
    do {
      return .parsed(statements: try ScenarioParser.parse(bytes: input, file: "fuzz.hmm").statements.count)
    } catch {
      return .failed(error.diagnostics.map(\.description))
    }
  }

  static func lineCount(_ bytes: [UInt8]) -> Int { bytes.count { $0 == UInt8(ascii: "\n") } + 1 }

  /// One input: random bytes, token soup, a mutated corpus file, or a splice of two.
  static func makeInput(_ g: inout Generator, corpus: [[UInt8]]) -> [UInt8] {
    switch Int.random(in: 0..<10, using: &g) {
    case 0:
      return (0..<Int.random(in: 0..<600, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
    case 1:
      var text = ""
      for _ in 0..<Int.random(in: 1..<60, using: &g) {
        text += dictionary.randomElement(using: &g) ?? ""
        if Bool.random(using: &g) { text += " " }
      }
      return Array(text.utf8)
    case 2:
      let a = lines(corpus.randomElement(using: &g) ?? [])
      let b = lines(corpus.randomElement(using: &g) ?? [])
      var result: [[UInt8]] = []
      for _ in 0..<Int.random(in: 1..<40, using: &g) {
        if let line = (Bool.random(using: &g) ? a : b).randomElement(using: &g) { result.append(line) }
      }
      return Array(result.joined(separator: [UInt8(ascii: "\n")]))
    default:
      var bytes = corpus.randomElement(using: &g) ?? []
      for _ in 0..<Int.random(in: 1..<12, using: &g) { mutate(&bytes, &g) }
      return bytes
    }
  }

  static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
    bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
  }

  static func mutate(_ bytes: inout [UInt8], _ g: inout Generator) {
    let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &g)
    switch Int.random(in: 0..<7, using: &g) {
    case 0 where !bytes.isEmpty:
      bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &g)
    case 1:
      bytes.insert(UInt8.random(in: 0...255, using: &g), at: position)
    case 2 where !bytes.isEmpty:
      let end = min(bytes.count, position + Int.random(in: 1..<64, using: &g))
      bytes.removeSubrange(position..<end)
    case 3 where !bytes.isEmpty:
      let end = min(bytes.count, position + Int.random(in: 1..<128, using: &g))
      bytes.insert(contentsOf: bytes[position..<end], at: position)
    case 4:
      bytes.insert(contentsOf: Array((dictionary.randomElement(using: &g) ?? "").utf8), at: position)
    case 5:
      bytes = Array(bytes.prefix(position))
    default:
      // Replace a number with a hostile one.
      if let digit = bytes.indices.dropFirst(position).first(where: { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }) {
        bytes.insert(contentsOf: Array("99999999999999999999".utf8), at: digit)
      }
    }
  }
}
