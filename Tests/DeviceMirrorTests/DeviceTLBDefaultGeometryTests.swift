import MemoryModel
import Testing
@testable import DeviceMirror

/// `DeviceTLB(defaultFor:)` builds the TLB that `DeviceTLB(geometry: defaultGeometry(for:))` builds.
@Suite struct DeviceTLBDefaultGeometryTests {
  func shape(_ tlb: DeviceTLB) -> [String] {
    tlb.arrays.map { "\($0.size) \($0.sets) \($0.ways) \($0.base) \($0.shift) \($0.setMask) \($0.pageMask)" }
      + ["slots \(tlb.slots.count) valid \(tlb.validEntries.count) \(tlb.geometryDescription)"]
  }

  @Test func sameArraysForEveryLadder() {
    let ladders: [DevicePageSizes] = [.nvidia, .xe, .amd, .base, DevicePageSizes([.size1G]), DevicePageSizes([.size64K, .size1G])]
    for sizes in ladders {
      let fast = DeviceTLB(defaultFor: sizes)
      let slow = DeviceTLB(geometry: DeviceTLB.defaultGeometry(for: sizes))
      #expect(shape(fast) == shape(slow), "\(sizes)")
      #expect(fast.arrays.count == sizes.sizes.count)
      let device = Device(name: "d", ownerID: 1, pageSizes: sizes, policy: MapOrderPolicy())
      #expect(shape(device.tlb) == shape(slow), "\(sizes)")
    }
  }
}
