extension ScenarioPrinter {
  /// The text after `expect `.
  static func expectation(_ expectation: Expectation) -> String {
    switch expectation {
    case .error(let name): return "error" + (name.map { " \($0)" } ?? "")
    case .snapshot(let process, let range, let attributes):
      return "\(process) snapshot \(self.range(range)) == " + attributes.map(\.description).joined(separator: " ")
    case .counter(let counter, let comparison, let value):
      return counterText(counter) + " \(comparison) " + (counter.isSize ? size(value) : "\(value)")
    case .device(let expectation): return device(expectation)
    case .wait(let process, let status): return "\(process) wait == \(status)"
    }
  }

  private static func counterText(_ counter: Expectation.Counter) -> String {
    switch counter {
    case .pins(let process, let address): return "\(process) pins \(self.address(address))"
    case .referenceCount(let process, let address): return "\(process) refcount \(self.address(address))"
    case .invalidations(let process, let event, let start, let size):
      var text = "invalidations \(process)"
      if let event { text += " event=\(event)" }
      if let start { text += " start=\(address(start))" }
      if let size { text += " size=\(self.size(size))" }
      return text
    default:
      return counter.description
    }
  }

  private static func device(_ expectation: DeviceExpectation) -> String {
    switch expectation {
    case .hmm(let process, let range, let attributes):
      return "hmm \(process) \(self.range(range)) == " + attributes.map(\.description).joined(separator: " ")
    case .hmmPTEBatch(let process, let range, let attributes):
      return "hmm \(process) \(self.range(range)) order=pte-batch == " + attributes.map(\.description).joined(separator: " ")
    case .notifier(let name, let event, let comparison, let value):
      return "notifier \(name) invalidations" + (event.map { " event=\($0)" } ?? "") + " \(comparison) \(value)"
    case .counter(let subject, let counter, let comparison, let value):
      return "\(subject) \(counter) \(comparison) \(value)"
    case .mapping(let device, let address, let size, let writable):
      var text = "\(device) mapping \(self.address(address)) =="
      if size == 0 && writable == nil { return text + " none" }
      if let size { text += " \(self.size(size))" }
      if let writable { text += writable ? " write" : " read" }
      return text
    case .result(let name, let error):
      return "\(name) ret == " + (error.map(\.rawValue) ?? "0")
    case .data(let name, let from, let to, let pattern):
      var text = "\(name) data"
      if from != 0 { text += " from=\(size(from))" }
      if let to { text += " to=\(size(to))" }
      return text + " == \(pattern)"
    case .snapshotBytes(let name, let bytes, let all):
      return "\(name) snapshot" + (all ? " all" : "") + " == " + bytes.map { SizeFormatter.hex(UInt64($0)) }.joined(separator: " ")
    case .oracleViolations(let comparison, let value):
      return "oracle violations \(comparison) \(value)"
    }
  }
}
