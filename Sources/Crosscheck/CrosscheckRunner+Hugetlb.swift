import LiveLinux
import MemoryModel

/// hugetlb in a crosscheck: `system hugetlb 2M=N 1G=M` sizes the model's pools and, for real,
/// adds N (M) pages to the kernel's pool (`/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages`,
/// `hugepages-1048576kB`) under ``LiveLinux/KernelSettingsGuard``, which restores it when the run
/// ends (also on error or signal). A gigantic (1G) page needs 1 GiB of contiguous free memory:
/// when the kernel cannot allocate it, the step is not compared and says so.
extension CrosscheckRunner {
  /// The sysfs file that sizes the kernel's pool of `size` pages.
  static func hugetlbPool(_ size: PageSize) -> String {
    "/sys/kernel/mm/hugepages/hugepages-\(size.bytes >> 10)kB/nr_hugepages"
  }

  /// Sets both pools of `size` pages; false (the step not compared, the sides diverged) when the
  /// kernel's pool cannot be set or did not grow by `count` pages.
  func setHugetlbPool(_ size: PageSize, _ count: UInt64, _ statement: CrosscheckStatement,
                      _ result: inout CrosscheckStep) throws(RealProcessError) -> Bool {
    let modelTotal = system.setHugetlbPool(size, count: Int(count))
    let guardian = settings ?? KernelSettingsGuard()
    settings = guardian
    let path = Self.hugetlbPool(size)
    do {
      if hugetlbOriginal[size.bytes] == nil {
        // Takes the lock and records the value to restore; read again under the lock.
        try guardian.set(path, to: KernelSettingsGuard.read(path) ?? "0")
        hugetlbOriginal[size.bytes] = UInt64(KernelSettingsGuard.read(path) ?? "") ?? 0
      }
      let original = hugetlbOriginal[size.bytes] ?? 0
      try guardian.set(path, to: String(original + count))
      let total = UInt64(KernelSettingsGuard.read(path) ?? "") ?? 0
      if total < original + count || modelTotal < Int(count) {
        let why = size == .size1G ? " (no 1 GiB of contiguous free memory?)" : " (memory fragmented?)"
        result.status = .notCompared("the kernel's \(size) hugetlb pool grew by \(total - min(total, original)) of \(count) pages\(why); the model's holds \(modelTotal)")
        diverge(statement, "the hugetlb pools differ")
        return false
      }
    } catch {
      result.status = .notCompared("the kernel's \(size) hugetlb pool cannot be set here: \(error)")
      diverge(statement, "the hugetlb pools differ")
      return false
    }
    return true
  }
}
