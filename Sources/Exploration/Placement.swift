import HMM

/// Where one racing CPU command ran relative to the device operation.
public enum Placement: Sendable, Hashable, CustomStringConvertible {
  /// Before the operation began.
  case before
  /// At the `occurrence`-th interleaving point of the operation (counting every point reached,
  /// from 1), which was `point`.
  case at(DriverLoopPoint, occurrence: Int)
  /// After the operation returned.
  case after

  /// The point number it names: 0 before the operation, `Int.max` after it.
  var occurrence: Int {
    switch self {
    case .before: 0
    case .at(_, let occurrence): occurrence
    case .after: Int.max
    }
  }

  /// Reads `before`, `after` or `POINT#N`.
  init?(_ text: Substring) {
    if text == "before" {
      self = .before
    } else if text == "after" {
      self = .after
    } else {
      let parts = text.split(separator: "#")
      guard parts.count == 2, let point = DriverLoopPoint(rawValue: String(parts[0])), !point.holdsDriverLock,
        let occurrence = Int(parts[1]), occurrence > 0
      else { return nil }
      self = .at(point, occurrence: occurrence)
    }
  }

  /// `before`, `after`, or `POINT#N`.
  public var description: String {
    switch self {
    case .before: "before"
    case .at(let point, let occurrence): "\(point.rawValue)#\(occurrence)"
    case .after: "after"
    }
  }
}
