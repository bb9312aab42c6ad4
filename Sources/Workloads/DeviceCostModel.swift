import Foundation
import DeviceMirror

/// What device events cost, in nanoseconds, each parameter named and defaulted from a published
/// figure (docs/cost-model.md gives the sources). Every parameter can be overridden from a study
/// file by its name.
public struct DeviceCostModel: Hashable, Sendable, Codable {
  /// The name shown in reports.
  public var name = "default"
  /// Far-fault latency: the SM stall, fault buffer, interrupt and replay around one batch of
  /// faults (UVMSmart `page_fault_latency` = 66645 cycles at 1481 MHz = 45 µs).
  public var farFaultLatencyNS = 45_000.0
  /// Faults serviced together, sharing one far-fault latency (UVM `uvm_perf_fault_batch_count`).
  public var faultBatchSize = 256
  /// Driver work per fault outside the other causes (Xe: 966 µs minus migrate, get_pages and
  /// bind leaves about 5 µs with 4K pages, 1 µs with THP; 3 µs splits the difference).
  public var faultServiceNS = 3_000.0
  /// `hmm_range_fault()` per output entry (Xe `get_pages` for a 2 MiB range with a 2M device
  /// THP: 1 µs for 512 entries).
  public var hmmEntryNS = 1.5
  /// DMA-mapping one segment (one device mapping): Xe `get_pages` 9 µs with 4K pages, less
  /// the walk, over 512 segments.
  public var dmaMapSegmentNS = 16.0
  /// Fixed cost of one bind (device page-table update) per fault (Xe bind with a 2M THP: 2 µs).
  public var bindFixedNS = 2_000.0
  /// Device page-table update per mapping written (Xe bind 10 µs for 512 4K PTEs).
  public var pageTableUpdateNS = 15.6
  /// Fixed cost of one `migrate_vma` sequence (setup, pages, finalize).
  public var migrateFixedNS = 20_000.0
  /// `migrate_vma` bookkeeping per 4 KiB folio moved (Xe: migrate 942 µs − copy 223 µs over 512 pages).
  public var migratePerSmallFolioNS = 1_365.0
  /// `migrate_vma` bookkeeping per 2 MiB folio moved (Xe with THP: migrate 128 µs − copy 106 µs).
  public var migratePerLargeFolioNS = 2_000.0
  /// How copies to device memory are timed.
  public var transfer = TransferCurve.deviceCopy
  /// Device copy engine: fixed latency per copy (fitted to Xe device_copy: 223 µs for 512 × 4K,
  /// 106 µs for one 2M).
  public var copyLatencyNS = 229.0
  /// Device copy engine bandwidth in bytes per nanosecond (GB/s), fitted as above.
  public var copyBandwidthGBps = 19.83
  /// PCIe curve (UVMSmart `gmmu_t::calculate_transfer_time`): peak term `a` in GB/s.
  public var pcieA = 12.0
  /// PCIe curve: slope `b` per KB.
  public var pcieB = 0.07292
  /// Page-walk cost per level visited on a TLB miss (UVMSmart: 100 cycles for a 4-level 4K
  /// walk, 66 for a 3-level 2M walk; 23.5 cycles at 1481 MHz per level).
  public var walkLevelNS = 15.87
  /// Per invalidation callback delivered (notifier lock, zap of the PTEs found).
  public var invalidationNS = 1_000.0
  /// Per device TLB shootdown (one ranged invalidation per event, as Xe issues).
  public var shootdownNS = 2_000.0

  /// The defaults.
  public init() {}

  /// How transfers are timed.
  public enum TransferCurve: String, Hashable, Sendable, Codable, CaseIterable {
    /// Fixed latency plus size over bandwidth (`copyLatencyNS`, `copyBandwidthGBps`).
    case deviceCopy = "device-copy"
    /// UVMSmart's PCIe x16 curve: `2a/π · atan(b · KB)` GB/s, halved from 2 MB.
    case pcie
  }

  /// Nanoseconds to copy `bytes` to device memory.
  public func transferNS(bytes: UInt64) -> Double {
    switch transfer {
    case .deviceCopy:
      return copyLatencyNS + Double(bytes) / copyBandwidthGBps
    case .pcie:
      return Self.pcieNS(bytes: bytes, a: pcieA, b: pcieB)
    }
  }

  /// UVMSmart's transfer time: speed in GB/s = 2a/π · atan(b · size in KB), halved at 2 MB and
  /// above; its GB is 2^30 bytes (the simulator's cycle counts agree only so).
  public static func pcieNS(bytes: UInt64, a: Double, b: Double) -> Double {
    let kb = Double(bytes) / 1024
    var speed = 2 * a / Double.pi * atan(b * kb)
    if bytes >= 2 << 20 { speed /= 2 }
    return Double(bytes) / (speed * 1.073741824)
  }

  /// Page-walk levels for a leaf of `size` (a 4-level device table).
  public static func walkLevels(_ size: DevicePageSize) -> Int {
    switch size {
    case .size4K, .size64K: 4
    case .size2M: 3
    case .size1G: 2
    }
  }

  /// Nanoseconds of a walk that ends at a leaf of `size`.
  public func walkNS(_ size: DevicePageSize) -> Double { Double(Self.walkLevels(size)) * walkLevelNS }
}
