import MemoryModel

/// Where a crosscheck's real processes map what the model maps: model addresses in
/// `[modelStart, modelStart + size)` become real addresses in `[realStart, realStart + size)`,
/// at the same offset. Both starts are 1 GiB aligned, so every address keeps its offset modulo
/// 2 MiB and 1 GiB: a 2M-aligned model region is 2M-aligned for real, an unaligned one is
/// unaligned by the same amount.
public struct CrosscheckWindow: Hashable, Sendable, CustomStringConvertible {
  /// The first model address of the window.
  public var modelStart: UInt64
  /// The first real address of the window.
  public var realStart: UInt64
  /// The window's size in bytes.
  public var size: UInt64

  /// The model addresses a window covers: `0x7c0000000000-0x7f8000000000`, the 3 TiB below the
  /// model's `mmapBase` (where it places mappings, top-down, and where scenarios put fixed
  /// addresses such as `0x7e0000000000`) and 512 GiB above it.
  public static let modelRange: (start: UInt64, size: UInt64) = (0x7C00_0000_0000, 0x380_0000_0000)

  /// Creates a window.
  public init(modelStart: UInt64, realStart: UInt64, size: UInt64) {
    self.modelStart = modelStart
    self.realStart = realStart
    self.size = size
  }

  /// The real address of model address `address`, if `[address, address + length)` lies in the window.
  public func real(_ address: UInt64, length: UInt64 = 0) -> UInt64? {
    guard address >= modelStart else { return nil }
    let offset = address - modelStart
    guard offset <= size, length <= size - offset else { return nil }
    return realStart + offset
  }

  /// The model address of real address `address` (which must lie in the window).
  public func model(_ address: UInt64) -> UInt64 { address &- realStart &+ modelStart }

  /// Whether a model range lies in the window.
  public func contains(model address: UInt64, length: UInt64) -> Bool { real(address, length: length) != nil }

  /// `model 0x…-0x… = real 0x…-0x…`.
  public var description: String {
    "model 0x\(String(modelStart, radix: 16))-0x\(String(modelStart + size, radix: 16)) = real 0x\(String(realStart, radix: 16))-0x\(String(realStart + size, radix: 16))"
  }
}
