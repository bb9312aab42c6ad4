/// The tests of `tools/testing/selftests/mm/hmm-tests.c`, in the order the kselftest harness
/// runs them, and their scenario files.
///
/// The harness runs fixture by fixture (`hmm`, then `hmm2`), variant by variant (in
/// `FIXTURE_VARIANT_ADD` order: private, then coherent), and within a variant every `TEST_F`
/// of the fixture in file order. A test's TAP name is `FIXTURE.VARIANT.TEST`
/// (`hmm.hmm_device_private.anon_read`) and its scenario file is that name plus `.hmm`.
public enum SelfTestCatalogue {
  /// One `TEST_F` of the catalogue.
  public struct Entry: Sendable, Hashable {
    /// `hmm` or `hmm2`.
    public var fixture: String
    /// The test's name (`anon_read`).
    public var test: String
  }

  /// The `TEST_F`s in file order (38).
  public static let tests: [Entry] = [
    ("hmm", "open_close"), ("hmm", "anon_read"), ("hmm", "anon_read_prot"), ("hmm", "anon_write"),
    ("hmm", "anon_write_prot"), ("hmm", "anon_write_child"), ("hmm", "anon_write_child_shared"),
    ("hmm", "anon_write_huge"), ("hmm", "anon_write_hugetlbfs"), ("hmm", "file_read"), ("hmm", "file_write"),
    ("hmm", "migrate"), ("hmm", "migrate_file_private"), ("hmm", "migrate_fault"), ("hmm", "migrate_release"),
    ("hmm", "migrate_shared"), ("hmm2", "migrate_mixed"), ("hmm", "migrate_multiple"), ("hmm", "anon_read_multiple"),
    ("hmm", "anon_teardown"), ("hmm", "mixedmap"), ("hmm2", "snapshot"), ("hmm", "compound"), ("hmm2", "double_map"),
    ("hmm", "exclusive"), ("hmm", "exclusive_mprotect"), ("hmm", "exclusive_cow"), ("hmm", "hmm_gup_test"),
    ("hmm", "hmm_cow_in_device"), ("hmm", "migrate_anon_huge_empty"), ("hmm", "migrate_anon_huge_zero"),
    ("hmm", "migrate_anon_huge_free"), ("hmm", "migrate_anon_huge_fault"), ("hmm", "migrate_partial_unmap_fault"),
    ("hmm", "migrate_remap_fault"), ("hmm", "migrate_anon_huge_err"), ("hmm", "migrate_anon_huge_zero_err"),
    ("hmm", "benchmark_thp_migration"),
  ].map { Entry(fixture: $0.0, test: $0.1) }

  /// The variants of each fixture, in harness order.
  public static let variants: [(fixture: String, variants: [String])] = [
    ("hmm", ["hmm_device_private", "hmm_device_coherent"]),
    ("hmm2", ["hmm2_device_private", "hmm2_device_coherent"]),
  ]

  /// Every test and variant in harness order (76 names such as
  /// `hmm.hmm_device_private.anon_read`).
  public static let names: [String] = variants.flatMap { fixture, variants in
    variants.flatMap { variant in
      tests.filter { $0.fixture == fixture }.map { "\(fixture).\(variant).\($0.test)" }
    }
  }
}
