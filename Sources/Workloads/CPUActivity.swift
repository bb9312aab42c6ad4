import MemoryModel

/// Performs a workload's CPU events on the process.
struct CPUActivity {
  let space: AddressSpace
  let bases: [VirtualAddress]
  let sizes: [UInt64]
  var children: [AddressSpace] = []

  init(space: AddressSpace, bases: [VirtualAddress], sizes: [UInt64]) {
    self.space = space
    self.bases = bases
    self.sizes = sizes
  }

  /// The spans an event covers.
  func spans(_ event: CPUEventSpec) -> [(VirtualAddress, UInt64)] {
    guard event.region < bases.count else { return [] }
    let base = bases[event.region]
    let size = sizes[event.region]
    var result: [(VirtualAddress, UInt64)] = []
    var offset = event.offset.bytes
    repeat {
      guard offset < size else { break }
      result.append((base + offset, min(event.length.bytes, size - offset)))
      offset += event.every.bytes
    } while event.every.bytes > 0
    return result
  }

  /// Runs `event`; failures of the CPU's own calls are ignored (a workload keeps going, as a
  /// program that does not check them would).
  mutating func perform(_ event: CPUEventSpec) {
    switch event.op {
    case .fork:
      if let child = try? space.fork(childName: "child\(children.count)") { children.append(child) }
    case .touch:
      for (start, length) in spans(event) { try? space.touch(start, length, write: event.write) }
    case .mprotect:
      for (start, length) in spans(event) { try? space.mprotect(start, length, .read) }
    case .collapse:
      for (start, length) in spans(event) {
        var block = start.alignedDown(to: 2 << 20)
        while block < start + length {
          _ = space.collapse(at: block, byKhugepaged: true)
          block = block + (2 << 20)
        }
      }
    case .numaProtect:
      for (start, length) in spans(event) {
        try? space.mprotect(start, length, .none)
        try? space.mprotect(start, length, .readWrite)
        try? space.touch(start, length, write: false)
      }
    case .freeReuse:
      for (start, length) in spans(event) {
        try? space.madvise(start, length, .dontneed)
        try? space.touch(start, length, write: true)
      }
    }
  }
}
