extension BatchResult {
  /// What the command-line tool prints: the transcript (or JSON) for standard output, and the
  /// read and parse diagnostics for standard error (empty with JSON, which holds them).
  ///
  /// - Parameters:
  ///   - json: print the JSON result instead of the transcript.
  ///   - verbose: print every step rather than only failures.
  public func rendered(json: Bool, verbose: Bool) -> (standardOutput: String, standardError: String) {
    if json { return (self.json.serialized() + "\n", "") }
    var errors = diagnostics
    if files.isEmpty { errors += "error: no scenario files given; expected one or more .hmm files or directories\n" }
    switch mode {
    case .check:
      let bad = files.count { !$0.didRun }
      let output = transcript(verbose: verbose) + "checked \(files.count) file\(files.count == 1 ? "" : "s"): \(files.count - bad) ok, \(bad) with errors\n"
      return (output, errors)
    case .run:
      if hasErrors {
        if !files.isEmpty { errors += "nothing ran: \(files.count { !$0.didRun }) of \(files.count) file(s) have errors\n" }
        return ("", errors)
      }
      return (transcript(verbose: verbose), errors)
    }
  }
}
