import Testing
@testable import DeviceMirror
@testable import MemoryModel

extension DeviceFixture {
  /// A `base`-policy device that mirrors `length` bytes of 2M-aligned anonymous memory the CPU
  /// maps with 4K PTEs (MADV_NOHUGEPAGE, written) and the device has read, with a clean oracle
  /// check: the starting point of the safety oracle's shortcut tests.
  static func pteMapped(_ length: UInt64) throws -> (DeviceFixture, VirtualAddress) {
    let f = try DeviceFixture(policy: BasePolicy())
    let buf = try f.space.mmap(.init(length: length, protection: .readWrite, alignment: .mib(2)))
    try f.space.madvise(buf, length, .nohugepage)
    try f.space.touch(buf, length, write: true)
    try f.device.touch(buf, length, write: false)
    #expect(f.oracle.check().isEmpty)
    return (f, buf)
  }
}

extension DeviceFixture {
  /// Makes the CPU's PTE at `address` read-only without an invalidation (a break the device
  /// does not hear of, as a bug would make it) and expects the oracle to report exactly that page.
  func expectReadOnlyPTEBehindTheDevicesBackIsFound(at address: VirtualAddress) throws {
    let pfn = try #require(space.translate(address)?.pfn)
    let slot = try #require(space.pageTable.slot(for: address, level: .pte, allocate: false))
    space.pageTable.setEntry(.present(pfn, writable: false), at: slot)
    let violations = oracle.check()
    #expect(violations.count == 1)
    #expect(violations.first?.address == address && violations.first?.cpuState == "read-only PTE mapping of pfn=\(pfn)", "\(violations)")
  }
}
