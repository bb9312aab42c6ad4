import LiveLinux
import MemoryModel

/// hugetlb in a crosscheck: `system hugetlb 2M=N` sizes the model's pool and, for real, adds N
/// pages to the kernel's 2M pool (`/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages`)
/// under ``LiveLinux/KernelSettingsGuard``, which restores it when the run ends (also on error
/// or signal).
extension CrosscheckRunner {
  static let hugetlbPool = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
  static let hugetlbFree = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

  /// Sets both pools; false (the step not compared, the sides diverged) when the kernel's pool
  /// cannot be set or did not grow by `count` free pages.
  func setHugetlbPool(_ count: UInt64, _ statement: CrosscheckStatement, _ result: inout CrosscheckStep) throws(RealProcessError) -> Bool {
    let modelTotal = system.setHugetlbPool(.size2M, count: Int(count))
    let guardian = settings ?? KernelSettingsGuard()
    settings = guardian
    do {
      if hugetlbOriginal == nil {
        // Takes the lock and records the value to restore; read again under the lock.
        try guardian.set(Self.hugetlbPool, to: KernelSettingsGuard.read(Self.hugetlbPool) ?? "0")
        hugetlbOriginal = UInt64(KernelSettingsGuard.read(Self.hugetlbPool) ?? "") ?? 0
      }
      let original = hugetlbOriginal ?? 0
      try guardian.set(Self.hugetlbPool, to: String(original + count))
      let total = UInt64(KernelSettingsGuard.read(Self.hugetlbPool) ?? "") ?? 0
      if total < original + count || modelTotal < Int(count) {
        result.status = .notCompared("the kernel's 2M hugetlb pool grew by \(total - min(total, original)) of \(count) pages (memory fragmented?); the model's holds \(modelTotal)")
        diverge(statement, "the hugetlb pools differ")
        return false
      }
    } catch {
      result.status = .notCompared("the kernel's hugetlb pool cannot be set here: \(error)")
      diverge(statement, "the hugetlb pools differ")
      return false
    }
    return true
  }
}
