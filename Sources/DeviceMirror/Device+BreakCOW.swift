import HMM
import MemoryModel

extension Device {
  /// Before a write's first-touch migration, takes the CPU write fault that breaks copy-on-write
  /// for every page of `[start, end)` that is mapped read-only in the writable VMA (a page still
  /// shared after fork, or one this device migrated read-only before), as a driver's
  /// `hmm_range_fault(HMM_PFN_REQ_WRITE)` does: `migrate_vma` moves a COW-shared page as it is,
  /// read-only in every process that maps it (`try_to_migrate()`), and `hmm_range_fault()`
  /// reports the caller's own device-private pages without faulting them, so a write could never
  /// get a writable translation otherwise. A read-only device-private page of this device comes
  /// back to system memory first (its `migrate_to_ram`), then is copied.
  func breakCOWForWrite(_ space: AddressSpace, _ start: VirtualAddress, _ end: VirtualAddress) throws(HMMError) {
    let memory = space.system.memory
    var address = start
    while address < end {
      let (entry, level) = space.cpuEntry(address)
      let span: UInt64 = level == .pte ? 4096 : level.entrySpan
      let next = min(address.alignedDown(to: span) + span, end)
      let leaf = level == .pte || entry.isHuge || entry.swapType == .devicePrivate
      let mapped = entry.isPresent || entry.swapType == .devicePrivate
      if leaf && mapped && !entry.isWritable && !memory.isZeroPage(entry.pfn) {
        do { try space.handleFault(at: address, write: true) } catch { throw .fault(address) }
        continue  // look again: a PMD may have been split
      }
      address = next
    }
  }
}
