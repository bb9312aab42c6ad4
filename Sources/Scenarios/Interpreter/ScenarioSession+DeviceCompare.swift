import DeviceMirror
import MemoryModel

/// The policy differential's comparison of devices' reads, page by page instead of byte arrays.
extension ScenarioSession {
  /// Where two devices' reads of `range` first differ.
  public struct ReadDifference: Sendable, Hashable {
    /// The first device that read the range (the reference).
    public var reference: String
    /// The device whose read differs from the reference's.
    public var device: String
    /// The first byte (counting from the range's start) at which they differ.
    public var byte: Int
  }

  /// Reads `range` through each of `devices` in order, as ``deviceRead(_:_:)`` would (a device
  /// that cannot read it is skipped), and compares each read with the first one that
  /// succeeded.
  /// - Parameters:
  ///   - devices: the devices' names, in the order they read.
  ///   - range: the range each reads.
  /// - Returns: the first device whose bytes differ from the reference's and where, or nil when
  ///   all read the same bytes; the devices after a differing one do not read.
  public func firstReadDifference(_ devices: some Sequence<String>, _ range: AddressRange) -> ReadDifference? {
    var reference: (name: String, readout: DeviceReadout)?
    for name in devices {
      guard let readout = deviceReadout(name, range) else { continue }
      guard let first = reference else {
        reference = (name, readout)
        continue
      }
      if let byte = first.readout.firstDifference(from: readout) {
        return ReadDifference(reference: first.name, device: name, byte: byte)
      }
    }
    return nil
  }

  /// What device `device` reads from `range`, as pages: ``deviceRead(_:_:)`` without copying
  /// the bytes.
  func deviceReadout(_ device: String, _ range: AddressRange) -> DeviceReadout? {
    guard let target = interpreter.devices.devices[device], range.size <= 1 << 24,
      let (start, _) = try? interpreter.resolve(range)
    else { return nil }
    return try? target.readout(start, count: Int(range.size))
  }
}
