/// Parsing of numbers as scenarios write them: sizes with `K`/`M`/`G`/`T` suffixes, hex
/// literals and plain counts, all with overflow checks.
enum NumberLiteral {
  /// Reads a size: decimal digits with an optional `K`, `M`, `G` or `T` suffix (binary
  /// multiples, either case), or a hex literal `0x...` without suffix. `_` may separate digits.
  static func size(_ text: String) -> Result<UInt64, Failure> {
    var digits = Substring(text)
    var multiplier: UInt64 = 1
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
      return parse(digits.dropFirst(2), radix: 16)
    }
    switch digits.last {
    case "K", "k": multiplier = 1 << 10
    case "M", "m": multiplier = 1 << 20
    case "G", "g": multiplier = 1 << 30
    case "T", "t": multiplier = 1 << 40
    default: break
    }
    if multiplier != 1 { digits = digits.dropLast() }
    return parse(digits, radix: 10).flatMap { value in
      let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
      return overflow ? .failure(.overflow) : .success(product)
    }
  }

  /// Reads a count: decimal digits or a hex literal `0x...`, no suffix.
  static func count(_ text: String) -> Result<UInt64, Failure> {
    let digits = Substring(text)
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
      return parse(digits.dropFirst(2), radix: 16)
    }
    return parse(digits, radix: 10)
  }

  /// Reads digits of `radix` (with `_` separators) with overflow checks.
  private static func parse(_ digits: Substring, radix: UInt64) -> Result<UInt64, Failure> {
    var value: UInt64 = 0
    var sawDigit = false
    for byte in digits.utf8 {
      if byte == UInt8(ascii: "_") { continue }
      let digit: UInt64
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(byte - UInt8(ascii: "A") + 10)
      default: return .failure(.malformed)
      }
      guard digit < radix else { return .failure(.malformed) }
      let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
      let (sum, overflow2) = shifted.addingReportingOverflow(digit)
      if overflow1 || overflow2 { return .failure(.overflow) }
      value = sum
      sawDigit = true
    }
    return sawDigit ? .success(value) : .failure(.malformed)
  }
}
