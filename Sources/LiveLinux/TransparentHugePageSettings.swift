#if canImport(Glibc)
import Glibc
#endif

/// The THP settings of the running kernel (`/sys/kernel/mm/transparent_hugepage/`).
public struct TransparentHugePageSettings: Hashable, Sendable {
  /// The selected mode of `enabled`: `always`, `madvise` or `never`; nil when THP is not built in.
  public var enabled: String?
  /// The selected mode of `defrag`.
  public var defrag: String?

  /// Reads the settings of this machine.
  public static func current() -> TransparentHugePageSettings {
    TransparentHugePageSettings(enabled: selected("/sys/kernel/mm/transparent_hugepage/enabled"),
                                defrag: selected("/sys/kernel/mm/transparent_hugepage/defrag"))
  }

  /// Creates settings.
  public init(enabled: String?, defrag: String?) {
    self.enabled = enabled
    self.defrag = defrag
  }

  /// Whether `MADV_HUGEPAGE` regions can get THPs (`always` or `madvise`).
  public var allowsMadvisedTHP: Bool { enabled == "always" || enabled == "madvise" }

  /// The `[bracketed]` word of a sysfs mode file such as `always [madvise] never`.
  public static func selectedMode(in text: String) -> String? {
    guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return nil }
    return String(text[text.index(after: open)..<close])
  }

  private static func selected(_ path: String) -> String? {
    guard let text = try? ProcFile.readText(path, pid: nil) else { return nil }
    return selectedMode(in: text)
  }
}
