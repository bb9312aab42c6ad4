import HMM
import LiveLinux
import MemoryModel
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Live mode on 64K mTHP memory of the test process: hugepages-64kB set to `always` for the
/// test (under KernelSettingsGuard, restored at once), then inspected. Skipped with the reason
/// when not root, without THP, or without the per-size setting (kernels before 6.8).
extension LiveProcessTests {
  @Suite(.serialized) struct LiveMTHPTests {
    static let knob = "/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled"

    @Test func inspectOf64KMTHPMemoryShowsOrder4Folios() throws {
      try LiveEnvironment.requireLiveTHP()
      guard KernelSettingsGuard.read(Self.knob) != nil else {
        let reason = "live test skipped: \(Self.knob) does not exist (no mTHP in this kernel)"
        print(reason)
        try Test.cancel(Comment(rawValue: reason))
      }
      // The setting is read and compared under the settings lock: another HMMKit process (a
      // crosscheck) may change it while it holds the lock, and puts it back before it lets go.
      let guardian = KernelSettingsGuard()
      defer { guardian.restore() }
      try guardian.hold()
      let before = KernelSettingsGuard.read(Self.knob)
      try guardian.set(Self.knob, to: "always")
      let mapping = try AnonymousMapping(size: 1 << 20, alignment: 64 << 10)
      mapping.write()
      guardian.restore()
      try guardian.hold()
      #expect(KernelSettingsGuard.read(Self.knob) == before, "the setting is restored")
      guardian.restore()
      let range = try InspectionRange(start: mapping.start, end: mapping.end)
      let snapshot = try ProcessInspector(options: InspectionOptions(range: range)).snapshot()
      let runs = snapshot.runs.filter(\.isPresent)
      #expect(runs.reduce(0) { $0 + $1.size } == 1 << 20)
      // Every page is PTE-mapped in an order-4 folio; hmm_range_fault() reports order 0.
      #expect(runs.allSatisfy { $0.mapOrder == 0 && $0.folio?.order == 4 && $0.hmm.mapOrder == 0 })
      #expect(Set(runs.compactMap { $0.folio?.head }).count == 16)
      let statistics = snapshot.folioOrderStatistics
      #expect(statistics.anonymous.folios[4] == 16)
      #expect(statistics.anonymous.pteAligned[4] == 1 << 20)
      #expect(statistics.anonymous.contPTEAligned[4] == 1 << 20)
      #expect(snapshot.textReport().contains("anon-thp-pte-aligned-64kB") && snapshot.textReport().contains("anon-folios-64kB"))
      // Unmapping 4K of one folio leaves it partly mapped.
      _ = munmap(UnsafeMutableRawPointer(bitPattern: UInt(mapping.start.rawValue + 4096)), 4096)
      let after = try ProcessInspector(options: InspectionOptions(range: range)).snapshot().folioOrderStatistics
      #expect(after.anonymous.ptePartial[4] == 60 << 10)
      #expect(after.anonymous.pteAligned[4] == 15 << 16)
      withExtendedLifetime(mapping) {}
    }
  }
}
