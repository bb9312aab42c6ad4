/// Pin and reference counts that GUP callers hold on folios, as Linux keeps them
/// (`include/linux/mm.h`, `mm/gup.c`): `FOLL_GET` adds one reference; `FOLL_PIN` adds
/// `GUP_PIN_COUNTING_BIAS` (1024) references to a small folio, and one reference plus one
/// `_pincount` to a large folio (the model keeps `_pincount` in the first tail page's reference
/// field, a field tail pages do not otherwise use, so the 16-byte descriptor stays as it is).
extension MemorySystem {
  /// `GUP_PIN_COUNTING_BIAS`.
  public static let gupPinCountingBias: Int32 = 1024

  /// `folio_maybe_dma_pinned()`: a large folio with a `_pincount`, or a small folio whose
  /// reference count reaches `GUP_PIN_COUNTING_BIAS` (which 1024 plain references also do, as
  /// in Linux: "maybe").
  public func folioMaybeDMAPinned(_ pfn: PFN) -> Bool {
    let head = memory.folioHead(of: pfn)
    if memory.order(ofFolio: head) > 0 { return memory.frames[head.index + 1].refCount > 0 }
    return memory.referenceCount(ofFolio: head) >= Int(Self.gupPinCountingBias)
  }

  /// The pins on the folio that contains `pfn`: `_pincount` for a large folio; for a small folio
  /// the reference count divided by `GUP_PIN_COUNTING_BIAS` (Linux has no exact count there).
  public func pinCount(of pfn: PFN) -> Int {
    let head = memory.folioHead(of: pfn)
    if memory.kind(of: head) == .zero { return 0 }
    if memory.order(ofFolio: head) > 0 { return Int(memory.frames[head.index + 1].refCount) }
    return memory.referenceCount(ofFolio: head) / Int(Self.gupPinCountingBias)
  }

  /// Whether a GUP caller holds a reference or pin on the folio `head` (the model's ledger: an
  /// "extra reference" in `can_split_folio()` and `migrate_vma_check_page()` terms).
  public func isHeldByGUP(_ head: PFN) -> Bool { !gupHolds.isEmpty && gupHolds[UInt32(truncatingIfNeeded: head.rawValue)] != nil }

  /// The references GUP callers hold on the folio `head`, for the invariant check.
  func gupReferences(ofFolio head: PFN) -> Int32 {
    gupHolds.isEmpty ? 0 : gupHolds[UInt32(truncatingIfNeeded: head.rawValue)]?.references ?? 0
  }

  /// The pins GUP callers hold on the folio `head`, for the invariant check.
  func gupPins(ofFolio head: PFN) -> Int32 { gupHolds.isEmpty ? 0 : gupHolds[UInt32(truncatingIfNeeded: head.rawValue)]?.pins ?? 0 }

  /// `try_grab_folio()`: takes a reference or a pin on the folio that contains `pfn`. The zero
  /// pages are never counted (`is_zero_folio()`), as everywhere in the model.
  func grabFolio(_ pfn: PFN, _ reference: GUPReference) {
    let head = memory.folioHead(of: pfn)
    guard memory.kind(of: head) != .zero else { return }
    let key = UInt32(truncatingIfNeeded: head.rawValue)
    var holds = gupHolds[key] ?? GUPHolds()
    switch reference {
    case .get:
      memory.addReference(head)
      holds.references += 1
    case .pin:
      if memory.order(ofFolio: head) == 0 {
        memory.addReference(head, Self.gupPinCountingBias)
        holds.references += Self.gupPinCountingBias
      } else {
        memory.addReference(head)
        memory.frames[head.index + 1].refCount += 1
        holds.references += 1
      }
      holds.pins += 1
    }
    gupHolds[key] = holds
  }

  /// `put_page()` of a page `get_user_pages()` returned.
  public func putUserPage(_ pfn: PFN) { release(pfn, .get) }

  /// `unpin_user_page()` of a page `pin_user_pages()` returned.
  public func unpinUserPage(_ pfn: PFN) { release(pfn, .pin) }

  /// `put_page()` or `unpin_user_page()` of each page (`unpin_user_pages()`).
  public func releaseUserPages(_ pages: [PFN], _ reference: GUPReference) {
    for pfn in pages { release(pfn, reference) }
  }

  /// Drops what ``grabFolio(_:_:)`` took; frees the folio when that was its last reference (a
  /// pinned folio outlives its mappings: munmap and exit leave it allocated until the unpin).
  private func release(_ pfn: PFN, _ reference: GUPReference) {
    let head = memory.folioHead(of: pfn)
    guard memory.kind(of: head) != .zero else { return }
    let key = UInt32(truncatingIfNeeded: head.rawValue)
    guard var holds = gupHolds[key] else { preconditionFailure("releasing \(pfn), which no GUP caller holds") }
    let count: Int32
    switch reference {
    case .get:
      count = 1
    case .pin:
      precondition(holds.pins > 0, "unpinning \(pfn), which is not pinned")
      if memory.order(ofFolio: head) == 0 {
        count = Self.gupPinCountingBias
      } else {
        count = 1
        memory.frames[head.index + 1].refCount -= 1
      }
      holds.pins -= 1
    }
    holds.references -= count
    gupHolds[key] = holds.references == 0 ? nil : holds
    if memory.dropReference(head, count) { freeFolio(head) }
  }
}
