extension ScenarioPrinter {
  /// An HMM, device or dmirror command.
  static func device(_ command: DeviceCommand) -> String {
    switch command {
    case .hmm(let process, let range, let fault):
      return "hmm \(process) \(self.range(range))" + (fault == .none ? "" : " fault=\(fault.rawValue)")
    case .hmmPTEBatch(let process, let range, let fault):
      return "hmm \(process) \(self.range(range))" + (fault == .none ? "" : " fault=\(fault.rawValue)") + " order=pte-batch"
    case .notifierInsert(let name, let process, let range):
      return "notifier \(name) insert \(process) \(self.range(range))"
    case .notifierRemove(let name): return "notifier \(name) remove"
    case .define(let definition):
      var text = "device \(definition.name) pages=" + definition.pages.map(size).joined(separator: ",")
      text += " policy=\(definition.policy)"
      if let tlb = definition.tlb { text += " tlb=\(tlb.entries)x\(tlb.ways)" }
      if let window = definition.window { text += " window=\(size(window))" }
      if definition.placement != "system" { text += " placement=\(definition.placement)" }
      if definition.hmmOrder != "map-order" { text += " hmm-order=\(definition.hmmOrder)" }
      if definition.memory != 0 && !(definition.placement == "migrate" && definition.memory == 256 << 20) {
        text += " memory=\(size(definition.memory))"
      }
      return text
    case .mirror(let device, let process): return "\(device): mirror \(process)"
    case .access(let device, let range, let write, let pattern, let random, let seed):
      var text = "\(device): \(write ? "write" : "read") \(self.range(range))"
      if let pattern { text += write ? " pattern=\(pattern)" : " expect=\(pattern)" }
      if random { text += " order=random" }
      if seed != 1 { text += " seed=\(seed)" }
      return text
    case .snapshot(let device, let range): return "\(device): snapshot \(self.range(range))"
    case .open(let name, let process, let device): return "\(process): \(name) = open hmm_dmirror\(device)"
    case .dmirror(let name, let operation, let range, let pattern):
      var text = "\(name): \(operation.rawValue)"
      if let range { text += " \(self.range(range))" }
      if let pattern { text += operation == .write ? " pattern=\(pattern)" : " buffer=\(pattern)" }
      return text
    case .stats: return "devices"
    case .openGUPTest(let name, let process): return "\(process): \(name) = open gup_test"
    case .gupTest(let name, let test, let range, let write, let longterm, let pagesPerCall):
      var text = "\(name): \(test.rawValue) \(self.range(range))"
      if write { text += " write" }
      if longterm { text += " longterm" }
      if pagesPerCall != 1 { text += " nr=\(pagesPerCall)" }
      return text
    case .gupPin(let name, let range, let write, let fast):
      return "\(name): pin \(self.range(range))" + (write ? " write" : "") + (fast ? " fast" : "")
    case .gupUnpin(let name): return "\(name): unpin"
    }
  }
}
