/// Why a range of an address space is being invalidated (`enum mmu_notifier_event`, with the
/// kernel's numbering).
public enum InvalidationEvent: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// `MMU_NOTIFY_UNMAP`: the range is being unmapped (munmap, mremap's move).
  case unmap = 0
  /// `MMU_NOTIFY_CLEAR`: entries are cleared (zap, COW break, THP split, collapse).
  case clear = 1
  /// `MMU_NOTIFY_PROTECTION_VMA`: the VMA's protection changes (mprotect).
  case protectionVMA = 2
  /// `MMU_NOTIFY_PROTECTION_PAGE`: page-level write protection (fork's COW).
  case protectionPage = 3
  /// `MMU_NOTIFY_SOFT_DIRTY`: soft-dirty tracking.
  case softDirty = 4
  /// `MMU_NOTIFY_RELEASE`: the address space is going away (exit).
  case release = 5
  /// `MMU_NOTIFY_MIGRATE`: pages migrate (`migrate_vma_setup`).
  case migrate = 6
  /// `MMU_NOTIFY_EXCLUSIVE`: an entry becomes device-exclusive.
  case exclusive = 7

  /// The scenario-language name (`unmap`, `clear`, `protection-vma`, …).
  public var description: String {
    switch self {
    case .unmap: "unmap"
    case .clear: "clear"
    case .protectionVMA: "protection-vma"
    case .protectionPage: "protection-page"
    case .softDirty: "soft-dirty"
    case .release: "release"
    case .migrate: "migrate"
    case .exclusive: "exclusive"
    }
  }

  /// Looks an event up by its scenario-language name.
  public init?(name: String) {
    guard let event = Self.allCases.first(where: { $0.description == name }) else { return nil }
    self = event
  }
}

/// One invalidation (`struct mmu_notifier_range`): `[start, end)` of one address space.
public struct InvalidationRange: Hashable, Sendable, CustomStringConvertible {
  /// The first address.
  public var start: VirtualAddress
  /// One past the last address.
  public var end: VirtualAddress
  /// Why.
  public var event: InvalidationEvent
  /// `MMU_NOTIFIER_RANGE_BLOCKABLE`: the callback may sleep (true for everything the model
  /// raises; kept for callers that model non-blocking reclaim paths).
  public var isBlockable: Bool
  /// The owner token passed by `migrate_vma_setup()`/`make_device_exclusive()`, if any.
  public var owner: Int?

  /// Creates a range.
  public init(start: VirtualAddress, end: VirtualAddress, event: InvalidationEvent, isBlockable: Bool = true, owner: Int? = nil) {
    self.start = start
    self.end = end
    self.event = event
    self.isBlockable = isBlockable
    self.owner = owner
  }

  /// Whether `[start, end)` overlaps `[otherStart, otherEnd)`.
  public func overlaps(_ otherStart: VirtualAddress, _ otherEnd: VirtualAddress) -> Bool {
    start < otherEnd && otherStart < end
  }

  /// `event [start, end)`.
  public var description: String { "\(event) [\(start), \(end))" }
}

/// Something that must hear about every change to an address space's existing mappings, before
/// it happens: the hook HMM's interval notifiers connect to (`struct mmu_notifier_ops`'
/// `invalidate_range_start`/`invalidate_range_end`).
public protocol MMUNotifier: AnyObject {
  /// Called before the entries of `range` change. The change has not happened yet.
  func invalidateRangeStart(_ range: InvalidationRange, in space: AddressSpace)
  /// Called after the change.
  func invalidateRangeEnd(_ range: InvalidationRange, in space: AddressSpace)
}

/// An ``MMUNotifier`` that records every invalidation it hears, for tests and scenarios.
public final class InvalidationRecorder: MMUNotifier {
  /// Every range heard, in order (recorded at start). Unchecked exclusivity (a recorder hears
  /// every invalidation): only this class's methods change it, each by one append or reset
  /// that calls nothing while it holds the array.
  @exclusivity(unchecked) public private(set) var ranges: [InvalidationRange] = []
  /// Ranges whose end has been heard (unchecked as ``ranges`` is).
  @exclusivity(unchecked) public private(set) var completed = 0

  /// Creates an empty recorder.
  public init() {}

  /// Records the range.
  public func invalidateRangeStart(_ range: InvalidationRange, in space: AddressSpace) { ranges.append(range) }
  /// Counts the completion.
  public func invalidateRangeEnd(_ range: InvalidationRange, in space: AddressSpace) { completed += 1 }
  /// Forgets what was recorded.
  public func reset() {
    ranges.removeAll()
    completed = 0
  }
  /// How many invalidations of `event` (all events if nil) were heard.
  public func count(_ event: InvalidationEvent? = nil) -> Int {
    guard let event else { return ranges.count }
    return ranges.filter { $0.event == event }.count
  }
}
