import DeviceMirror
import MemoryModel

extension AddressSpaceMap {
  /// The map of `[bases[i], bases[i] + sizes[i])` per 2 MiB, as `space` and `device` have it now.
  static func build(space: AddressSpace, device: Device, bases: [VirtualAddress], sizes: [UInt64]) -> AddressSpaceMap {
    var map = AddressSpaceMap()
    let memory = space.system.memory
    var largest: [UInt64: DevicePageSize] = [:]
    for mapping in device.deviceMappings {
      let key = mapping.start.rawValue >> 21
      if mapping.size == .size1G {
        for k in key..<(key + 512) { largest[k] = .size1G }
      } else if (largest[key] ?? .size4K) <= mapping.size {
        largest[key] = mapping.size
      }
    }
    for (base, size) in zip(bases, sizes) {
      var block = base.alignedDown(to: 2 << 20)
      while block < base + size {
        map.blocks.append(Block(address: block.rawValue, cpu: cpuState(space, memory, block),
                                device: largest[block.rawValue >> 21]?.description ?? "none"))
        block = block + (2 << 20)
      }
    }
    return map
  }

  static func cpuState(_ space: AddressSpace, _ memory: PhysicalMemory, _ block: VirtualAddress) -> CPUState {
    let (entry, level) = space.cpuEntry(block)
    if level != .pte {
      if entry.isHuge { return .pmd }
      if let type = entry.swapType, type == .devicePrivate || type == .deviceExclusive { return .device }
      if entry.isNone { return .none }
    }
    var present = 0
    var large = 0
    var onDevice = 0
    for i in 0..<512 {
      let (pte, _) = space.cpuEntry(block + UInt64(i) << 12)
      if pte.isHardwarePresent && !pte.isSwap {
        present += 1
        if memory.contains(pte.pfn) && memory.folio(containing: pte.pfn).order > 0 { large += 1 }
      } else if let type = pte.swapType, type == .devicePrivate || type == .deviceExclusive {
        onDevice += 1
      }
    }
    if onDevice > present { return .device }
    if present == 0 { return .none }
    return large > 0 ? .pteLargeFolio : .pte
  }
}
