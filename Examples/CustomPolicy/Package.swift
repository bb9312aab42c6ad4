// swift-tools-version: 6.1
// A package outside HMMKit that depends on it by version, as a driver developer's would.
// HMMKIT_URL names the HMMKit git repository (default: the checkout this example sits in) and
// HMMKIT_VERSION the lowest version accepted (default 0.1.0); the repository needs a tag at or
// above it. `.ci/run` clones the checkout, tags the clone and sets both.
import Foundation
import PackageDescription

let environment = ProcessInfo.processInfo.environment
let enclosingCheckout = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let hmmkitURL = environment["HMMKIT_URL"] ?? enclosingCheckout.absoluteString
let hmmkitVersion = Version(environment["HMMKIT_VERSION"] ?? "0.1.0") ?? "0.1.0"
// SwiftPM names a dependency by the last component of its URL (without `.git`), whatever the
// directory of the checkout is called.
let hmmkitPackage = URL(fileURLWithPath: hmmkitURL).deletingPathExtension().lastPathComponent

let package = Package(
  name: "CustomPolicy",
  products: [.library(name: "CustomPolicy", targets: ["CustomPolicy"])],
  dependencies: [.package(url: hmmkitURL, from: hmmkitVersion)],
  targets: [
    .target(
      name: "CustomPolicy",
      dependencies: [
        .product(name: "DeviceMirror", package: hmmkitPackage),
        .product(name: "HMM", package: hmmkitPackage),
        .product(name: "MemoryModel", package: hmmkitPackage),
      ]),
    .testTarget(
      name: "CustomPolicyTests",
      dependencies: [
        "CustomPolicy",
        .product(name: "DeviceMirror", package: hmmkitPackage),
        .product(name: "MemoryModel", package: hmmkitPackage),
      ]),
  ]
)
