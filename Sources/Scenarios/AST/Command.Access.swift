extension Command {
  /// The arguments of a CPU access: `A: read ADDR SIZE [expect=PATTERN]` or
  /// `A: write ADDR SIZE [pattern=PATTERN]`.
  public struct Access: Sendable, Hashable {
    /// The process that accesses memory.
    public var process: Identifier
    /// The bytes accessed; every 4 KiB page they touch is faulted in.
    public var range: AddressRange
    /// For a write, the data written; for a read, the data expected. Nil: no data.
    public var pattern: DataPattern?

    /// Creates the arguments of an access.
    public init(process: Identifier, range: AddressRange, pattern: DataPattern? = nil) {
      self.process = process
      self.range = range
      self.pattern = pattern
    }
  }
}
