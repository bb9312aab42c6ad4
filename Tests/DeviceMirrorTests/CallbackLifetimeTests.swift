import Testing
@testable import DeviceMirror
@testable import HMM
@testable import MemoryModel

/// The callback objects that replaced weak references (DMirror's forwarder and open-file list,
/// Device's pagemap forwarder) behave as the weak references did: a live owner is reached, a
/// gone one is forgotten.
@Suite struct CallbackLifetimeTests {
  @Test func aDroppedDMirrorLeavesTheOpenFilesAndItsNotifierOnlyMovesTheSequence() throws {
    let system = MemorySystem(memoryBytes: .mib(64))
    let space = try system.createProcess(name: "A")
    let device = DMirrorDevice(number: 0, ownerID: 1)
    let kept = try DMirror(device: device, space: space)
    var dropped: DMirror? = try DMirror(device: device, space: space)
    let third = try DMirror(device: device, space: space)
    #expect(device.openFiles.map(ObjectIdentifier.init) == [kept, dropped!, third].map(ObjectIdentifier.init))
    let notifier = dropped!.notifier
    let buf = try space.mmap(.init(length: 4096, protection: .readWrite))
    try space.write(buf, bytes: [1])
    #expect(dropped!.read(buf, pages: 1).returnCode == 0)
    #expect(dropped!.pageTable.count == 1)
    dropped = nil
    #expect(device.openFiles.map(ObjectIdentifier.init) == [kept, third].map(ObjectIdentifier.init))
    // The notifier stays in the tree (the file was not closed) and still hears invalidations,
    // setting the sequence as the forwarder does without a target.
    #expect(notifier.isInserted)
    let before = notifier.invalidations()
    try space.munmap(buf, 4096)
    #expect(notifier.invalidations() == before + 1)
    #expect(notifier.sequence == NotifierSubscriptions.of(space).sequence - 1, "set to the odd value of the invalidation")
    #expect(kept.read(buf, pages: 1).returnCode != 0)
  }

  @Test func aDevicesMemoryReachesTheDeviceWhileItLivesAndForgetsItAfter() throws {
    let system = MemorySystem(memoryBytes: .mib(512))
    let space = try system.createProcess(name: "A")
    var device: Device? = Device(name: "gpu0", ownerID: 100, pageSizes: .nvidia, policy: MapOrderPolicy(),
                                 placement: .migrate, deviceMemoryBytes: .mib(4))
    try device!.mirror(space)
    let region = try #require(device!.deviceMemory)
    #expect(region.ops != nil)
    let buf = try space.mmap(.init(length: .mib(2), protection: .readWrite, alignment: .mib(2)))
    try space.write(buf + 4096, bytes: [7])
    try device!.access(buf + 4096, write: true)
    #expect(device!.migration.pagesToDevice > 0)
    #expect(try space.read(buf + 4096, count: 1) == [7], "the CPU fault calls migrate_to_ram through the forwarder")
    #expect(device!.migration.pagesToSystem > 0)
    device!.stopMirroring()
    device = nil
    #expect(region.ops == nil, "the memory's weak reference is gone with the device")
  }
}
