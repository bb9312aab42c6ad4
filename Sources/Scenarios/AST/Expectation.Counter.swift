extension Expectation {
  /// A number of the model that `expect` can compare.
  public enum Counter: Sendable, Hashable, CustomStringConvertible {
    /// `A rss`: the bytes of `A`'s resident memory (pages mapped by its page tables, the zero
    /// page excluded), a size.
    case rss(process: Identifier)
    /// `A vmas`: the number of `A`'s memory regions (VMAs).
    case vmas(process: Identifier)
    /// `A page-tables`: the number of page-table pages `A`'s address space holds.
    case pageTables(process: Identifier)
    /// `folios [order=N] [KIND]`: the number of allocated folios, optionally of one order
    /// and kind.
    case folios(order: Int?, kind: FolioKind?)
    /// `deferred-split`: the number of folios on the deferred-split queue.
    case deferredSplit
    /// `invalidations A [event=E] [start=ADDR] [size=SIZE]`: the invalidations `A`'s
    /// recording subscriber received since the scenario began, optionally only those of one
    /// event and exactly this range.
    case invalidations(process: Identifier, event: InvalidationEvent?, start: AddressExpression?, size: UInt64?)
    /// `vmstat NAME`: an event counter of the machine (`thp_fault_fallback`, ...).
    case vmstat(VMStat)
    /// `mthp SIZE NAME`: a per-size THP counter (`hugepages-<size>kB/stats/NAME`), `order`
    /// from 2 (16K) to 9 (2M).
    case mthp(order: Int, MTHPStat)
    /// `free-frames`: the number of free 4 KiB frames of physical memory.
    case freeFrames
    /// `used-frames`: the number of allocated 4 KiB frames (folios, page tables, pinned
    /// fragmentation frames; the zero pages excluded).
    case usedFrames
    /// `A pins ADDR`: the pins on the folio `A` maps at ADDR (`_pincount` of a large folio; the
    /// reference count divided by `GUP_PIN_COUNTING_BIAS` for a small one).
    case pins(process: Identifier, address: AddressExpression)
    /// `A refcount ADDR`: the reference count of the folio `A` maps at ADDR (`folio_ref_count`).
    case referenceCount(process: Identifier, address: AddressExpression)

    /// Whether the value is a size in bytes (printed as `4M`) rather than a count.
    public var isSize: Bool {
      if case .rss = self { return true }
      return false
    }

    /// The counter as written (canonical form).
    public var description: String {
      switch self {
      case .rss(let process): return "\(process) rss"
      case .vmas(let process): return "\(process) vmas"
      case .pageTables(let process): return "\(process) page-tables"
      case .folios(let order, let kind):
        var text = "folios"
        if let order { text += " order=\(order)" }
        if let kind { text += " \(kind)" }
        return text
      case .deferredSplit: return "deferred-split"
      case .invalidations(let process, let event, let start, let size):
        var text = "invalidations \(process)"
        if let event { text += " event=\(event)" }
        if let start { text += " start=\(start)" }
        if let size { text += " size=\(SizeFormatter.string(size))" }
        return text
      case .vmstat(let name): return "vmstat \(name)"
      case .mthp(let order, let stat): return "mthp \(SizeFormatter.string(UInt64(4096) << UInt64(order))) \(stat)"
      case .freeFrames: return "free-frames"
      case .usedFrames: return "used-frames"
      case .pins(let process, let address): return "\(process) pins \(address)"
      case .referenceCount(let process, let address): return "\(process) refcount \(address)"
      }
    }
  }
}
