import HMM

/// Byte counts over a range of a process, the figures a device driver's mapping policy cares
/// about. A figure that could not be determined (PFNs hidden, no `PAGEMAP_SCAN`) is nil.
public struct InspectionSummary: Hashable, Sendable {
  /// Bytes of VMAs in the range.
  public var totalBytes: UInt64 = 0
  /// Bytes present in RAM.
  public var presentBytes: UInt64 = 0
  /// Bytes not present (never touched, discarded, or swapped).
  public var notPresentBytes: UInt64 = 0
  /// Bytes swapped out (a subset of ``notPresentBytes``).
  public var swappedBytes: UInt64 = 0
  /// Bytes that `hmm_range_fault()` reports as `HMM_PFN_ERROR` (no `VM_READ`, `VM_IO`, `VM_PFNMAP`).
  public var errorBytes: UInt64 = 0
  /// Bytes reported `VALID | WRITE`.
  public var writableBytes: UInt64 = 0
  /// Bytes mapping the zero page or the huge zero page.
  public var zeroPageBytes: UInt64? = 0
  /// Bytes a device could map with 2 MiB (or larger) pages by the map order: VALID entries with
  /// `hmm_pfn_to_map_order() >= 9`.
  public var mappableWith2MBytes: UInt64? = 0
  /// Bytes of VALID pages whose folio is larger than their CPU mapping — what a policy mapping by
  /// folio size would map with a larger page than the CPU does (and so wrongly expose).
  public var largeFolioSmallMappingBytes: UInt64? = 0
  /// Bytes of present pages in large folios (order > 0), however they are mapped.
  public var largeFolioBytes: UInt64? = 0

  /// An empty summary.
  public init() {}

  /// Adds one run.
  public mutating func add(_ run: PageRun) {
    let bytes = run.size
    totalBytes += bytes
    if run.hmm.isError { errorBytes += bytes }
    guard run.isPresent else {
      notPresentBytes += bytes
      if run.isSwapped { swappedBytes += bytes }
      return
    }
    presentBytes += bytes
    if run.hmm.isValid && run.hmm.isWritable { writableBytes += bytes }
    Self.accumulate(&zeroPageBytes, run.isZeroPage.map { $0 ? bytes : 0 })
    Self.accumulate(&largeFolioBytes, run.folio.map { $0.isLarge ? bytes : 0 })
    if run.hmm.isValid {
      Self.accumulate(&mappableWith2MBytes, run.mapOrder.map { $0 >= 9 ? bytes : 0 })
      Self.accumulate(&largeFolioSmallMappingBytes, run.isLargeFolioSmallMapping.map { $0 ? bytes : 0 })
    }
  }

  /// Adds another summary.
  public mutating func add(_ other: InspectionSummary) {
    totalBytes += other.totalBytes
    presentBytes += other.presentBytes
    notPresentBytes += other.notPresentBytes
    swappedBytes += other.swappedBytes
    errorBytes += other.errorBytes
    writableBytes += other.writableBytes
    Self.accumulate(&zeroPageBytes, other.zeroPageBytes)
    Self.accumulate(&mappableWith2MBytes, other.mappableWith2MBytes)
    Self.accumulate(&largeFolioSmallMappingBytes, other.largeFolioSmallMappingBytes)
    Self.accumulate(&largeFolioBytes, other.largeFolioBytes)
  }

  private static func accumulate(_ total: inout UInt64?, _ value: UInt64?) {
    guard let current = total, let value else {
      total = nil
      return
    }
    total = current + value
  }
}
