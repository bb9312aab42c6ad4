/// The workloads' random numbers: SplitMix64 from a seed that reports print, so a run can be
/// repeated exactly.
public struct WorkloadRandom: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// A generator started from `seed`.
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform integer in `0..<bound` (bound > 0).
  public mutating func below(_ bound: UInt64) -> UInt64 {
    let (high, _) = next().multipliedFullWidth(by: bound)
    return high
  }

  /// A uniform double in [0, 1).
  public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
