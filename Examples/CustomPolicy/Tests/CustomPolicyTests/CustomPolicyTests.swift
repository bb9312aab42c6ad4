import CustomPolicy
import DeviceMirror
import MemoryModel
import Testing

/// A machine with one process and one device mirroring it through `policy`, watched by the
/// safety oracle — built from HMMKit's public API only.
struct Machine {
  let system = MemorySystem(memoryBytes: 256 << 20)
  let space: AddressSpace
  let device: Device
  let oracle = SafetyOracle()

  init(policy: any MappingPolicy) throws {
    space = try system.createProcess(name: "app")
    device = Device(name: "gpu0", ownerID: 1, pageSizes: .nvidia, policy: policy)
    try device.mirror(space)
    oracle.watch(device)
    space.register(oracle)
  }

  /// `length` bytes of anonymous memory backed by transparent huge pages, written by the CPU.
  func hugeBuffer(_ length: UInt64) throws -> VirtualAddress {
    let address = try space.mmap(.init(length: length, protection: .readWrite, alignment: 2 << 20))
    try space.madvise(address, length, .hugepage)
    try space.touch(address, length, write: true)
    return address
  }
}

@Suite struct CustomPolicyTests {
  @Test func theCapKeepsDeviceMappingsAt64KOverPMDMappedMemory() throws {
    let machine = try Machine(policy: CappedMapOrderPolicy(cap: .size64K))
    let buffer = try machine.hugeBuffer(4 << 20)
    try machine.device.touch(buffer, 4 << 20, write: true)
    #expect(machine.device.pageTable.counts.filter { $0.value > 0 } == [.size64K: 64])
    #expect(machine.oracle.check().isEmpty)
  }

  @Test func theCappedPolicyStaysSafeThroughMprotectAndMunmap() throws {
    let machine = try Machine(policy: CappedMapOrderPolicy(cap: .size64K))
    let buffer = try machine.hugeBuffer(2 << 20)
    try machine.device.touch(buffer, 2 << 20, write: true)
    try machine.space.mprotect(buffer + (1 << 20), 4096, .read)
    #expect(machine.oracle.check().isEmpty)
    try machine.device.touch(buffer, 2 << 20, write: false)
    try machine.space.munmap(buffer + (1 << 20), 1 << 20)
    #expect(machine.oracle.check().isEmpty)
    #expect(machine.device.pageTable.mappedBytes <= 1 << 20, "nothing stays mapped past the munmap")
  }

  @Test func theOracleCatchesAPolicyThatMapsReadOnlyPagesWritable() throws {
    let machine = try Machine(policy: WritableEverywherePolicy())
    let buffer = try machine.hugeBuffer(2 << 20)
    try machine.space.mprotect(buffer, 2 << 20, .read)
    try machine.device.access(buffer, write: false)
    let violations = machine.oracle.check()
    #expect(!violations.isEmpty)
    #expect(violations.allSatisfy { $0.invariant == 1 })
  }
}
