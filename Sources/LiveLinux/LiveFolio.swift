import MemoryModel

/// The folio a physical page belongs to, found in `/proc/kpageflags`: its head PFN (found by
/// walking back from a `KPF_COMPOUND_TAIL` page to the `KPF_COMPOUND_HEAD`), its order (from the
/// length of the run of tails; folios are naturally aligned), and the head's flags.
public struct LiveFolio: Hashable, Sendable, CustomStringConvertible {
  /// The first frame of the folio.
  public var head: PFN
  /// log2 of the number of 4 KiB frames (0 for a small folio, 9 for a PMD-sized THP).
  public var order: Int
  /// The head page's `kpageflags` that say what the folio is (``recordedFlags``); the others
  /// (LRU, referenced, dirty, …) change by themselves from one read to the next.
  public var flags: KernelPageFlags

  /// The flags a ``LiveFolio`` keeps: compound head, THP, hugetlb, zero page, anonymous,
  /// swap-backed, KSM, anon-exclusive.
  public static let recordedFlags: KernelPageFlags = [.compoundHead, .thp, .huge, .zeroPage, .anonymous, .swapBacked, .ksm, .anonExclusive]

  /// Creates folio information; `flags` is reduced to ``recordedFlags``.
  public init(head: PFN, order: Int, flags: KernelPageFlags) {
    self.head = head
    self.order = order
    self.flags = flags.intersection(Self.recordedFlags)
  }

  /// Bytes in the folio.
  public var size: UInt64 { 4096 << UInt64(order) }
  /// Whether the folio is larger than one page.
  public var isLarge: Bool { order > 0 }

  /// `0x19b600 order=9 thp anon` (the kind words are the head's THP/hugetlb/zero/anon/KSM flags).
  public var description: String {
    let kinds: [(KernelPageFlags, String)] = [(.thp, "thp"), (.huge, "hugetlb"), (.zeroPage, "zero"), (.anonymous, "anon"), (.ksm, "ksm")]
    let words = kinds.filter { flags.contains($0.0) }.map(\.1)
    return "\(head) order=\(order)" + (words.isEmpty ? "" : " " + words.joined(separator: " "))
  }
}
