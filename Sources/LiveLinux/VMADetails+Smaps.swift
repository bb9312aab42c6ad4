extension VMADetails {
  /// Parses `/proc/PID/smaps`: for each VMA (keyed by its start address) the fields HMMKit uses.
  /// Lines it does not know are ignored; a VMA header is any line whose first field is not
  /// `Key:`.
  public static func parseSmaps(_ text: String) -> [UInt64: VMADetails] {
    var result: [UInt64: VMADetails] = [:]
    var current: UInt64?
    var details = VMADetails()
    func flush() {
      if let start = current { result[start] = details }
    }
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard let first = fields.first else { continue }
      if !first.hasSuffix(":") {
        flush()
        let bounds = first.split(separator: "-")
        current = bounds.count == 2 ? UInt64(bounds[0], radix: 16) : nil
        details = VMADetails()
        continue
      }
      let kib = fields.count >= 2 ? (UInt64(fields[1]).map { $0 << 10 } ?? 0) : 0
      switch first {
      case "KernelPageSize:": details.kernelPageSize = kib
      case "AnonHugePages:": details.anonHugePages = kib
      case "ShmemPmdMapped:": details.shmemPmdMapped = kib
      case "FilePmdMapped:": details.filePmdMapped = kib
      case "Rss:": details.rss = kib
      case "VmFlags:": details.vmFlags = fields.dropFirst().map(String.init)
      default: break
      }
    }
    flush()
    return result
  }
}
