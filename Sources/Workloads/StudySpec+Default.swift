extension StudySpec {
  /// The built-in study: THP-backed memory streamed, chased and gathered by a device, one of
  /// the workloads after the CPU made one page per 2 MiB read-only (so the THPs are PTE-mapped
  /// and the folio-order policy oversteps), under the plain policies and the driver presets.
  public static var defaultStudy: StudySpec {
    let region = RegionSpec(size: ByteCount(16 << 20), thp: true, populate: true)
    return StudySpec(
      name: "default", seed: 1, memory: ByteCount(512 << 20),
      workloads: [
        WorkloadSpec(name: "stream", pattern: .sequential, regions: [region], accesses: 8_192, accessSize: 4096),
        WorkloadSpec(name: "zipf", pattern: .zipf, regions: [region], accesses: 8_192, accessSize: 64),
        WorkloadSpec(name: "gather", pattern: .gather, regions: [RegionSpec(size: ByteCount(4 << 20)), region], accesses: 8_192),
        WorkloadSpec(name: "stream-split", pattern: .sequential, regions: [region], accesses: 4_096, accessSize: 4096,
                     cpu: [CPUEventSpec(op: .mprotect, at: 0, offset: ByteCount(1 << 20), length: 4096, every: ByteCount(2 << 20))]),
      ],
      policies: ["base", "map-order", "folio-order", "gpusvm", "nouveau", "amdkfd", "uvm-hmm"])
  }

  /// A small study for `hmmkit demo`.
  public static var demoStudy: StudySpec {
    var study = defaultStudy
    study.name = "demo"
    study.workloads = [study.workloads[0], study.workloads[3]]
    study.workloads[0].accesses = 4096
    study.workloads[1].accesses = 2048
    study.policies = ["base", "map-order", "folio-order", "gpusvm"]
    return study
  }
}
