/// Why a command could not complete: a model error, or an address the scenario computes
/// that cannot exist.
struct StepFailure: Error {
  /// The error to report (and to match against `expect error`).
  var error: CommandError
}
