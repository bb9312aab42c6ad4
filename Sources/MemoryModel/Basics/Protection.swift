/// Memory protection of a mapping, as `mmap`/`mprotect` take it (`PROT_*`).
public struct Protection: OptionSet, Hashable, Sendable, CustomStringConvertible {
  /// The `PROT_*` bits.
  public var rawValue: UInt8
  /// Creates a protection from `PROT_*` bits.
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  /// `PROT_READ`.
  public static let read = Protection(rawValue: 1)
  /// `PROT_WRITE`.
  public static let write = Protection(rawValue: 2)
  /// `PROT_EXEC`.
  public static let exec = Protection(rawValue: 4)
  /// `PROT_NONE`.
  public static let none: Protection = []
  /// `PROT_READ | PROT_WRITE`.
  public static let readWrite: Protection = [.read, .write]

  /// `r`, `rw`, `rwx`, `none` as in the scenario language.
  public var description: String {
    if isEmpty { return "none" }
    return (contains(.read) ? "r" : "") + (contains(.write) ? "w" : "") + (contains(.exec) ? "x" : "")
  }

  /// Parses `r`, `rw`, `rx`, `rwx`, `w`, `none` (`-` placeholders such as `r-x` are accepted).
  public init?(parsing text: String) {
    if text == "none" { self = .none; return }
    var result: Protection = []
    for character in text {
      switch character {
      case "r": result.insert(.read)
      case "w": result.insert(.write)
      case "x": result.insert(.exec)
      case "-": continue
      default: return nil
      }
    }
    if text.isEmpty { return nil }
    self = result
  }
}
