import HMM
import MemoryModel

/// The rules a real driver adds around a device fault beyond choosing mappings: which range it
/// faults, what it refuses, and how far an invalidation reaches. A ``MappingPolicy`` that also
/// conforms is consulted by ``Device`` on every fault and invalidation.
public protocol DriverFaultRules: AnyObject {
  /// The range to fault for an access at `address` inside `vma`; `window` is the device's
  /// default (its fault window, aligned, clipped to the VMA).
  /// - Throws: the driver's error (gpusvm's `-EINVAL` when no chunk fits).
  func faultRange(at address: VirtualAddress, vma: VMA, window: (start: VirtualAddress, end: VirtualAddress))
    throws(HMMError) -> (start: VirtualAddress, end: VirtualAddress)
  /// Checks `hmm_range_fault()`'s output before anything is mapped (ODP's order check).
  /// - Throws: the error that fails the fault.
  func validate(_ pfns: [HMMPFN], start: VirtualAddress) throws(HMMError)
  /// Called after the mappings of `[start, end)` were committed.
  func didMap(_ start: VirtualAddress, _ end: VirtualAddress)
  /// The span an invalidation of `range` removes from the device (gpusvm widens it to whole
  /// ranges and forgets the ranges an unmap touched).
  func invalidationSpan(_ range: InvalidationRange) -> (start: VirtualAddress, end: VirtualAddress)
}

extension DriverFaultRules {
  /// The default window.
  public func faultRange(at address: VirtualAddress, vma: VMA, window: (start: VirtualAddress, end: VirtualAddress))
    throws(HMMError) -> (start: VirtualAddress, end: VirtualAddress) { window }
  /// Accepts everything.
  public func validate(_ pfns: [HMMPFN], start: VirtualAddress) throws(HMMError) {}
  /// Nothing to record.
  public func didMap(_ start: VirtualAddress, _ end: VirtualAddress) {}
  /// The invalidated range itself.
  public func invalidationSpan(_ range: InvalidationRange) -> (start: VirtualAddress, end: VirtualAddress) {
    (range.start, range.end)
  }
}
