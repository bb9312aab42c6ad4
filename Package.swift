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
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    // Sweep results in SQLite (docs/sweeps.md); uses the system SQLite (libsqlite3-dev).
    .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
  ],
  targets: [
    // The model's state lives in arrays held by classes; Swift's dynamic exclusivity checks
    // on them cost about half of a page fault's instructions (see Benchmarks/README.md), so
    // release builds turn them off. Debug builds (and so the tests) keep them.
    .target(
      name: "MemoryModel",
      swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
    .target(name: "HMM", dependencies: ["MemoryModel"]),
    .target(name: "DeviceMirror", dependencies: ["HMM", "MemoryModel"]),
    .target(name: "Workloads", dependencies: ["DeviceMirror", "HMM", "MemoryModel"]),
    .target(name: "Scenarios", dependencies: ["MemoryModel", "HMM", "DeviceMirror"]),
    .target(name: "LiveLinux", dependencies: ["HMM", "MemoryModel"]),
    .target(name: "Crosscheck", dependencies: ["Scenarios", "LiveLinux", "MemoryModel"]),
    .target(name: "Fuzzing", dependencies: ["Scenarios", "Crosscheck"]),
    .target(name: "Exploration", dependencies: ["Scenarios", "HMM", "MemoryModel"]),
    .target(name: "Sweeps", dependencies: ["Workloads", .product(name: "GRDB", package: "GRDB.swift")]),
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
    .testTarget(name: "CrosscheckTests", dependencies: ["Crosscheck", "Scenarios", "LiveLinux", "MemoryModel"]),
    .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing", "Scenarios", "LiveLinux"]),
    .testTarget(name: "ExplorationTests", dependencies: ["Exploration", "Scenarios", "HMM"]),
    .testTarget(name: "SweepsTests", dependencies: ["Sweeps", "Workloads"]),
  ]
)
