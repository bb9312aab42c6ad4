/// The compared state of one 4 KiB page (see ``CrosscheckAttribute``), from the model or from
/// the kernel.
public struct CrosscheckPageState: Hashable, Sendable, CustomStringConvertible {
  /// The covering VMA as `rw-p` plus ` hg` or ` nh`; nil when no VMA covers the page.
  public var vma: String?
  /// Whether a present entry maps the page.
  public var present: Bool
  /// Whether a huge leaf maps it (a PMD, or a PUD for a 1G hugetlb page); nil when unknown
  /// (kernel without `PAGEMAP_SCAN`, undecided).
  public var pmd: Bool?
  /// Whether it is the (huge) zero page; nil when unknown.
  public var zero: Bool?
  /// The order of its folio; nil for the zero page, pages not present, or when unknown.
  public var order: Int?
  /// Whether the CPU may write it without a fault.
  public var write: Bool
  /// Why ``write`` is inferred rather than read exactly (kernel side only), or nil.
  public var writeInferred: String?
  /// The other processes that map the same frame at the same address, sorted.
  public var sharedWith: [String]
  /// `PG_anon_exclusive` of an anonymous page; nil where not applicable or not shown exactly.
  public var anonExclusive: Bool?
  /// The frame, for computing ``sharedWith`` (internal detail; 0 when unknown; the model's
  /// frames are stored plus one, as its frame 0 is a real frame).
  var pfn: UInt64

  /// Creates a page state.
  public init(vma: String?, present: Bool = false, pmd: Bool? = false, zero: Bool? = false, order: Int? = nil,
              write: Bool = false, writeInferred: String? = nil, sharedWith: [String] = []) {
    self.vma = vma
    self.present = present
    self.pmd = pmd
    self.zero = zero
    self.order = order
    self.write = write
    self.writeInferred = writeInferred
    self.sharedWith = sharedWith
    self.anonExclusive = nil
    self.pfn = 0
  }

  /// The value of one attribute, as reports print it (nil when unknown or not applicable).
  public func value(of attribute: CrosscheckAttribute) -> String? {
    switch attribute {
    case .outcome, .faults: return nil
    case .vma: return vma ?? "unmapped"
    case .present: return present ? "present" : "not present"
    case .pmd: return pmd.map { $0 ? "pmd" : "pte" }
    case .zero: return zero.map { $0 ? "zero" : "not zero" }
    case .order: return order.map { "order=\($0)" }
    case .write: return write ? "write" : "read-only"
    case .sharedWith: return sharedWith.isEmpty ? "not shared" : "shared-with=" + sharedWith.joined(separator: ",")
    case .anonExclusive: return anonExclusive.map { $0 ? "anon-exclusive" : "not anon-exclusive" }
    }
  }

  /// Whether the page is present and not the zero page (the pages folio attributes apply to).
  var isPresentData: Bool { present && zero == false }

  /// `rw-p hg present pmd order=9 write shared-with=B`, or `unmapped`, or `rw-p none`.
  public var description: String {
    guard let vma else { return "unmapped" }
    guard present else { return vma + " none" }
    var words = [vma, "present"]
    if let pmd { words.append(pmd ? "pmd" : "pte") }
    if zero == true { words.append("zero") }
    if let order, zero != true { words.append("order=\(order)") }
    words.append(write ? "write" : "read")
    if !sharedWith.isEmpty { words.append("shared-with=" + sharedWith.joined(separator: ",")) }
    return words.joined(separator: " ")
  }

  /// The state with only what a report shows (the frame dropped), so that alike pages form runs.
  var shown: CrosscheckPageState {
    var copy = self
    copy.pfn = 0
    copy.writeInferred = nil
    return copy
  }
}
