extension Command {
  /// A signal `kill` can send (each ends the model's processes, which install no handlers).
  public enum Signal: String, Sendable, Hashable, CaseIterable {
    /// `SIGINT` (2).
    case sigint = "SIGINT"
    /// `SIGABRT` (6), what a failed kselftest `ASSERT_*` raises in a forked child.
    case sigabrt = "SIGABRT"
    /// `SIGBUS` (7).
    case sigbus = "SIGBUS"
    /// `SIGKILL` (9).
    case sigkill = "SIGKILL"
    /// `SIGSEGV` (11).
    case sigsegv = "SIGSEGV"
    /// `SIGTERM` (15).
    case sigterm = "SIGTERM"

    /// The signal number on x86-64 Linux.
    public var number: Int32 {
      switch self {
      case .sigint: 2
      case .sigabrt: 6
      case .sigbus: 7
      case .sigkill: 9
      case .sigsegv: 11
      case .sigterm: 15
      }
    }
  }
}
