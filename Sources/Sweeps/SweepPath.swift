/// A place in a sweep's job template, as an axis names it: keys separated by dots, list
/// elements by `[index]` (`policy`, `cost.farFaultLatencyNS`, `workload.regions[0].size`).
public struct SweepPath: Hashable, Sendable, CustomStringConvertible {
  /// One step of a path.
  public enum Component: Hashable, Sendable {
    /// An object's key.
    case key(String)
    /// A list's element.
    case index(Int)
  }

  /// The steps, outermost first.
  public var components: [Component]
  /// The path as written.
  public var description: String

  /// Parses `a.b[0].c`; nil for an empty path, an empty key or a malformed index.
  public init?(parsing text: String) {
    var components: [Component] = []
    var key = ""
    var index: String? = nil
    var afterIndex = false
    for character in text {
      if var digits = index {
        if character == "]" {
          guard let value = Int(digits), value >= 0 else { return nil }
          components.append(.index(value))
          index = nil
          afterIndex = true
        } else {
          digits.append(character)
          index = digits
        }
        continue
      }
      switch character {
      case ".":
        if afterIndex && key.isEmpty { afterIndex = false; continue }
        guard !key.isEmpty else { return nil }
        components.append(.key(key))
        key = ""
      case "[":
        if !key.isEmpty { components.append(.key(key)); key = "" } else if !afterIndex { return nil }
        index = ""
      default:
        if afterIndex { return nil }
        key.append(character)
      }
    }
    if index != nil { return nil }
    if !key.isEmpty { components.append(.key(key)) } else if !afterIndex { return nil }
    guard case .key = components.first else { return nil }
    self.components = components
    description = text
  }
}
