/// What a fuzz run generates and how long it runs.
public struct FuzzConfiguration: Sendable, Hashable {
  /// The run's seed: every case is a function of it and the case's index.
  public var seed: UInt64
  /// Generated commands per case (after the case's setup lines).
  public var steps: Int
  /// Device mapping policies the cases' devices use (`base`, `map-order`, `scan`,
  /// `folio-order`); empty: no devices (CPU-side cases, as the kernel oracle needs).
  public var policies: [String]
  /// Command weights and the unusual classes.
  public var profile: FuzzProfile
  /// Whether to generate only what `hmmkit crosscheck` runs on the real kernel (CPU-side
  /// commands on anonymous memory; no devices, files, hugetlb or `system` changes).
  public var kernelSubset: Bool

  /// Every policy the scenario language knows.
  public static let allPolicies = ["base", "map-order", "scan", "folio-order"]

  /// Creates a configuration.
  public init(seed: UInt64, steps: Int = 40, policies: [String] = ["base", "map-order", "scan"],
              profile: FuzzProfile = .standard, kernelSubset: Bool = false) {
    self.seed = seed
    self.steps = steps
    self.policies = policies
    self.profile = profile
    self.kernelSubset = kernelSubset
  }
}
