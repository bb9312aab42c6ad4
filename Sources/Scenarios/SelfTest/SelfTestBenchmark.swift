/// `benchmark_thp_migration`'s scenario, written out from its parameters: the default run's
/// file in `Scenarios/hmm-tests` (six sizes, the warm-up round trip and one timed one, so that
/// `swift test` stays fast) and the full version `hmmkit selftest --full` runs in its place
/// (all seven sizes of the test, thp/4 to 128 * thp, the warm-up and five timed round trips, as
/// `run_migration_benchmark()` makes them).
public enum SelfTestBenchmark {
  /// The test's name in the catalogue.
  public static let test = "benchmark_thp_migration"
  /// The sizes of the default run (the 256M case is left out).
  public static let defaultSizes: [UInt64] = [512 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20, 16 << 20]
  /// Every size of the test: thp/4, thp/2, thp, 2, 4, 8 and 128 * thp with 2M THPs.
  public static let fullSizes: [UInt64] = defaultSizes + [256 << 20]
  /// Timed round trips of the test (`iterations = 5`).
  public static let fullRounds = 5

  /// The scenario of variant `hmm_device_private` or `hmm_device_coherent`: default (as the
  /// file in the suite holds it) or full.
  public static func scenario(variant: String, full: Bool) -> String {
    let coherent = variant == "hmm_device_coherent"
    let device = coherent ? 2 : 0
    let sizes = full ? fullSizes : defaultSizes
    let rounds = full ? fullRounds : 1
    var lines = [
      "# hmm.\(variant).\(test)",
      "# Port of TEST_F(hmm, \(test)) in tools/testing/selftests/mm/hmm-tests.c, variant \(variant): /dev/hmm_dmirror\(device) (\(coherent ? "device-coherent" : "device-private")).",
      "# THP vs 4K migration benchmark: every MIGRATE_TO_DEV / MIGRATE_TO_SYS returns 0.",
      "# Simplified:",
      "#   A benchmark: its only assertions are that every step of run_migration_benchmark() returns 0.",
    ]
    if full {
      lines.append("#   This is the full version ('hmmkit selftest --full'): all seven sizes, 512K to 256M, the warm-up")
      lines.append("#   round trip plus 5 timed round trips, as the test makes them (no timing in the model);")
    } else {
      lines.append("#   Sizes 512K, 1M, 2M, 4M, 8M, 16M of the test's thp/4 ... 128*thp (the 256M case is left out to keep swift test fast);")
      lines.append("#   the warm-up round trip plus 1 timed round trip(s) instead of 5 (no timing in the model;")
      lines.append("#   'hmmkit selftest --full' runs all seven sizes and 5 round trips);")
    }
    lines.append("#   the buffer holds ptr[i] = i rather than i & 0xFF (never read back).")
    lines += ["", "process T", "T: fd = open hmm_dmirror\(device)"]
    for size in sizes {
      for thp in [true, false] {
        let text = SizeFormatter.string(size)
        let name = "b\(text)\(thp ? "t" : "n")"
        lines += [
          "", "# \(text) \(thp ? "with" : "without") THP",
          "T: \(name) = mmap \(text) rw private anon",
          "T: madvise \(name) \(text) \(thp ? "hugepage" : "nohugepage")",
          "T: write \(name) \(text) pattern=index",
        ]
        for round in 0...rounds {
          lines.append("fd: migrate \(name) \(text)" + (round == 0 ? " buffer=0xFF" : ""))
          lines.append("expect fd ret == 0")
          lines.append("fd: migrate-back \(name) \(text)")
          lines.append("expect fd ret == 0")
        }
        lines.append("T: munmap \(name) \(text)")
      }
    }
    lines += ["", "# FIXTURE_TEARDOWN(hmm): close() returns 0.", "fd: close", "expect fd ret == 0"]
    return lines.joined(separator: "\n") + "\n"
  }
}
