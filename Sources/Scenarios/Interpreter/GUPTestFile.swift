import MemoryModel

/// An open `/sys/kernel/debug/gup_test` file: the process whose memory its ioctls reach (the
/// caller's `current->mm`) and the long-term pins `PIN_LONGTERM_TEST_START` holds.
final class GUPTestFile {
  /// The opener's name.
  let process: String
  /// The opener's address space.
  let space: AddressSpace
  /// Pages pinned by `pin` and not yet unpinned.
  var pinned: [PFN] = []

  /// An open file of `process`.
  init(process: String, space: AddressSpace) {
    self.process = process
    self.space = space
  }
}
