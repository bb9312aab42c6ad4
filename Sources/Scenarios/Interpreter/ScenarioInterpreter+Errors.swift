import MemoryModel

extension ScenarioInterpreter {
  /// The command error of a CPU access's fault: its text only where output is recorded (a
  /// ``ScenarioSession`` reads only the name, and the fuzzer's failing accesses need no
  /// formatted addresses).
  func commandError(_ error: FaultError) -> CommandError {
    if recordsOutput { return CommandError(error) }
    switch error {
    case .segmentationFault: return CommandError(name: "SIGSEGV", errno: error.errno, reason: "")
    case .busError: return CommandError(name: "SIGBUS", errno: error.errno, reason: "")
    case .outOfMemory: return CommandError(name: "ENOMEM", errno: error.errno, reason: "")
    }
  }
}
