/// Per-4 KiB-frame metadata, the model's `struct page`: 16 bytes a frame, in one flat array
/// indexed by PFN as Linux's `mem_map` is.
///
/// ```
///  0        4        8        12     13     14     15
///  +--------+--------+--------+------+------+------+------+
///  |refCount|mapCount|  head  |order | kind |flags | pad  |
///  +--------+--------+--------+------+------+------+------+
/// ```
/// - `refCount`: on a folio head, the folio's reference count; on a free block head, the next
///   block in its free list; on a page-table frame, the index of the table node.
/// - `mapCount`: how many PTEs map this 4 KiB page; on a free block head, the previous block.
/// - `head`: the PFN of the folio head (the frame's own PFN on a head).
struct FrameDescriptor: Sendable {
  var refCount: Int32 = 0
  var mapCount: Int32 = 0
  var head: UInt32 = 0
  var order: UInt8 = 0
  var kind: FolioKind = .free
  var flags: FrameFlags = []
  var pad: UInt8 = 0

  /// Whether every field is zero: the descriptor a zero-filled frame table holds, a free frame
  /// (nothing needs to be written to make one).
  var isZero: Bool {
    refCount == 0 && mapCount == 0 && head == 0 && order == 0 && kind == .free && flags.isEmpty && pad == 0
  }
}

/// Per-frame flag bits (`PG_*` in spirit).
struct FrameFlags: OptionSet, Sendable {
  var rawValue: UInt8
  init(rawValue: UInt8) { self.rawValue = rawValue }
  /// The frame heads a free buddy block (`PageBuddy`).
  static let buddy = FrameFlags(rawValue: 1 << 0)
  /// The frame heads an allocated folio.
  static let head = FrameFlags(rawValue: 1 << 1)
  /// The frame is a tail page of an allocated folio.
  static let tail = FrameFlags(rawValue: 1 << 2)
  /// `PageAnonExclusive`: this anonymous page is mapped by exactly one process and may be reused
  /// on a write fault without copying.
  static let anonExclusive = FrameFlags(rawValue: 1 << 3)
  /// The folio is on the deferred-split queue (head only).
  static let deferredSplit = FrameFlags(rawValue: 1 << 4)
  /// `MADV_FREE` marked the page lazily freeable.
  static let lazyFree = FrameFlags(rawValue: 1 << 5)
  /// The folio is in a page cache (file or shmem; head only).
  static let pageCache = FrameFlags(rawValue: 1 << 6)
  /// The folio is a hugetlb pool page that is currently free in its pool (head only).
  static let hugetlbFree = FrameFlags(rawValue: 1 << 7)
}
