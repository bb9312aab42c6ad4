/// What order `hmm_range_fault()` reports for PTE-mapped pages.
public enum HMMOrderHint: String, Sendable, CaseIterable, CustomStringConvertible {
  /// Linux: order 0 for every PTE, whatever folio it maps (the default, and the only
  /// behaviour of Linux 6.18).
  case mapOrder = "map-order"
  /// A non-Linux experiment, a proposal: an aligned power-of-two run of PTEs that map
  /// consecutive pages of one folio with the same permissions reports that power as its order,
  /// as a contiguous-PTE hint (arm64's `pte_batch_hint()`) could let `hmm_range_fault()` do.
  case pteBatch = "pte-batch"

  /// The scenario spelling.
  public var description: String { rawValue }
}
