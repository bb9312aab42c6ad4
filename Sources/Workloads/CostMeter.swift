import DeviceMirror

/// Prices a device's events as they happen: each fault from the counters it changed, CPU
/// activity from the invalidations it caused, and the page walks at the end.
struct CostMeter {
  let model: DeviceCostModel
  var time = ModelledTime()
  var latencies: [Double] = []
  var faultsInBatch = 0
  var lastEntries = 0
  var lastCreated: [DevicePageSize: Int] = [:]
  var lastToDevice = 0
  var lastToSystem = 0
  var lastInvalidations = 0
  var lastRemoved = 0

  init(model: DeviceCostModel) { self.model = model }

  mutating func sync(_ device: Device) {
    lastEntries = device.counters.entriesWalked
    lastCreated = device.counters.mappingsCreated
    lastToDevice = device.migration.pagesToDevice
    lastToSystem = device.migration.pagesToSystem
    lastInvalidations = device.counters.invalidations
    lastRemoved = device.counters.mappingsRemoved.values.reduce(0, +)
  }

  /// One fault (successful or not) happened during the last access.
  mutating func faulted(_ device: Device) {
    var service = model.faultServiceNS
    var t = ModelledTime()
    t.faultService = model.faultServiceNS
    let entries = device.counters.entriesWalked - lastEntries
    t.hmmWalk = Double(entries) * model.hmmEntryNS
    let migrated = device.migration.pagesToDevice - lastToDevice
    var created = 0
    for (size, count) in device.counters.mappingsCreated {
      let new = count - (lastCreated[size] ?? 0)
      guard new > 0 else { continue }
      created += new
      if migrated > 0 {
        if size >= .size2M {
          t.migration += Double(new) * model.migratePerLargeFolioNS
          t.copy += Double(new) * model.transferNS(bytes: size.bytes)
        } else {
          // Without device THP every 4 KiB page is its own folio and its own DMA copy.
          t.migration += Double(new * size.pageCount) * model.migratePerSmallFolioNS
          t.copy += Double(new * size.pageCount) * model.transferNS(bytes: 4096)
        }
      }
    }
    if migrated > 0 { t.migration += model.migrateFixedNS }
    if created > 0 {
      t.dmaMap = Double(created) * model.dmaMapSegmentNS
      t.pageTableUpdate = model.bindFixedNS + Double(created) * model.pageTableUpdateNS
    }
    service = t.faultPath
    if faultsInBatch == 0 { time.farFault += model.farFaultLatencyNS }
    faultsInBatch += 1
    if faultsInBatch >= model.faultBatchSize { faultsInBatch = 0 }
    time.faultService += t.faultService
    time.hmmWalk += t.hmmWalk
    time.dmaMap += t.dmaMap
    time.pageTableUpdate += t.pageTableUpdate
    time.migration += t.migration
    time.copy += t.copy
    latencies.append(model.farFaultLatencyNS + service)
    sync(device)
  }

  mutating func beforeCPU(_ device: Device) {
    sync(device)
    faultsInBatch = 0  // the device synchronises with the CPU: the batch ends
  }

  mutating func afterCPU(_ device: Device) {
    let invalidations = device.counters.invalidations - lastInvalidations
    let removed = device.counters.mappingsRemoved.values.reduce(0, +) - lastRemoved
    time.invalidation += Double(invalidations) * model.invalidationNS
    if removed > 0 {
      time.shootdown += Double(invalidations) * model.shootdownNS
      time.pageTableUpdate += Double(removed) * model.pageTableUpdateNS
    }
    let back = device.migration.pagesToSystem - lastToSystem
    if back > 0 {
      time.migration += model.migrateFixedNS + Double(back) * model.migratePerSmallFolioNS
      time.copy += Double(back) * model.transferNS(bytes: 4096)
    }
    sync(device)
  }

  mutating func finish(_ device: Device) {
    time.tlbWalk = Double(device.counters.walkSteps) * model.walkLevelNS
    // Invalidations raised by the device's own faults (migration) are priced too.
    let invalidations = device.counters.invalidations - lastInvalidations
    time.invalidation += Double(invalidations) * model.invalidationNS
  }
}
