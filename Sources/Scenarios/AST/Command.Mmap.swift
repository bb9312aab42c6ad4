extension Command {
  /// The arguments of `A: NAME = mmap SIZE PROT [private|shared] [anon|file=F] [offset=N]
  /// [align=N] [at=ADDR] [hugetlb=2M|1G]`.
  public struct Mmap: Sendable, Hashable {
    /// The process whose address space gets the mapping.
    public var process: Identifier
    /// The name the new region gets.
    public var name: Identifier
    /// The length in bytes.
    public var size: UInt64
    /// The protection.
    public var protection: Protection
    /// `MAP_SHARED` (true) or `MAP_PRIVATE` (false, the default).
    public var shared: Bool
    /// Where the memory comes from (anonymous by default).
    public var backing: Backing
    /// The alignment of the start address (`align=`), if any.
    public var alignment: UInt64?
    /// A fixed start address (`at=`, `MAP_FIXED_NOREPLACE`), if any.
    public var address: AddressExpression?
    /// The hugetlb page size (`hugetlb=`, `MAP_HUGETLB`), if any.
    public var hugetlb: HugePageSize?

    /// Creates the arguments of an `mmap`.
    public init(
      process: Identifier, name: Identifier, size: UInt64, protection: Protection,
      shared: Bool = false, backing: Backing = .anonymous, alignment: UInt64? = nil,
      address: AddressExpression? = nil, hugetlb: HugePageSize? = nil
    ) {
      self.process = process
      self.name = name
      self.size = size
      self.protection = protection
      self.shared = shared
      self.backing = backing
      self.alignment = alignment
      self.address = address
      self.hugetlb = hugetlb
    }
  }
}
