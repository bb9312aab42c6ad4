/// A coding key from any string, for sweep files whose unknown fields are errors that name them.
struct SweepKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(_ string: String) { stringValue = string }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }

  /// Throws for the first key of `container` not in `known`, naming it and the known ones.
  static func rejectUnknown(in container: KeyedDecodingContainer<SweepKey>, known: [String], what: String) throws {
    for key in container.allKeys where !known.contains(key.stringValue) {
      throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription:
        "unknown \(what) field '\(key.stringValue)' (known: \(known.joined(separator: ", ")))")
    }
  }
}
