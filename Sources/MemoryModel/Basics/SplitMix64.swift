/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny seeded generator whose every output is a
/// fixed function of the seed, so a fuzz run or a workload is reproduced from the seed it prints.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  /// The state; advances by the golden-ratio increment on every draw.
  public private(set) var state: UInt64

  /// Creates a generator from a seed.
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A number in `0..<bound` (`bound` > 0), by multiply-shift (Lemire), without division.
  public mutating func below(_ bound: Int) -> Int {
    Int(truncatingIfNeeded: (UInt64(bound).multipliedFullWidth(by: next())).high)
  }

  /// A number in `0..<bound` (`bound` > 0), as the `Int` version, for 64-bit bounds.
  public mutating func below(_ bound: UInt64) -> UInt64 { bound.multipliedFullWidth(by: next()).high }

  /// A uniform double in [0, 1) (the top 53 bits of a draw).
  public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// True with probability `percent` / 100.
  public mutating func percent(_ percent: Int) -> Bool { below(100) < percent }

  /// One element of a non-empty array.
  public mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }

  /// The seed of case `index` of a run seeded `seed`: independent streams per case, so a case
  /// is regenerated from the run's seed and its index alone.
  public static func caseSeed(run seed: UInt64, index: Int) -> UInt64 {
    var mixer = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD6E8_FEB8_6659_FD93))
    return mixer.next()
  }
}
