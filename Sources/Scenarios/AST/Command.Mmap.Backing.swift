extension Command.Mmap {
  /// Where the memory of an `mmap` comes from.
  public enum Backing: Sendable, Hashable {
    /// Anonymous memory (`MAP_ANONYMOUS`; shmem when also `shared`).
    case anonymous
    /// A file created by `file F ...`, mapped from a byte offset.
    case file(Identifier, offset: UInt64)
  }
}
