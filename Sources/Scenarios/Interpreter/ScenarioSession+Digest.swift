import DeviceMirror
import MemoryModel

extension ScenarioSession {
  /// A digest of the machine's state now, for comparing two builds' runs of the same commands
  /// step by step (`hmmkit fuzz --trace`): the VM event counters; each address space's pid,
  /// VMAs, resident-page counts and every page-table entry; each device's counters, mappings
  /// and cached translations. `frames` adds every allocated frame's folio, counts, flags and
  /// contents (costs O(frames)). The same state gives the same digest in every process (FNV-1a,
  /// not the seeded `Hasher`).
  public func stateDigest(frames: Bool = false) -> UInt64 {
    var digest = StateDigest()
    guard interpreter.hasMachine else { return digest.value }
    let system = interpreter.system
    digest.add(String(describing: system.events))
    for space in system.addressSpaces {
      digest.add("\(space.pid) \(space.name) \(space.hasExited) \(space.residentPages)")
      for vma in space.vmas { digest.add(vma.description) }
      var visitor = EntryDigest(digest: digest)
      space.pageTable.walk(VirtualAddress(0), VirtualAddress(1 << 47), &visitor)
      digest = visitor.digest
    }
    for name in interpreter.devices.devices.keys.sorted() {
      guard let device = interpreter.devices.devices[name] else { continue }
      digest.add("\(name) \(device.counters)")
      for mapping in device.deviceMappings { digest.add(mapping.description) }
      for entry in device.cachedTranslations { digest.add(entry.start.rawValue, UInt64(entry.size.bytes)) }
    }
    if frames {
      let memory = system.memory
      digest.add(UInt64(memory.frameCount), UInt64(memory.framesWithContents))
      for raw in 0..<UInt64(memory.frameCount) {
        let pfn = PFN(raw)
        guard memory.isAllocated(pfn) else { continue }
        let head = memory.folioHead(of: pfn)
        digest.add(raw, head.rawValue)
        digest.add(UInt64(memory.pteMapCount(of: pfn)), memory.isAnonExclusive(pfn) ? 1 : 0)
        if head == pfn {
          digest.add("\(memory.kind(of: pfn)) \(memory.order(ofFolio: pfn)) \(memory.referenceCount(ofFolio: pfn)) \(memory.entireMapCount(ofFolio: pfn))")
        }
        switch memory.page(pfn) {
        case .filled(let value): digest.add(1, UInt64(value))
        case .words(let first, let step): digest.add(UInt64(first), UInt64(step))
        case .bytes(let bytes): for byte in bytes { digest.add(byte) }
        }
      }
    }
    return digest.value
  }
}

/// FNV-1a over bytes, words and strings.
private struct StateDigest {
  var value: UInt64 = 0xCBF2_9CE4_8422_2325

  mutating func add(_ byte: UInt8) {
    value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
  }

  mutating func add(_ words: UInt64...) {
    for word in words {
      for shift in stride(from: 0, to: 64, by: 8) { add(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
    }
  }

  mutating func add(_ text: String) {
    for byte in text.utf8 { add(byte) }
    add(0)
  }
}

/// Adds every PTE run's and leaf's entries (with their addresses) to a digest.
private struct EntryDigest: PageTableVisitor {
  var digest: StateDigest

  mutating func visitPTEs(_ entries: UnsafeBufferPointer<PageTableEntry>, start: VirtualAddress) -> WalkControl {
    for (index, entry) in entries.enumerated() where entry.rawValue != 0 {
      digest.add(start.rawValue + UInt64(index) << 12, entry.rawValue)
    }
    return .continue
  }

  mutating func visitLeaf(_ entry: PageTableEntry, level: PageTableLevel, start: VirtualAddress, end: VirtualAddress) -> WalkControl {
    digest.add(start.rawValue, end.rawValue, entry.rawValue)
    return .continue
  }

  mutating func visitHole(start: VirtualAddress, end: VirtualAddress, level: PageTableLevel) -> WalkControl { .continue }
}
