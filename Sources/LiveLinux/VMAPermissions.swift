/// The permission column of `/proc/PID/maps` (`rwxp` / `rwxs`): what the VMA allows and whether
/// it is a shared or a private (copy-on-write) mapping.
public struct VMAPermissions: OptionSet, Hashable, Sendable, CustomStringConvertible {
  /// The bits.
  public var rawValue: UInt8
  /// Creates permissions from their bits.
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  /// `r`: `VM_READ`.
  public static let read = VMAPermissions(rawValue: 1)
  /// `w`: `VM_WRITE`.
  public static let write = VMAPermissions(rawValue: 2)
  /// `x`: `VM_EXEC`.
  public static let execute = VMAPermissions(rawValue: 4)
  /// `s` (rather than `p`): `VM_MAYSHARE`, a shared mapping.
  public static let shared = VMAPermissions(rawValue: 8)

  /// Parses the four-character column (`r-xp`, `rw-s`); nil if it is malformed.
  public init?<S: StringProtocol>(parsing text: S) {
    let characters = Array(text.utf8)
    guard characters.count == 4 else { return nil }
    var result: VMAPermissions = []
    let expected: [(UInt8, VMAPermissions)] = [(UInt8(ascii: "r"), .read), (UInt8(ascii: "w"), .write), (UInt8(ascii: "x"), .execute)]
    for (index, (letter, flag)) in expected.enumerated() {
      switch characters[index] {
      case letter: result.insert(flag)
      case UInt8(ascii: "-"): break
      default: return nil
      }
    }
    switch characters[3] {
    case UInt8(ascii: "s"): result.insert(.shared)
    case UInt8(ascii: "p"): break
    default: return nil
    }
    self = result
  }

  /// The four-character form, as `/proc/PID/maps` prints it.
  public var description: String {
    (contains(.read) ? "r" : "-") + (contains(.write) ? "w" : "-") + (contains(.execute) ? "x" : "-")
      + (contains(.shared) ? "s" : "p")
  }
}
