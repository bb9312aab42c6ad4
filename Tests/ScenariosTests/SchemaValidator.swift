import Foundation

/// Validates a JSON document against the subset of JSON Schema 2020-12 that
/// `docs/json-schema.md` uses: `type`, `const`, `enum`, `properties`, `required`,
/// `additionalProperties: false`, `items`, `oneOf`, `$ref` to `#/$defs/...`, `minimum`,
/// `maximum` and `pattern`. Unknown keywords are an error, so that the schema cannot use a
/// keyword this validator silently ignores.
struct SchemaValidator {
  let root: JSONDocument

  static let knownKeywords: Set<String> = [
    "$schema", "$id", "title", "description", "$defs", "type", "const", "enum", "properties", "required",
    "additionalProperties", "items", "oneOf", "$ref", "minimum", "maximum", "pattern",
  ]

  /// Every problem found, as `path: what`.
  func validate(_ value: JSONDocument) -> [String] {
    var problems: [String] = []
    check(value, against: root, at: "$", into: &problems)
    return problems
  }

  private func resolve(_ reference: String) -> JSONDocument? {
    guard reference.hasPrefix("#/$defs/") else { return nil }
    return root["$defs"]?[String(reference.dropFirst("#/$defs/".count))]
  }

  private static func typeName(_ value: JSONDocument) -> String {
    switch value {
    case .null: "null"
    case .bool: "boolean"
    case .integer: "integer"
    case .number: "number"
    case .string: "string"
    case .array: "array"
    case .object: "object"
    }
  }

  private func check(_ value: JSONDocument, against schema: JSONDocument, at path: String, into problems: inout [String]) {
    guard case .object(let keywords) = schema else {
      problems.append("\(path): schema is not an object")
      return
    }
    for (keyword, _) in keywords where !Self.knownKeywords.contains(keyword) {
      problems.append("\(path): the validator does not know keyword \(keyword)")
    }
    if case .string(let reference)? = schema["$ref"] {
      guard let target = resolve(reference) else {
        problems.append("\(path): unresolved $ref \(reference)")
        return
      }
      check(value, against: target, at: path, into: &problems)
    }
    if let type = schema["type"] {
      var allowed: [String] = []
      if case .string(let name) = type { allowed = [name] }
      if case .array(let names) = type {
        allowed = names.compactMap { if case .string(let n) = $0 { return n } else { return nil } }
      }
      let actual = Self.typeName(value)
      let ok = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
      if !ok { problems.append("\(path): type \(actual), expected \(allowed.joined(separator: "|"))") }
    }
    if let constant = schema["const"], constant != value {
      problems.append("\(path): \(value) is not the constant \(constant)")
    }
    if case .array(let options)? = schema["enum"], !options.contains(value) {
      problems.append("\(path): \(value) is not one of \(options)")
    }
    if case .array(let alternatives)? = schema["oneOf"] {
      var matching = 0
      for alternative in alternatives {
        var scratch: [String] = []
        check(value, against: alternative, at: path, into: &scratch)
        if scratch.isEmpty { matching += 1 }
      }
      if matching != 1 { problems.append("\(path): matches \(matching) of the oneOf alternatives, not 1") }
    }
    if let minimum = schema["minimum"], let number = Self.double(value), let bound = Self.double(minimum), number < bound {
      problems.append("\(path): \(number) is below the minimum \(bound)")
    }
    if let maximum = schema["maximum"], let number = Self.double(value), let bound = Self.double(maximum), number > bound {
      problems.append("\(path): \(number) is above the maximum \(bound)")
    }
    if case .string(let pattern)? = schema["pattern"], case .string(let text) = value {
      if text.range(of: pattern, options: .regularExpression) == nil {
        problems.append("\(path): \"\(text)\" does not match \(pattern)")
      }
    }
    if case .object(let members) = value {
      if case .array(let required)? = schema["required"] {
        for case .string(let key) in required where !members.contains(where: { $0.key == key }) {
          problems.append("\(path): missing required \(key)")
        }
      }
      let properties = schema["properties"]
      for (key, member) in members {
        if let propertySchema = properties?[key] {
          check(member, against: propertySchema, at: "\(path).\(key)", into: &problems)
        } else if schema["additionalProperties"] == .bool(false) {
          problems.append("\(path): unexpected property \(key)")
        }
      }
    }
    if case .array(let items) = value, let itemSchema = schema["items"] {
      for (index, item) in items.enumerated() {
        check(item, against: itemSchema, at: "\(path)[\(index)]", into: &problems)
      }
    }
  }

  private static func double(_ value: JSONDocument) -> Double? {
    switch value {
    case .integer(let i): Double(i)
    case .number(let d): d
    default: nil
    }
  }
}
