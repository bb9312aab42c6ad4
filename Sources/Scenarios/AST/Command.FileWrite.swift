extension Command {
  /// The arguments of `file F write OFFSET SIZE [pattern=PATTERN]` (a `pwrite` to the file).
  public struct FileWrite: Sendable, Hashable {
    /// The file written.
    public var file: Identifier
    /// The first byte written.
    public var offset: UInt64
    /// The number of bytes written.
    public var size: UInt64
    /// The data (index patterns count from offset 0 of the file); zero bytes when nil.
    public var pattern: DataPattern?

    /// Creates a file write.
    public init(file: Identifier, offset: UInt64, size: UInt64, pattern: DataPattern?) {
      self.file = file
      self.offset = offset
      self.size = size
      self.pattern = pattern
    }
  }
}
