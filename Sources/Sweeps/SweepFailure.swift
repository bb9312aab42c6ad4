import Foundation

/// One failed attempt of a job, as `run-one` records it in `failures/ID.json`.
public struct SweepFailure: Hashable, Sendable, Codable {
  /// The attempt (1 or 2).
  public var attempt: Int
  /// The exit status, when the job exited.
  public var exitStatus: Int32?
  /// The signal that killed it, when one did.
  public var signal: Int32?
  /// The last lines the job wrote to standard error.
  public var message: String
  /// The host it ran on.
  public var host: String
  /// When it ended (seconds since 1970).
  public var endedAt: Double

  /// A failure.
  public init(attempt: Int, exitStatus: Int32?, signal: Int32?, message: String, host: String, endedAt: Double) {
    self.attempt = attempt
    self.exitStatus = exitStatus
    self.signal = signal
    self.message = message
    self.host = host
    self.endedAt = endedAt
  }

  /// `killed by signal 9 (SIGKILL)` or `exit status 1: <message>`.
  public var reason: String {
    if let signal {
      let names: [Int32: String] = [SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGILL: "SIGILL",
                                    SIGBUS: "SIGBUS", SIGINT: "SIGINT", SIGTRAP: "SIGTRAP"]
      return "killed by signal \(signal)\(names[signal].map { " (\($0))" } ?? "")"
    }
    let status = exitStatus.map { "exit status \($0)" } ?? "no result written"
    return message.isEmpty ? status : "\(status): \(message)"
  }
}
