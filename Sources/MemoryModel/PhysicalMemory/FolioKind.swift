/// What a folio holds: the memory types Linux distinguishes in `struct folio`.
public enum FolioKind: UInt8, Sendable, Hashable, CustomStringConvertible {
  /// The frame is in the buddy allocator's free lists.
  case free = 0
  /// Private anonymous memory (`folio_test_anon`).
  case anonymous = 1
  /// A page-cache folio of a regular file.
  case file = 2
  /// A page-cache folio of a shmem/tmpfs file (also backs `MAP_SHARED|MAP_ANONYMOUS`).
  case shmem = 3
  /// A hugetlb page from a hugetlb pool.
  case hugetlb = 4
  /// The shared zero page or the huge zero page.
  case zero = 5
  /// A page-table page (PGD, PUD, PMD or PTE table).
  case pageTable = 6
  /// Memory the model takes away to fragment physical memory (like kernel allocations).
  case reserved = 7
  /// Device-private memory (`MEMORY_DEVICE_PRIVATE`): the CPU cannot access it; CPU page tables
  /// hold device-private swap entries for it.
  case devicePrivate = 8
  /// Device-coherent memory (`MEMORY_DEVICE_COHERENT`): the CPU maps it like RAM.
  case deviceCoherent = 9
  /// A page a driver allocated and inserted into a VMA (`vm_insert_page` in a `VM_MIXEDMAP`
  /// mapping): a normal page with a `struct page`, in no page cache and no anon_vma.
  case driver = 10

  /// Whether the folio lives in device memory.
  public var isDevice: Bool { self == .devicePrivate || self == .deviceCoherent }

  /// Lower-case name, as snapshots print it.
  public var description: String {
    switch self {
    case .free: "free"
    case .anonymous: "anon"
    case .file: "file"
    case .shmem: "shmem"
    case .hugetlb: "hugetlb"
    case .zero: "zero"
    case .pageTable: "pagetable"
    case .reserved: "reserved"
    case .devicePrivate: "device-private"
    case .deviceCoherent: "device-coherent"
    case .driver: "driver"
    }
  }
}
