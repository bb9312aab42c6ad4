extension SweepValue {
  /// The value with `replacement` put at `path`: objects on the way are created when missing;
  /// a list index must exist.
  /// - Throws: ``SweepError`` naming the path when it crosses a value that is not an object or
  ///   list, or an index past a list's end.
  public func setting(_ replacement: SweepValue, at path: SweepPath) throws(SweepError) -> SweepValue {
    try setting(replacement, at: path.components[...], whole: path)
  }

  private func setting(_ replacement: SweepValue, at rest: ArraySlice<SweepPath.Component>, whole: SweepPath) throws(SweepError) -> SweepValue {
    guard let first = rest.first else { return replacement }
    switch (first, self) {
    case (.key(let key), .object(var members)):
      members[key] = try (members[key] ?? .object([:])).setting(replacement, at: rest.dropFirst(), whole: whole)
      return .object(members)
    case (.key(let key), .null):
      return .object([key: try SweepValue.object([:]).setting(replacement, at: rest.dropFirst(), whole: whole)])
    case (.index(let index), .array(var elements)):
      guard index < elements.count else {
        throw SweepError("axis '\(whole)': index \(index) is past the end of a list of \(elements.count) in the template")
      }
      elements[index] = try elements[index].setting(replacement, at: rest.dropFirst(), whole: whole)
      return .array(elements)
    case (.key(let key), _):
      throw SweepError("axis '\(whole)': the template's value before '\(key)' is \(json), not an object")
    case (.index(let index), _):
      throw SweepError("axis '\(whole)': the template's value before '[\(index)]' is \(json), not a list")
    }
  }
}

extension SweepValue {
  /// The value at `path`, or nil when the path leads nowhere.
  public func value(at path: SweepPath) -> SweepValue? {
    var current = self
    for component in path.components {
      switch (component, current) {
      case (.key(let key), .object(let members)):
        guard let next = members[key] else { return nil }
        current = next
      case (.index(let index), .array(let elements)):
        guard index < elements.count else { return nil }
        current = elements[index]
      default:
        return nil
      }
    }
    return current
  }
}
