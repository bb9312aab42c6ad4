// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "HMMKit",
  products: [
    .library(name: "MemoryModel", targets: ["MemoryModel"]),
    .library(name: "HMM", targets: ["HMM"]),
    .library(name: "DeviceMirror", targets: ["DeviceMirror"]),
    .library(name: "Workloads", targets: ["Workloads"]),
    .library(name: "Scenarios", targets: ["Scenarios"]),
    .library(name: "LiveLinux", targets: ["LiveLinux"]),
    .library(name: "Crosscheck", targets: ["Crosscheck"]),
    .library(name: "Fuzzing", targets: ["Fuzzing"]),
    .library(name: "Exploration", targets: ["Exploration"]),
    .library(name: "Sweeps", targets: ["Sweeps"]),
    .executable(name: "hmmkit", targets: ["HMMKitCLI"]),
    // capi (issue 17): the kernel's HMM API in C, libhmmkit.so (docs/c-api.md).
    .library(name: "HMMKitC", type: .dynamic, targets: ["HMMKitCAPI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    // Sweep results in SQLite (docs/sweeps.md); uses the system SQLite (libsqlite3-dev).
    .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
  ],
  targets: [
    .target(name: "MemoryModel"),
    .target(name: "HMM", dependencies: ["MemoryModel"]),
    .target(name: "DeviceMirror", dependencies: ["HMM", "MemoryModel"]),
    .target(name: "Workloads", dependencies: ["DeviceMirror", "HMM", "MemoryModel", "HMMKitJSON"]),
    .target(name: "Scenarios", dependencies: ["MemoryModel", "HMM", "DeviceMirror", "HMMKitJSON"]),
    .target(name: "LiveLinux", dependencies: ["HMM", "MemoryModel", "HMMKitJSON"]),
    .target(name: "Crosscheck", dependencies: ["Scenarios", "LiveLinux", "MemoryModel"]),
    // The one JSON tree (ordered keys, strings encoded by Foundation) of reports and snapshots.
    .target(name: "HMMKitJSON"),
    .target(name: "Fuzzing", dependencies: ["Scenarios", "Crosscheck"]),
    .target(name: "Exploration", dependencies: ["Scenarios", "HMM", "MemoryModel"]),
    .target(name: "Sweeps", dependencies: ["Workloads", .product(name: "GRDB", package: "GRDB.swift")]),
    // capi (issue 17): <hmmkit/hmm.h> and the Swift side of libhmmkit.
    .target(name: "CHMMKit"),
    .target(
      name: "HMMKitCAPI",
      dependencies: ["CHMMKit", "MemoryModel", "HMM", "DeviceMirror", "Scenarios", "Fuzzing"]),
    .executableTarget(
      name: "HMMKitCLI",
      dependencies: [
        "MemoryModel", "HMM", "DeviceMirror", "Scenarios", "LiveLinux", "Crosscheck", "Fuzzing", "Exploration", "Workloads",
        "Sweeps",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(name: "MemoryModelTests", dependencies: ["MemoryModel"]),
    .testTarget(name: "HMMTests", dependencies: ["HMM", "MemoryModel"]),
    .testTarget(name: "DeviceMirrorTests", dependencies: ["DeviceMirror", "HMM", "MemoryModel"]),
    .testTarget(name: "WorkloadsTests", dependencies: ["Workloads", "DeviceMirror", "HMM", "MemoryModel"]),
    .testTarget(name: "LiveLinuxTests", dependencies: ["LiveLinux", "HMM", "MemoryModel"]),
    .testTarget(name: "ScenariosTests", dependencies: ["Scenarios", "MemoryModel"]),
    .testTarget(name: "HMMKitJSONTests", dependencies: ["HMMKitJSON"]),
    .testTarget(name: "CrosscheckTests", dependencies: ["Crosscheck", "Scenarios", "LiveLinux", "MemoryModel"]),
    .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing", "Scenarios", "LiveLinux"]),
    .testTarget(name: "ExplorationTests", dependencies: ["Exploration", "Scenarios", "HMM"]),
    .testTarget(name: "SweepsTests", dependencies: ["Sweeps", "Workloads"]),
    // capi (issue 17): compiles Examples/c-driver with cc against libhmmkit and runs it.
    .testTarget(name: "CAPITests", dependencies: ["HMMKitCAPI"]),
  ]
)

// `swift package generate-documentation`: the DocC catalogs under Sources/*/*.docc.
package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"))
