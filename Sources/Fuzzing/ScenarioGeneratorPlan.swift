/// What ``ScenarioGenerator`` derives from a ``FuzzConfiguration`` before it draws anything: the
/// command kinds it picks from with their weights, and the profile's weights its case setup
/// reads. A run makes it once and generates every case from it (the same cases
/// ``ScenarioGenerator/generate(_:index:)-(FuzzConfiguration,_)`` makes from the configuration), instead of deriving
/// it again for each case.
public struct ScenarioGeneratorPlan: Sendable {
  /// The configuration the plan was made from.
  public let configuration: FuzzConfiguration
  /// The kinds the steps pick from, in `FuzzCommandKind.allCases` order, with their weights.
  let kinds: [(kind: FuzzCommandKind, weight: Int)]
  /// The sum of ``kinds``' weights.
  let totalWeight: Int
  /// The profile's weights of hugetlb mappings and hugetlb files together.
  let hugetlbWeight: Int
  /// The profile's weight of device definitions.
  let deviceWeight: Int

  /// Derives the plan of `configuration`.
  public init(_ configuration: FuzzConfiguration) {
    self.configuration = configuration
    var kinds: [(kind: FuzzCommandKind, weight: Int)] = []
    for kind in FuzzCommandKind.allCases {
      var weight = configuration.profile.weights[kind] ?? 0
      // The kernel oracle maps 2M hugetlb pages from a pool the case's header sizes.
      if configuration.kernelSubset && kind == .mmapHugetlb { weight = max(weight, 2) }
      if weight <= 0 { continue }
      if configuration.kernelSubset && !ScenarioGenerator.kernelKinds.contains(kind) { continue }
      if configuration.policies.isEmpty && (kind == .device || kind == .deviceAccess) { continue }
      kinds.append((kind, weight))
    }
    self.kinds = kinds
    totalWeight = kinds.reduce(0) { $0 + $1.weight }
    let weights = configuration.profile.weights
    hugetlbWeight = (weights[.mmapHugetlb] ?? 0) + (weights[.fileHugetlb] ?? 0)
    deviceWeight = weights[.device] ?? 0
  }
}
