import Scenarios

/// One step of a generated case: a scenario command, or the policy differential's check.
public enum FuzzStep: Sendable, Hashable {
  /// A scenario command, run as `hmmkit run` would.
  case command(Command)
  /// Every device in `devices` (each mirrors the same process, under different policies) reads
  /// `range`; all must return the same bytes. Printed as one `DEV: read` line per device.
  case compare(devices: [Identifier], range: AddressRange)

  /// The scenario lines of the step.
  public var commands: [Command] {
    switch self {
    case .command(let command): [command]
    case .compare(let devices, let range):
      devices.map { .device(.access(device: $0, range: range, write: false, pattern: nil, random: false, seed: 1)) }
    }
  }
}
