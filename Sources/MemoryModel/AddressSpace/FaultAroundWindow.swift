/// A fault-around window (`do_fault_around()`'s span of one PTE table) that a file read fault
/// left settled: every page of it whose file index is cached is a small folio that a PTE maps.
/// A later read fault in the same window, table and VMA that reads in a small folio finds
/// nothing to map there, as long as nothing but faults of the same run changed the window's
/// PTEs and page-cache slots in between (``AddressSpace/touchRun(_:slot:count:write:_:)`` keeps
/// one for its run; any other fault starts from none).
struct FaultAroundWindow {
  /// The first address (`UInt64.max` and `end` 0 when none is settled).
  var start: UInt64 = .max
  /// One past the last address.
  var end: UInt64 = 0
}
