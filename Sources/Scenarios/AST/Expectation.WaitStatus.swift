extension Expectation {
  /// What `expect PROC wait == ...` checks of the status the process's last `waitpid` returned.
  public enum WaitStatus: Sendable, Hashable, CustomStringConvertible {
    /// `exited [N]`: `WIFEXITED(status)`, and `WEXITSTATUS(status) == N` when N is given.
    case exited(Int32?)
    /// `signaled [SIGNAL]`: `WIFSIGNALED(status)`, and `WTERMSIG(status) == SIGNAL` when given.
    case signaled(Command.Signal?)

    /// As written after `==`.
    public var description: String {
      switch self {
      case .exited(let code): code.map { "exited \($0)" } ?? "exited"
      case .signaled(let signal): signal.map { "signaled \($0.rawValue)" } ?? "signaled"
      }
    }
  }
}
