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
  /// Checks `hmm_range_fault()`'s output of a committed fault; the policy has mapped nothing
  /// it refuses (ODP's order check).
  /// - Throws: the error that fails the fault.
  func validate(_ pfns: [HMMPFN], start: VirtualAddress) throws(HMMError)
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
  /// The invalidated range itself.
  public func invalidationSpan(_ range: InvalidationRange) -> (start: VirtualAddress, end: VirtualAddress) {
    (range.start, range.end)
  }

  /// `range` with the start and end of ``invalidationSpan(_:)``.
  public func widened(_ range: InvalidationRange) -> InvalidationRange {
    let span = invalidationSpan(range)
    var result = range
    result.start = span.start
    result.end = span.end
    return result
  }
}
