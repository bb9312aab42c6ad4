extension VMADetails {
  /// Parses `/proc/PID/smaps`: for each VMA (keyed by its start address) the fields HMMKit uses.
  /// Lines it does not know are ignored; a VMA header is any line whose first field is not
  /// `Key:`. With `overlapping`, only VMAs that overlap `[start, end)` are kept, and the lines of
  /// the others are skipped without being split (a crosscheck reads a helper's smaps after
  /// every step, and only its window matters).
  public static func parseSmaps(_ text: String, overlapping range: (start: UInt64, end: UInt64)? = nil) -> [UInt64: VMADetails] {
    var result: [UInt64: VMADetails] = [:]
    var current: UInt64?
    var details = VMADetails()
    func flush() {
      if let start = current { result[start] = details }
    }
    var skipping = false
    var text = text
    text.withUTF8 { bytes in
      var lineStart = 0
      while lineStart < bytes.count {
        var lineEnd = lineStart
        while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        defer { lineStart = lineEnd + 1 }
        guard lineEnd > lineStart else { continue }
        // Key lines start with an upper-case letter (`Rss:`, `VmFlags:`), headers with a hex
        // digit; the lines of a VMA outside the range are skipped unread.
        let first = bytes[lineStart]
        let isKey = first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z")
        if isKey && skipping { continue }
        let line = String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd]), as: UTF8.self)
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let head = fields.first else { continue }
        if !head.hasSuffix(":") {
          flush()
          let bounds = head.split(separator: "-")
          current = bounds.count == 2 ? UInt64(bounds[0], radix: 16) : nil
          if let range, bounds.count == 2, let start = current, let end = UInt64(bounds[1], radix: 16) {
            skipping = end <= range.start || start >= range.end
            if skipping { current = nil }
          } else {
            skipping = false
          }
          details = VMADetails()
          continue
        }
        let kib = fields.count >= 2 ? (UInt64(fields[1]).map { $0 << 10 } ?? 0) : 0
        switch head {
        case "KernelPageSize:": details.kernelPageSize = kib
        case "AnonHugePages:": details.anonHugePages = kib
        case "ShmemPmdMapped:": details.shmemPmdMapped = kib
        case "FilePmdMapped:": details.filePmdMapped = kib
        case "Rss:": details.rss = kib
        case "VmFlags:": details.vmFlags = fields.dropFirst().map(String.init)
        default: break
        }
      }
    }
    flush()
    return result
  }
}
