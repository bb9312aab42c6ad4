extension Command {
  /// The arguments of `file F size=SIZE [shmem] [huge] [hugetlb=2M|1G]`.
  public struct FileDefinition: Sendable, Hashable {
    /// The file's name.
    public var name: Identifier
    /// The file's size in bytes.
    public var size: UInt64
    /// A shmem/tmpfs object (`memfd_create`) rather than a regular file.
    public var shmem: Bool
    /// The page cache may use large (PMD-sized) folios for it.
    public var huge: Bool
    /// A hugetlbfs file with this page size, if given.
    public var hugetlb: HugePageSize?

    /// Creates a file definition.
    public init(
      name: Identifier, size: UInt64, shmem: Bool = false, huge: Bool = false, hugetlb: HugePageSize? = nil
    ) {
      self.name = name
      self.size = size
      self.shmem = shmem
      self.huge = huge
      self.hugetlb = hugetlb
    }
  }
}
