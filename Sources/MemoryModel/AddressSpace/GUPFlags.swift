/// The `FOLL_*` flags a caller of `get_user_pages()`/`pin_user_pages()` passes, with Linux 6.18's
/// values (`include/linux/mm_types.h`, as `tools/testing/selftests/mm/gup_test.c` passes them).
public struct GUPFlags: OptionSet, Sendable, Hashable {
  /// The raw bits.
  public var rawValue: UInt32
  /// Wraps raw bits.
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  /// `FOLL_WRITE` (0x01): the caller will write to the pages; GUP breaks copy-on-write first.
  public static let write = GUPFlags(rawValue: 0x01)
  /// `FOLL_LONGTERM` (0x100): the pin may be held indefinitely (RDMA, VFIO); pages that must stay
  /// movable (device-coherent memory, ZONE_MOVABLE, CMA) are migrated out first. Only with a pin.
  public static let longterm = GUPFlags(rawValue: 0x100)
}
