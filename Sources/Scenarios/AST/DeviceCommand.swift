/// HMM, device and dmirror commands (the scenario language's second layer).
public enum DeviceCommand: Sendable, Hashable {
  /// `hmm PROCESS ADDR SIZE [fault=none|read|write]`: one `hmm_range_fault()` (through the
  /// driver loop) over the range; prints the runs of entries.
  case hmm(process: Identifier, range: AddressRange, fault: HMMFaultMode)
  /// `hmm PROCESS ADDR SIZE [fault=…] order=pte-batch`: the same with the non-Linux
  /// `pte-batch` order hint (aligned runs of PTEs mapping consecutive pages of one folio
  /// report their power-of-two order).
  case hmmPTEBatch(process: Identifier, range: AddressRange, fault: HMMFaultMode)
  /// `notifier N insert PROCESS ADDR SIZE`: inserts a recording interval notifier.
  case notifierInsert(name: Identifier, process: Identifier, range: AddressRange)
  /// `notifier N remove`.
  case notifierRemove(name: Identifier)
  /// `device NAME [pages=…] [policy=…] [tlb=…] [window=SIZE] [placement=system|migrate] [memory=SIZE]`.
  case define(DeviceDefinition)
  /// `DEV: mirror PROCESS`.
  case mirror(device: Identifier, process: Identifier)
  /// `DEV: read ADDR SIZE [expect=PATTERN] [order=sequential|random] [seed=N]` and
  /// `DEV: write ADDR SIZE [pattern=PATTERN]`: device accesses, one per 4 KiB page.
  case access(device: Identifier, range: AddressRange, write: Bool, pattern: DataPattern?, random: Bool, seed: UInt64)
  /// `DEV: snapshot ADDR SIZE`: prints the device mappings that cover the range.
  case snapshot(device: Identifier, range: AddressRange)
  /// `PROCESS: FD = open hmm_dmirrorN`: the process opens dmirror device N (0–3).
  case open(name: Identifier, process: Identifier, device: Int)
  /// `FD: OPERATION [ADDR SIZE] [pattern=P | buffer=P]`: a dmirror ioctl. `pattern` is what the
  /// caller's buffer (`cmd.ptr`) holds before the ioctl: the data of a WRITE (`pattern=`), or
  /// the pre-filled buffer of any other ioctl that takes a range (`buffer=`).
  case dmirror(name: Identifier, operation: DMirrorOperation, range: AddressRange?, pattern: DataPattern?)
  /// `devices`: prints every device's counters side by side.
  case stats
  /// `PROCESS: FD = open gup_test`: the process opens `/sys/kernel/debug/gup_test`.
  case openGUPTest(name: Identifier, process: Identifier)
  /// `FD: TEST ADDR SIZE [write] [longterm] [nr=N]`: one `gup_test` ioctl (`struct gup_test`
  /// with `gup_flags` FOLL_WRITE/FOLL_LONGTERM and `nr_pages_per_call`).
  case gupTest(name: Identifier, test: GUPTestCommand, range: AddressRange, write: Bool, longterm: Bool, pagesPerCall: UInt64)
  /// `FD: pin ADDR SIZE [write] [fast]`: `PIN_LONGTERM_TEST_START`, long-term pins held until
  /// `FD: unpin` (`PIN_LONGTERM_TEST_STOP`) or `FD: close`.
  case gupPin(name: Identifier, range: AddressRange, write: Bool, fast: Bool)
  /// `FD: unpin`: `PIN_LONGTERM_TEST_STOP`.
  case gupUnpin(name: Identifier)
}

/// What `hmm ... fault=` asks for.
public enum HMMFaultMode: String, Sendable, Hashable, CaseIterable {
  /// Report only (`default_flags = 0`).
  case none
  /// `HMM_PFN_REQ_FAULT`.
  case read
  /// `HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE`.
  case write
}

/// The options of a `device` line.
public struct DeviceDefinition: Sendable, Hashable {
  /// The device's name.
  public var name: Identifier
  /// Page sizes (bytes), or a preset's.
  public var pages: [UInt64] = [4096, 65536, 2 << 20]
  /// `base`, `map-order`, `scan`, `folio-order`.
  public var policy = "map-order"
  /// TLB entries and ways for every size (`tlb=64x4`), or nil for the defaults.
  public var tlb: (entries: Int, ways: Int)?
  /// The fault window, or nil for the default.
  public var window: UInt64?
  /// `system` or `migrate`.
  public var placement = "system"
  /// Device memory for `placement=migrate`.
  public var memory: UInt64 = 0
  /// `hmm-order=`: `map-order` (Linux) or the `pte-batch` experiment.
  public var hmmOrder = "map-order"

  /// Creates a definition with the defaults (NVIDIA-like pages, map-order).
  public init(name: Identifier) { self.name = name }

  /// Equality ignores nothing: the TLB tuple is compared field by field.
  public static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.name == rhs.name && lhs.pages == rhs.pages && lhs.policy == rhs.policy && lhs.tlb?.entries == rhs.tlb?.entries
      && lhs.tlb?.ways == rhs.tlb?.ways && lhs.window == rhs.window && lhs.placement == rhs.placement && lhs.memory == rhs.memory
      && lhs.hmmOrder == rhs.hmmOrder
  }

  /// Hashes the definition.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(name)
    hasher.combine(pages)
    hasher.combine(policy)
    hasher.combine(tlb?.entries)
    hasher.combine(tlb?.ways)
    hasher.combine(window)
    hasher.combine(placement)
    hasher.combine(memory)
    hasher.combine(hmmOrder)
  }
}

/// The dmirror ioctls (`HMM_DMIRROR_*`) and `close`.
public enum DMirrorOperation: String, Sendable, Hashable, CaseIterable {
  /// `HMM_DMIRROR_READ`.
  case read
  /// `HMM_DMIRROR_WRITE` (with `pattern=`).
  case write
  /// `HMM_DMIRROR_SNAPSHOT`.
  case snapshot
  /// `HMM_DMIRROR_MIGRATE_TO_DEV`.
  case migrate
  /// `HMM_DMIRROR_MIGRATE_TO_SYS`.
  case migrateBack = "migrate-back"
  /// `HMM_DMIRROR_EXCLUSIVE`.
  case exclusive
  /// `HMM_DMIRROR_CHECK_EXCLUSIVE`.
  case checkExclusive = "check-exclusive"
  /// `HMM_DMIRROR_RELEASE`.
  case release
  /// `HMM_DMIRROR_FLAGS` with `HMM_DMIRROR_FLAG_FAIL_ALLOC`.
  case failAlloc = "fail-alloc"
  /// `close(fd)`.
  case close

  /// Whether the operation takes `ADDR SIZE`.
  public var takesRange: Bool { self != .failAlloc && self != .close }
}
