/// How often the generator picks each kind of command: relative weights (0 turns a kind off).
///
/// ``standard`` is the default of `hmmkit fuzz`; ``adversarial`` also generates the classes
/// that other open issues are fixing (commands on objects whose process exited, huge sizes,
/// zero-length ranges, `align=0`, ranges ending at 2^64, hugetlb edge cases), see
/// docs/fuzzing.md.
public struct FuzzProfile: Sendable, Hashable {
  /// The profile's name (`standard`, `adversarial`).
  public var name: String
  /// Weights by command kind.
  public var weights: [FuzzCommandKind: Int]
  /// Percent of ranges that are unusual: zero length, ending at 2^64, `align=0`.
  public var oddRangePercent = 0
  /// Percent of device and dmirror commands that name an object whose process has exited.
  public var afterExitPercent = 0
  /// Largest CPU or device access the generator makes (bytes).
  public var maximumAccess: UInt64 = 8 << 20
  /// Largest access that carries data (`pattern=`, dmirror and differential reads): data costs
  /// host memory and copying per byte, faults do not.
  public var maximumData: UInt64 = 64 << 10
  /// Percent of cases on a machine large enough for 1 GiB pages (2 GiB of memory).
  public var largeMachinePercent = 2

  /// Creates a profile.
  public init(name: String, weights: [FuzzCommandKind: Int]) {
    self.name = name
    self.weights = weights
  }

  /// The default profile: every command, with the classes other issues are fixing turned down
  /// (hugetlb mremap and hugetlb cuts, after-exit use, huge sizes).
  public static let standard: FuzzProfile = {
    var weights: [FuzzCommandKind: Int] = [:]
    for kind in FuzzCommandKind.allCases { weights[kind] = kind.defaultWeight }
    return FuzzProfile(name: "standard", weights: weights)
  }()

  /// Everything, including the classes ``standard`` turns down.
  public static let adversarial: FuzzProfile = {
    var profile = standard
    profile.name = "adversarial"
    profile.weights[.mmapHugetlb] = 4
    profile.weights[.fileHugetlb] = 2
    profile.oddRangePercent = 5
    profile.afterExitPercent = 20
    profile.maximumAccess = 1 << 30
    profile.maximumData = 4 << 20
    profile.largeMachinePercent = 15
    return profile
  }()

  /// The default of `hmmkit crosscheck --fuzz`: ``standard`` with anonymous 2M hugetlb mappings
  /// and 2M hugetlbfs files (and so a 2M pool) too, as the kernel crosscheck reproduces them
  /// (hugetlbfs files as `MFD_HUGETLB` memfds).
  public static let kernel: FuzzProfile = {
    var profile = standard
    profile.name = "kernel"
    profile.weights[.mmapHugetlb] = 2
    profile.weights[.fileHugetlb] = 1
    return profile
  }()

  /// The profile named `name`, if any.
  public static func named(_ name: String) -> FuzzProfile? {
    switch name {
    case "standard", "default": standard
    case "adversarial", "full": adversarial
    case "kernel": kernel
    default: nil
    }
  }
}

/// The kinds of command the generator picks from.
public enum FuzzCommandKind: String, Sendable, Hashable, CaseIterable {
  /// `mmap` of private or shared anonymous memory.
  case mmapAnon
  /// `mmap file=F` of a regular, shmem or hugetlbfs file.
  case mmapFile
  /// `mmap hugetlb=2M|1G`.
  case mmapHugetlb
  /// `file F size=...` (regular, shmem, huge) and `file F write`.
  case file
  /// `file F size=... hugetlb=...`.
  case fileHugetlb
  /// `munmap`.
  case munmap
  /// `mprotect`.
  case mprotect
  /// `madvise` with every advice.
  case madvise
  /// `mremap` with every flag.
  case mremap
  /// `fork`.
  case fork
  /// `exit` (and a new `process` when none is left).
  case exit
  /// CPU `read`.
  case read
  /// CPU `write` with patterns.
  case write
  /// `collapse`.
  case collapse
  /// `split`.
  case split
  /// `system thp=` changes.
  case system
  /// `device` definitions and `mirror`.
  case device
  /// Device `read`/`write` (and the policy differential's paired reads).
  case deviceAccess
  /// dmirror `open`, ioctls (read, write, migrate, migrate-back, exclusive, ...) and `close`.
  case dmirror
  /// `hmm` and `notifier`.
  case hmm

  /// The weight in ``FuzzProfile/standard``.
  var defaultWeight: Int {
    switch self {
    case .mmapAnon: 8
    case .mmapFile: 3
    case .mmapHugetlb: 0
    case .file: 2
    case .fileHugetlb: 0
    case .munmap: 4
    case .mprotect: 5
    case .madvise: 8
    case .mremap: 4
    case .fork: 3
    case .exit: 1
    case .read: 8
    case .write: 10
    case .collapse: 2
    case .split: 1
    case .system: 1
    case .device: 2
    case .deviceAccess: 10
    case .dmirror: 2
    case .hmm: 2
    }
  }
}
