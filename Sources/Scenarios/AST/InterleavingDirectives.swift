import HMM

/// The `#>` directive lines of a scenario that `hmmkit run` honours (docs/explore.md): `#> at
/// POINT#N` runs the statement on the next line at the N-th interleaving point of the device
/// operation before it, and `#> loop DEVICE=VARIANT` makes a device or dmirror file run a
/// known-wrong driver loop from there on. (`#> concurrent`, `#> end` and `#> allow` are read by
/// `hmmkit explore` only.) A replay that `hmmkit explore` prints is such a file.
public struct InterleavingDirectives: Sendable, Hashable {
  /// Where a pinned statement runs: the `occurrence`-th point of the operation, which is `point`.
  public struct Pin: Sendable, Hashable {
    /// The point's kind.
    public var point: DriverLoopPoint
    /// Its number among every point the operation reached, from 1.
    public var occurrence: Int
  }

  /// One `#> loop` line.
  public struct Loop: Sendable, Hashable {
    /// The line it is on.
    public var line: Int
    /// The device or dmirror file.
    public var device: String
    /// The driver loop.
    public var variant: DriverLoopVariant
  }

  /// Pinned statements, by the line of the statement.
  public var pins: [Int: Pin] = [:]
  /// `#> loop` lines in file order.
  public var loops: [Loop] = []

  /// No directives.
  public init() {}

  /// Whether the scenario has none.
  public var isEmpty: Bool { pins.isEmpty && loops.isEmpty }

  /// The outcome of reading one `#>` line.
  enum LineResult {
    case none
    case pin(Pin?)
    case loops([Loop])
    case error(ScenarioDiagnostic)
  }

  /// Reads the directive on `line` (the bytes after leading blanks begin with `#>`).
  static func read(_ text: String, at location: SourceLocation) -> LineResult {
    let words = text.dropFirst(2).split(whereSeparator: { $0 == " " || $0 == "\t" })
    switch words.first {
    case "at":
      let accepted = "write `#> at before`, `#> at after` or `#> at POINT#N` with POINT one of read_begin, segment, range_fault, unlock and N from 1"
      guard words.count == 2 else { return .error(ScenarioDiagnostic(at: location, "`#> at` takes one placement", accepted: accepted)) }
      if words[1] == "before" || words[1] == "after" { return .pin(nil) }
      let parts = words[1].split(separator: "#")
      guard parts.count == 2, let point = DriverLoopPoint(rawValue: String(parts[0])), !point.holdsDriverLock,
        let occurrence = Int(parts[1]), occurrence > 0
      else { return .error(ScenarioDiagnostic(at: location, "`\(words[1])` is not a placement", accepted: accepted)) }
      return .pin(Pin(point: point, occurrence: occurrence))
    case "loop":
      var loops: [Loop] = []
      let names = DriverLoopVariant.allCases.map(\.rawValue).joined(separator: ", ")
      for pair in words.dropFirst() {
        let parts = pair.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let variant = DriverLoopVariant(rawValue: String(parts[1])) else {
          return .error(ScenarioDiagnostic(at: location, "`\(pair)` is not DEVICE=VARIANT", accepted: "VARIANT is one of \(names)"))
        }
        loops.append(Loop(line: location.line, device: String(parts[0]), variant: variant))
      }
      guard !loops.isEmpty else { return .error(ScenarioDiagnostic(at: location, "`#> loop` names no device", accepted: "write `#> loop DEVICE=VARIANT` (VARIANT one of \(names))")) }
      return .loops(loops)
    default:
      return .none
    }
  }
}
