extension Command {
  /// The arguments of `A: [NEW =] mremap ADDR OLDSIZE NEWSIZE [maymove] [fixed=ADDR]`.
  public struct Mremap: Sendable, Hashable {
    /// The process whose mapping moves or changes size.
    public var process: Identifier
    /// The name bound to the resulting address, if the line assigns one.
    public var name: Identifier?
    /// The old range (address and old size).
    public var range: AddressRange
    /// The new size in bytes.
    public var newSize: UInt64
    /// `MREMAP_MAYMOVE`.
    public var mayMove: Bool
    /// `MREMAP_FIXED` with this new address, if given (Linux requires `maymove` with it).
    public var fixedAddress: AddressExpression?
    /// `MREMAP_DONTUNMAP`: the old range stays mapped, empty.
    public var dontUnmap = false

    /// Creates the arguments of an `mremap`.
    public init(
      process: Identifier, name: Identifier?, range: AddressRange, newSize: UInt64,
      mayMove: Bool = false, fixedAddress: AddressExpression? = nil
    ) {
      self.process = process
      self.name = name
      self.range = range
      self.newSize = newSize
      self.mayMove = mayMove
      self.fixedAddress = fixedAddress
    }
  }
}
