import MemoryModel
import Scenarios

/// Generates random scenarios as ASTs that are valid by construction: every command names a
/// live process, a region that process maps, a defined device, an open dmirror file.
///
/// Sizes and offsets are drawn toward what breaks things: 4K, 64K, 1M, 2M and 1G boundaries,
/// ranges that cut a THP, the first and last page of a region. A case is a function of the run's
/// seed and its index alone (`SplitMix64.caseSeed(run:index:)`).
public struct ScenarioGenerator {
  /// A mapped region the generator remembers.
  struct Region {
    var name: Identifier
    var size: UInt64
    /// Indices of the processes that map it (the mapper, and children forked after).
    var processes: [Int]
    /// The page size operations should keep to (4K, or a hugetlb page size).
    var pageSize: UInt64
  }

  /// A process.
  struct Process {
    var name: Identifier
    var alive = true
  }

  /// A device and the process it mirrors.
  struct DeviceInfo {
    var name: Identifier
    var policy: String
    var process: Int?
  }

  /// A file created by `file F ...`.
  struct FileInfo {
    var name: Identifier
    var size: UInt64
    var pageSize: UInt64
  }

  /// An open (or closed) dmirror file.
  struct MirrorFile {
    var name: Identifier
    var process: Int
    var open = true
  }

  /// An inserted interval notifier.
  struct NotifierInfo {
    var name: Identifier
    var process: Int
  }

  /// The configuration.
  public let configuration: FuzzConfiguration
  var random: SplitMix64
  var steps: [FuzzStep] = []
  var processes: [Process] = []
  var regions: [Region] = []
  var devices: [DeviceInfo] = []
  var files: [FileInfo] = []
  var mirrorFiles: [MirrorFile] = []
  var notifiers: [NotifierInfo] = []
  var names = 0
  /// Scratch for ``pickRegion(of:)``: the indices of the regions it may pick from.
  var regionCandidates: [Int] = []
  var largeMachine = false
  var hugetlbPool = false
  let kinds: [(kind: FuzzCommandKind, weight: Int)]
  let totalWeight: Int
  /// The profile's weights of hugetlb mappings and files together (``ScenarioGeneratorPlan``).
  let hugetlbWeight: Int
  /// The profile's weight of device definitions.
  let deviceWeight: Int

  static let location = SourceLocation(file: "fuzz.hmm", line: 0, column: 0)
  static let pageSize: UInt64 = 4096
  static let hugeSize: UInt64 = 2 << 20
  static let gigaSize: UInt64 = 1 << 30

  /// Creates a generator for case `index` of a run.
  public init(configuration: FuzzConfiguration, index: Int) {
    self.init(plan: ScenarioGeneratorPlan(configuration), index: index)
  }

  /// Creates a generator for case `index` of the run `plan` was made for.
  public init(plan: ScenarioGeneratorPlan, index: Int) {
    configuration = plan.configuration
    random = SplitMix64(seed: SplitMix64.caseSeed(run: configuration.seed, index: index))
    kinds = plan.kinds
    totalWeight = plan.totalWeight
    hugetlbWeight = plan.hugetlbWeight
    deviceWeight = plan.deviceWeight
  }

  /// The kinds `hmmkit crosscheck` runs on the real kernel: anonymous (private and shared)
  /// memory, memfd (shmem) files and their mappings, 2M hugetlb mappings and hugetlbfs
  /// (`MFD_HUGETLB` memfd) files.
  static let kernelKinds: Set<FuzzCommandKind> = [
    .mmapAnon, .munmap, .mprotect, .madvise, .mremap, .fork, .exit, .read, .write, .collapse,
    .mmapFile, .file, .mmapHugetlb, .fileHugetlb,
  ]

  /// Generates case `index` of the run configured by `configuration`.
  public static func generate(_ configuration: FuzzConfiguration, index: Int) -> FuzzCase {
    generate(ScenarioGeneratorPlan(configuration), index: index)
  }

  /// Generates case `index` of the run `plan` was made for (the case
  /// ``generate(_:index:)-(FuzzConfiguration,_)`` makes from the plan's configuration).
  public static func generate(_ plan: ScenarioGeneratorPlan, index: Int) -> FuzzCase {
    let configuration = plan.configuration
    var generator = ScenarioGenerator(plan: plan, index: index)
    // A case has its setup lines and sometimes two lines for a step (about 45 to 55 for 40
    // steps): room for all of them, so that the steps (large enum payloads) are never moved to
    // a regrown buffer.
    generator.steps.reserveCapacity(configuration.steps + configuration.steps / 2 + 16)
    generator.header()
    for _ in 0..<configuration.steps { generator.step() }
    return FuzzCase(runSeed: configuration.seed, index: index, steps: generator.steps)
  }

  // MARK: Names and small helpers

  mutating func fresh(_ prefix: String) -> Identifier {
    names += 1
    return Identifier("\(prefix)\(names)", at: Self.location)
  }

  mutating func emit(_ command: Command) { steps.append(.command(command)) }

  func address(_ region: Region, _ offset: UInt64) -> AddressExpression {
    AddressExpression(base: .region(region.name), offset: offset, at: Self.location)
  }

  func literal(_ value: UInt64) -> AddressExpression {
    AddressExpression(base: .literal(value), at: Self.location)
  }

  var liveProcesses: [Int] { processes.indices.filter { processes[$0].alive } }

  /// How many processes are alive.
  var liveProcessCount: Int { processes.reduce(0) { $1.alive ? $0 + 1 : $0 } }

  /// A live process, drawn as `random.pick(liveProcesses)` would, without building the list.
  mutating func pickLiveProcess() -> Int {
    var pick = random.below(liveProcessCount)
    for index in processes.indices where processes[index].alive {
      if pick == 0 { return index }
      pick -= 1
    }
    preconditionFailure("no live process to pick")
  }

  // MARK: The case's setup

  mutating func header() {
    let profile = configuration.profile
    largeMachine = !configuration.kernelSubset && random.percent(profile.largeMachinePercent)
    let memory: UInt64 = largeMachine ? 3 << 30 : (random.percent(70) ? 32 << 20 : random.percent(70) ? 64 << 20 : 256 << 20)
    var settings: [Command.SystemSetting] = [.memory(memory)]
    let modes: [Command.ThpMode] = [.madvise, .madvise, .madvise, .always, .always, .never]
    settings.append(.thp(random.pick(modes)))
    if !configuration.kernelSubset && random.percent(10) {
      settings.append(.fragment(percent: UInt64(random.pick([10, 50, 90, 100]))))
    }
    do {
      if hugetlbWeight > 0 && random.percent(40) {
        hugetlbPool = true
        settings.append(.hugetlbPages(.size2M, count: UInt64(random.pick([1, 4, 8]))))
        if largeMachine { settings.append(.hugetlbPages(.size1G, count: 1)) }
      }
    }
    emit(.system(settings))
    newProcess()
    if !configuration.policies.isEmpty && deviceWeight > 0 && random.percent(80) {
      var policies = configuration.policies
      let count = policies.count > 1 && random.percent(60) ? 2 : 1
      for _ in 0..<count {
        let policy = policies.remove(at: random.below(policies.count))
        defineDevice(policy: policy, mirror: 0)
        if policies.isEmpty { policies = configuration.policies }
      }
    }
  }

  mutating func newProcess() {
    let name = fresh("p")
    processes.append(Process(name: name))
    emit(.process(name))
  }

  // MARK: One step

  mutating func step() {
    guard processes.contains(where: \.alive) else { return newProcess() }
    guard totalWeight > 0 else { return }
    var draw = random.below(totalWeight)
    var chosen = FuzzCommandKind.mmapAnon
    for (kind, weight) in kinds {
      if draw < weight {
        chosen = kind
        break
      }
      draw -= weight
    }
    generate(chosen)
  }

  mutating func generate(_ kind: FuzzCommandKind) {
    switch kind {
    case .mmapAnon: mmapAnonymous(hugetlb: nil)
    case .mmapHugetlb:
      if configuration.kernelSubset && !hugetlbPool { return mmapAnonymous(hugetlb: nil) }
      mmapAnonymous(hugetlb: largeMachine && random.percent(30) ? .size1G : .size2M)
    case .mmapFile: mmapFile()
    case .file: defineFile(hugetlb: nil)
    case .fileHugetlb:
      if configuration.kernelSubset && !hugetlbPool { return defineFile(hugetlb: nil) }
      defineFile(hugetlb: largeMachine && random.percent(30) ? .size1G : .size2M)
    case .munmap, .mprotect, .madvise, .read, .write, .collapse, .mremap:
      guard let (process, region) = pickRegion() else { return mmapAnonymous(hugetlb: nil) }
      rangeCommand(kind, process, region)
    case .fork: fork()
    case .exit: exit()
    case .split: emit(.split)
    case .system: emit(.system([.thp(random.pick(Command.ThpMode.allCases))]))
    case .device:
      guard devices.count < 4 else { return deviceAccess() }
      defineDevice(policy: random.pick(configuration.policies), mirror: random.percent(90) ? pickLiveProcess() : nil)
    case .deviceAccess: deviceAccess()
    case .dmirror: dmirror()
    case .hmm: hmm()
    }
  }
}
