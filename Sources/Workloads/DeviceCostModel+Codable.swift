extension DeviceCostModel {
  enum CodingKeys: String, CodingKey, CaseIterable {
    case name, farFaultLatencyNS, faultBatchSize, faultServiceNS, hmmEntryNS, dmaMapSegmentNS, bindFixedNS, pageTableUpdateNS,
      migrateFixedNS, migratePerSmallFolioNS, migratePerLargeFolioNS, transfer, copyLatencyNS, copyBandwidthGBps, pcieA, pcieB,
      walkLevelNS, invalidationNS, shootdownNS
  }

  /// Every parameter's name, as study files spell it.
  public static var parameterNames: [String] { CodingKeys.allCases.map(\.rawValue) }

  /// Reads a cost model: any parameter left out keeps its default; an unknown one is an error
  /// that names it.
  public init(from decoder: any Decoder) throws {
    self.init()
    let c = try decoder.container(keyedBy: AnyKey.self)
    for key in c.allKeys where CodingKeys(rawValue: key.stringValue) == nil {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: c,
        debugDescription: "unknown cost parameter '\(key.stringValue)' (known: \(Self.parameterNames.joined(separator: ", ")))")
    }
    func number(_ key: CodingKeys, _ value: inout Double) throws {
      if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(key.rawValue)) {
        guard v >= 0, v.isFinite else {
          throw DecodingError.dataCorruptedError(forKey: AnyKey(key.rawValue), in: c, debugDescription: "'\(key.rawValue)' must be a non-negative number")
        }
        value = v
      }
    }
    name = try c.decodeIfPresent(String.self, forKey: AnyKey("name")) ?? name
    try number(.farFaultLatencyNS, &farFaultLatencyNS)
    if let v = try c.decodeIfPresent(Int.self, forKey: AnyKey("faultBatchSize")) {
      guard v >= 1 else { throw DecodingError.dataCorruptedError(forKey: AnyKey("faultBatchSize"), in: c, debugDescription: "'faultBatchSize' must be at least 1") }
      faultBatchSize = v
    }
    try number(.faultServiceNS, &faultServiceNS)
    try number(.hmmEntryNS, &hmmEntryNS)
    try number(.dmaMapSegmentNS, &dmaMapSegmentNS)
    try number(.bindFixedNS, &bindFixedNS)
    try number(.pageTableUpdateNS, &pageTableUpdateNS)
    try number(.migrateFixedNS, &migrateFixedNS)
    try number(.migratePerSmallFolioNS, &migratePerSmallFolioNS)
    try number(.migratePerLargeFolioNS, &migratePerLargeFolioNS)
    transfer = try c.decodeIfPresent(TransferCurve.self, forKey: AnyKey("transfer")) ?? transfer
    try number(.copyLatencyNS, &copyLatencyNS)
    try number(.copyBandwidthGBps, &copyBandwidthGBps)
    try number(.pcieA, &pcieA)
    try number(.pcieB, &pcieB)
    try number(.walkLevelNS, &walkLevelNS)
    try number(.invalidationNS, &invalidationNS)
    try number(.shootdownNS, &shootdownNS)
    if copyBandwidthGBps == 0 || pcieA == 0 || pcieB == 0 {
      throw DecodingError.dataCorruptedError(forKey: AnyKey("copyBandwidthGBps"), in: c, debugDescription: "bandwidth parameters must be positive")
    }
  }
}

/// A coding key from any string.
struct AnyKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(_ string: String) { stringValue = string }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}
