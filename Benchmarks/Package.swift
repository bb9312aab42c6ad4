// swift-tools-version: 6.1
//
// Benchmarks for HMMKit, kept in their own package (as swift-nio does) so that a plain
// `swift build` / `swift test` of the main package never compiles ordo-one/benchmark.
//
// Run from this directory:
//
//     swift package --disable-sandbox benchmark
//
// See README.md for the numbers and how to compare against a baseline.
import PackageDescription

let package = Package(
  name: "Benchmarks",
  dependencies: [
    // The main package, by path. `name:` pins the package name used in `.product(package:)`
    // whatever the checkout directory is called.
    .package(name: "HMMKit", path: "../"),
    // `MallocInterposer` only: the default traits also pull in swift-runtime-interposer on
    // Linux with Swift 6.3, which is not available on this machine.
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
  ],
  targets: []
)

// Benchmarks of the MemoryModel hot paths: the fault path, snapshot and page-table walks.
package.targets += [
  .executableTarget(
    name: "MemoryModelBenchmarks",
    dependencies: [
      .product(name: "Benchmark", package: "benchmark"),
      .product(name: "MemoryModel", package: "HMMKit"),
    ],
    path: "Benchmarks/MemoryModelBenchmarks",
    plugins: [
      .plugin(name: "BenchmarkPlugin", package: "benchmark")
    ]
  )
]

// Workloads: device accesses simulated per second for a stream over 16 GiB mirrored with THP.
package.targets += [
  .executableTarget(
    name: "WorkloadBenchmarks",
    dependencies: [
      .product(name: "Benchmark", package: "benchmark"),
      .product(name: "DeviceMirror", package: "HMMKit"),
      .product(name: "Workloads", package: "HMMKit"),
      .product(name: "MemoryModel", package: "HMMKit"),
    ],
    path: "Benchmarks/WorkloadBenchmarks",
    plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
  )
]

// Benchmarks of HMM (hmm_range_fault, run builders) and of devices (TLB hits, device faults,
// migration).
package.targets += [
  .executableTarget(
    name: "HMMBenchmarks",
    dependencies: [
      .product(name: "Benchmark", package: "benchmark"),
      .product(name: "HMM", package: "HMMKit"),
      .product(name: "MemoryModel", package: "HMMKit"),
    ],
    path: "Benchmarks/HMMBenchmarks",
    plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
  ),
  .executableTarget(
    name: "DeviceBenchmarks",
    dependencies: [
      .product(name: "Benchmark", package: "benchmark"),
      .product(name: "DeviceMirror", package: "HMMKit"),
      .product(name: "HMM", package: "HMMKit"),
      .product(name: "MemoryModel", package: "HMMKit"),
    ],
    path: "Benchmarks/DeviceBenchmarks",
    plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
  ),
]

// Model-only fuzzing throughput (`hmmkit fuzz`'s hot loop).
package.targets += [
  .executableTarget(
    name: "FuzzingBenchmarks",
    dependencies: [
      .product(name: "Benchmark", package: "benchmark"),
      .product(name: "Fuzzing", package: "HMMKit"),
    ],
    path: "Benchmarks/FuzzingBenchmarks",
    plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
  )
]

// The fault path with 64 KiB multi-size THP (issue 12).
package.targets += [
  .executableTarget(
    name: "MTHPBenchmarks",
    dependencies: [
      .product(name: "Benchmark", package: "benchmark"),
      .product(name: "MemoryModel", package: "HMMKit"),
    ],
    path: "Benchmarks/MTHPBenchmarks",
    plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
  )
]

// `hmmkit explore`'s engine: interleavings per second on hmm-tests' anon_teardown.
package.targets += [
  .executableTarget(
    name: "ExplorationBenchmarks",
    dependencies: [
      .product(name: "Benchmark", package: "benchmark"),
      .product(name: "Exploration", package: "HMMKit"),
      .product(name: "Scenarios", package: "HMMKit"),
    ],
    path: "Benchmarks/ExplorationBenchmarks",
    plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
  )
]

// The C reference for hmm_range_fault() (a straightforward walk of an x86-64 page table into
// Linux-encoded hmm_pfns) and the benchmark that measures it beside HMM.rangeFault in one run
// (issue 16).
package.targets += [
  .target(
    name: "HMMReferenceWalk",
    path: "Benchmarks/HMMReferenceWalk"
  ),
  .executableTarget(
    name: "ReferenceBenchmarks",
    dependencies: [
      "HMMReferenceWalk",
      .product(name: "Benchmark", package: "benchmark"),
      .product(name: "DeviceMirror", package: "HMMKit"),
      .product(name: "HMM", package: "HMMKit"),
      .product(name: "MemoryModel", package: "HMMKit"),
    ],
    path: "Benchmarks/ReferenceBenchmarks",
    plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
  ),
]
