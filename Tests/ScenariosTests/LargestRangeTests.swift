import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every command over the largest ranges the language accepts, run by the `hmmkit` binary in a
/// child process (one grandchild per file) whose peak memory `wait4` reports: nothing traps,
/// hangs or grows with the simulated size.
@Suite struct LargestRangeTests {
  static let prelude = """
    system memory=64M
    process A
    A: b = mmap 4M rw private anon
    A: write b 4M pattern=index
    A: big = mmap 100T rw private anon
    A: write big 4K
    device gpu pages=xe
    gpu: mirror A
    A: fd = open hmm_dmirror0
    notifier n insert A b 4M

    """

  /// Commands that cost at most what exists (the CPU and device reads and faults of a huge
  /// mapping touch every page, as Linux's would, so they run only over ranges that fail early).
  static func commands(_ r: String, touching: Bool) -> [String] {
    var list = [
      "A: mprotect \(r) rw", "A: madvise \(r) hugepage", "A: madvise \(r) collapse", "A: x = mremap \(r) 4K",
      "A: collapse \(r)", "A: snapshot \(r)", "expect A snapshot \(r) == none", "hmm A \(r)", "expect hmm A \(r) == none",
      "notifier m insert A \(r)", "gpu: snapshot \(r)", "fd: read \(r)", "fd: write \(r) pattern=0x01", "fd: snapshot \(r)",
      "fd: migrate \(r)", "fd: migrate-back \(r)", "fd: exclusive \(r)", "fd: check-exclusive \(r)", "fd: read \(r) buffer=0x01",
      "A: madvise \(r) free", "A: madvise \(r) dontneed",
    ]
    if touching {
      list += [
        "A: read \(r)", "A: write \(r)", "A: write \(r) pattern=0x01", "A: read \(r) expect=0x01", "hmm A \(r) fault=read",
        "gpu: read \(r)", "gpu: read \(r) expect=0x01", "gpu: write \(r)", "gpu: write \(r) pattern=0x02",
        "gpu: read \(r) order=random seed=1", "fd: release \(r)",
      ]
    }
    return list + ["A: munmap \(r)"]
  }

  /// The `hmmkit` binary next to the test bundle.
  static var hmmkit: String {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hmmkit").path
  }

  @Test func everyCommandOverTheLargestRangesStaysSmallAndFinishes() throws {
    let directory = NSTemporaryDirectory() + "hmmkit-largest-\(getpid())"
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let ranges = [("whole", "0 0xfffffffffffff000", true), ("half", "b 0x8000000000000000", true), ("mapped", "big 100T", false)]
    for (name, range, touching) in ranges {
      // Each command may fail (the next line allows it), but none may stop the file.
      let body = Self.commands(range, touching: touching).map { $0.hasPrefix("expect ") ? "\($0)\n" : "\($0)\nexpect error\n" }.joined()
      try (Self.prelude + body).write(toFile: "\(directory)/\(name).hmm", atomically: true, encoding: .utf8)
    }
    let binary = Self.hmmkit
    try #require(FileManager.default.isExecutableFile(atPath: binary), "build hmmkit first (swift build)")
    let output = directory + "/out.json"
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let arguments = [binary, "run", "--json", "--timeout", "120", directory]
    var argv = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    #expect(posix_spawn(&pid, binary, &actions, nil, &argv, environ) == 0)
    var status: Int32 = 0
    var usage = rusage()
    #expect(wait4(pid, &status, 0, &usage) == pid)
    let exited = status & 0x7f == 0
    #expect(exited, "hmmkit died with signal \(status & 0x7f)")
    let code = (status >> 8) & 0xff
    #expect(code == 0 || code == 1, "exit status \(code)")
    // ru_maxrss (KiB) covers the waited-for descendants: the per-file children.
    #expect(usage.ru_maxrss < 1 << 20, "peak resident memory \(usage.ru_maxrss) KiB")
    let data = try #require(FileManager.default.contents(atPath: output))
    let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let files = try #require(document["files"] as? [[String: Any]])
    #expect(files.count == ranges.count)
    for file in files {
      let steps = file["steps"] as? [[String: Any]] ?? []
      let diagnostics = (file["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
      #expect(diagnostics.isEmpty, "\(file["file"] ?? ""): \(diagnostics)")
      #expect(!steps.isEmpty && !steps.contains { $0["status"] as? String == "skipped" }, "\(file["file"] ?? "") stopped early")
    }
  }
}
