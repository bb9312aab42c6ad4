import LiveLinux
import MemoryModel

/// Multi-size THP in a crosscheck: the model starts with the kernel's per-size settings, and
/// `system thp-64K=MODE` sets both the model's and the kernel's
/// `/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled`, under
/// ``LiveLinux/KernelSettingsGuard`` (the settings lock held to the end of the run, the old
/// value restored then, also on error or signal).
extension CrosscheckRunner {
  /// The sysfs file of one size's anonymous THP mode.
  static func mthpEnabledPath(order: Int) -> String {
    "/sys/kernel/mm/transparent_hugepage/\(MTHPSettings.directoryName(order: order))/enabled"
  }

  /// The running kernel's per-size settings (Linux's defaults where a file is missing).
  static func kernelMTHPSettings() -> MTHPSettings {
    var settings = MTHPSettings()
    for order in MTHPSettings.orders {
      guard let text = KernelSettingsGuard.read(mthpEnabledPath(order: order)),
        let word = TransparentHugePageSettings.selectedMode(in: text), let mode = MTHPMode(rawValue: word)
      else { continue }
      settings[order] = mode
    }
    return settings
  }

  /// Sets the sizes' modes in the model and for real; false (the step not compared, the sides
  /// diverged) when a knob is missing or cannot be written.
  func setMTHP(_ modes: [Int: String], _ statement: CrosscheckStatement, _ result: inout CrosscheckStep) -> Bool {
    let guardian = settings ?? KernelSettingsGuard()
    settings = guardian
    for order in modes.keys.sorted() {
      guard let word = modes[order], let mode = MTHPMode(rawValue: word) else { continue }
      system.settings.mthp[order] = mode
      let path = Self.mthpEnabledPath(order: order)
      do {
        guard KernelSettingsGuard.read(path) != nil else {
          throw RealProcessError.unavailable("\(path) does not exist (a kernel before 6.8, or THP not built in)")
        }
        try guardian.set(path, to: word)
        guard let now = KernelSettingsGuard.read(path), TransparentHugePageSettings.selectedMode(in: now) == word else {
          throw RealProcessError.unavailable("\(path) did not take '\(word)'")
        }
      } catch {
        result.status = .notCompared("the kernel's \(MTHPSettings.directoryName(order: order)) setting cannot be set here: \(error)")
        diverge(statement, "the per-size THP settings differ")
        return false
      }
    }
    return true
  }
}
