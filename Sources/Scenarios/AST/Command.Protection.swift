extension Command {
  /// A protection as a scenario writes it: `none`, or the letters `r`, `w`, `x` in that order
  /// (`r`, `rw`, `rx`, `rwx`, ...).
  public struct Protection: Sendable, Hashable, CustomStringConvertible {
    /// `PROT_READ`.
    public var read: Bool
    /// `PROT_WRITE`.
    public var write: Bool
    /// `PROT_EXEC`.
    public var execute: Bool

    /// Creates a protection.
    public init(read: Bool, write: Bool, execute: Bool) {
      self.read = read
      self.write = write
      self.execute = execute
    }

    /// Parses `none` or a non-empty in-order subset of `rwx`; nil for anything else.
    public init?(parsing text: String) {
      if text == "none" {
        self.init(read: false, write: false, execute: false)
        return
      }
      var rest = Substring(text)
      let read = rest.hasPrefix("r")
      if read { rest = rest.dropFirst() }
      let write = rest.hasPrefix("w")
      if write { rest = rest.dropFirst() }
      let execute = rest.hasPrefix("x")
      if execute { rest = rest.dropFirst() }
      guard rest.isEmpty, read || write || execute else { return nil }
      self.init(read: read, write: write, execute: execute)
    }

    /// `none`, or the letters of the protection (`rw`).
    public var description: String {
      if !read && !write && !execute { return "none" }
      return (read ? "r" : "") + (write ? "w" : "") + (execute ? "x" : "")
    }
  }
}
