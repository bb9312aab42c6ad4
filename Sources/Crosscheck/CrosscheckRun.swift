/// A run of pages of one process on which the model and the kernel agree (or, in a
/// disagreement, the pages it covers): model addresses, their place relative to the scenario's
/// regions, and the state.
public struct CrosscheckRun: Hashable, Sendable {
  /// The process (its scenario name).
  public var process: String
  /// The first model address.
  public var start: UInt64
  /// One past the last model address.
  public var end: UInt64
  /// The first real address.
  public var realStart: UInt64
  /// `buf+1M..buf+2M`, relative to the nearest region at or below the start.
  public var location: String
  /// The state the pages share.
  public var state: CrosscheckPageState

  /// Creates a run.
  public init(process: String, start: UInt64, end: UInt64, realStart: UInt64, location: String, state: CrosscheckPageState) {
    self.process = process
    self.start = start
    self.end = end
    self.realStart = realStart
    self.location = location
    self.state = state
  }

  /// Bytes covered.
  public var size: UInt64 { end - start }
}
