import Scenarios

extension ScenarioGenerator {
  /// The page-size ladders devices get: 4K only, NVIDIA's, Intel Xe's, AMD's, and 1G variants.
  static let ladders: [[UInt64]] = [
    [4096], [4096, 65536, 2 << 20], [4096, 65536, 2 << 20, 1 << 30], [4096, 2 << 20], [4096, 2 << 20, 1 << 30],
    [4096, 65536],
  ]

  /// `device D pages=... policy=P [placement=migrate] [window=] [tlb=]`, and `D: mirror P`.
  mutating func defineDevice(policy: String, mirror process: Int?) {
    let name = fresh("d")
    var definition = DeviceDefinition(name: name)
    definition.pages = random.pick(Self.ladders)
    definition.policy = policy
    if random.percent(20) {
      definition.placement = "migrate"
      definition.memory = random.pick([4 << 20, 8 << 20]) as UInt64
    }
    if random.percent(20) {
      // A 1 GiB fault window costs time with the range (issue 18, part A): adversarial only.
      let windows: [UInt64] = configuration.profile.afterExitPercent > 0 ? [4096, 65536, 2 << 20, 1 << 30] : [4096, 65536, 2 << 20]
      definition.window = random.pick(windows)
    }
    if random.percent(10) { definition.tlb = random.percent(50) ? (16, 4) : (64, 4) }
    emit(.device(.define(definition)))
    devices.append(DeviceInfo(name: name, policy: policy, process: nil))
    if let process {
      devices[devices.count - 1].process = process
      emit(.device(.mirror(device: name, process: processes[process].name)))
    }
  }

  /// A device that mirrors a live process (or, in the after-exit class, one whose process
  /// exited).
  mutating func mirroringDevice() -> DeviceInfo? {
    let afterExit = random.percent(configuration.profile.afterExitPercent)
    func isCandidate(_ device: DeviceInfo) -> Bool {
      guard let process = device.process else { return false }
      return processes[process].alive || afterExit
    }
    // Drawn as `random.pick` of the candidates would, without building the list.
    let count = devices.reduce(0) { isCandidate($1) ? $0 + 1 : $0 }
    guard count > 0 else { return nil }
    var pick = random.below(count)
    for device in devices where isCandidate(device) {
      if pick == 0 { return device }
      pick -= 1
    }
    return nil
  }

  /// A device read or write, or the policy differential: every device mirroring a process
  /// reads the same range.
  mutating func deviceAccess() {
    guard let device = mirroringDevice(), let process = device.process else {
      let unmirrored = devices.indices.filter { devices[$0].process == nil }
      if let index = unmirrored.first {
        let process = pickLiveProcess()
        devices[index].process = process
        emit(.device(.mirror(device: devices[index].name, process: processes[process].name)))
      } else if devices.count < 4 {
        defineDevice(policy: random.pick(configuration.policies), mirror: pickLiveProcess())
      }
      return
    }
    let regionChoice = processes[process].alive ? pickRegion(of: process) : regions.last.map { (process, $0) }
    guard let (_, region) = regionChoice else { return mmapAnonymous(hugetlb: nil) }
    let limit = min(configuration.profile.maximumAccess, 2 << 20)
    let range = range(in: region, limit: limit)
    let peerCount = devices.reduce(0) { $1.process == process ? $0 + 1 : $0 }
    let data = configuration.profile.maximumData
    if peerCount > 1 && random.percent(40) && range.size <= data {
      steps.append(.compare(devices: devices.filter { $0.process == process }.map(\.name), range: range))
      return
    }
    let write = random.percent(45)
    let random = self.random.percent(10)
    let seed = random ? UInt64(1 + self.random.below(1000)) : 1
    let pattern = write && range.size <= data ? pattern() : nil
    emit(.device(.access(device: device.name, range: range, write: write, pattern: pattern, random: random, seed: seed)))
  }

  /// dmirror: `P: F = open hmm_dmirrorN`, an ioctl over a range of the process's memory, or
  /// `close`.
  mutating func dmirror() {
    let afterExit = random.percent(configuration.profile.afterExitPercent)
    let open = mirrorFiles.indices.filter { mirrorFiles[$0].open && (processes[mirrorFiles[$0].process].alive || afterExit) }
    if open.isEmpty || random.percent(3) {
      guard mirrorFiles.count < 4 else { return }
      let process = pickLiveProcess()
      let name = fresh("f")
      mirrorFiles.append(MirrorFile(name: name, process: process))
      emit(.device(.open(name: name, process: processes[process].name, device: random.below(4))))
      return
    }
    let index = random.pick(open)
    let file = mirrorFiles[index]
    let operation: DMirrorOperation
    switch random.below(40) {
    case 0..<8: operation = .read
    case 8..<14: operation = .write
    case 14..<22: operation = .migrate
    case 22..<26: operation = .migrateBack
    case 26..<30: operation = .exclusive
    case 30..<32: operation = .checkExclusive
    case 32..<34: operation = .release
    case 34..<38: operation = .snapshot
    case 38: operation = .failAlloc
    default: operation = .close
    }
    if operation == .close { mirrorFiles[index].open = false }
    guard operation.takesRange else {
      emit(.device(.dmirror(name: file.name, operation: operation, range: nil, pattern: nil)))
      return
    }
    let regionChoice = processes[file.process].alive ? pickRegion(of: file.process) : regions.last.map { (file.process, $0) }
    guard let (_, region) = regionChoice else { return mmapAnonymous(hugetlb: nil) }
    let range = range(in: region, limit: max(4096, configuration.profile.maximumData))
    let pattern: DataPattern? = operation == .write ? (pattern() ?? .byte(0x33)) : nil
    emit(.device(.dmirror(name: file.name, operation: operation, range: range, pattern: pattern)))
  }

  /// `hmm P ADDR SIZE fault=...`, or a notifier inserted or removed.
  mutating func hmm() {
    if !notifiers.isEmpty && random.percent(20) {
      let notifier = notifiers.remove(at: random.below(notifiers.count))
      emit(.device(.notifierRemove(name: notifier.name)))
      return
    }
    guard let (process, region) = pickRegion() else { return mmapAnonymous(hugetlb: nil) }
    let range = range(in: region, limit: 4 << 20)
    if random.percent(25) {
      let name = fresh("n")
      notifiers.append(NotifierInfo(name: name, process: process))
      emit(.device(.notifierInsert(name: name, process: processes[process].name, range: range)))
      return
    }
    let fault = random.pick(HMMFaultMode.allCases)
    emit(.device(.hmm(process: processes[process].name, range: range, fault: fault)))
  }
}
