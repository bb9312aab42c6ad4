extension Command.Mmap {
  /// Where the memory of an `mmap` comes from.
  public enum Backing: Sendable, Hashable {
    /// Anonymous memory (`MAP_ANONYMOUS`; shmem when also `shared`).
    case anonymous
    /// A file created by `file F ...`, mapped from a byte offset; or, when the name is a
    /// dmirror file (`P: FD = open hmm_dmirrorN`), the device file itself
    /// (`dmirror_fops_mmap`: a `VM_MIXEDMAP` VMA filled with zeroed driver pages).
    case file(Identifier, offset: UInt64)
  }
}
