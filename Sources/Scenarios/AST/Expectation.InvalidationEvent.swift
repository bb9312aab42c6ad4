extension Expectation {
  /// The invalidation events (`enum mmu_notifier_event`), spelled as in the scenario language.
  public enum InvalidationEvent: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `MMU_NOTIFY_UNMAP`: the range is unmapped (munmap, mremap).
    case unmap
    /// `MMU_NOTIFY_CLEAR`: entries are cleared (madvise DONTNEED, COW, split, collapse).
    case clear
    /// `MMU_NOTIFY_PROTECTION_VMA`: a VMA's protection changes (mprotect).
    case protectionVMA = "protection-vma"
    /// `MMU_NOTIFY_PROTECTION_PAGE`: a page's protection changes (fork write-protect).
    case protectionPage = "protection-page"
    /// `MMU_NOTIFY_SOFT_DIRTY`.
    case softDirty = "soft-dirty"
    /// `MMU_NOTIFY_RELEASE`: the address space is torn down (exit).
    case release
    /// `MMU_NOTIFY_MIGRATE`.
    case migrate
    /// `MMU_NOTIFY_EXCLUSIVE`.
    case exclusive

    /// The scenario spelling.
    public var description: String { rawValue }
  }
}
