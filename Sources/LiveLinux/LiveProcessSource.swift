#if canImport(Glibc)
import Glibc
#endif
import MemoryModel

/// Reads a real process through `/proc`: `maps`, `smaps`, `pagemap` (with `pread` of whole
/// ranges), the `PAGEMAP_SCAN` ioctl on the `pagemap` file, and `/proc/kpageflags`. It never
/// writes to the process.
public final class LiveProcessSource: ProcessMemorySource {
  /// The process ID.
  public let processID: Int32
  /// `/proc/PID` (or `/proc/self`).
  public let directory: String
  private let pagemapFD: Int32
  private var pageFlagsFD: Int32?
  private let isSelf: Bool

  /// `PAGEMAP_SCAN`: `_IOWR('f', 16, struct pm_scan_arg)` with the 96-byte `pm_scan_arg` of Linux 6.7.
  public static let pagemapScanRequest: UInt = 0xC060_6610
  /// The size of `struct pm_scan_arg` (12 `__u64`).
  static let scanArgumentSize: UInt64 = 96
  /// Regions asked for per ioctl.
  static let regionsPerCall = 1024

  /// Opens the process `pid`, or this process when `pid` is nil.
  /// - Throws: ``LiveLinuxError/noSuchProcess(pid:)``, ``LiveLinuxError/permissionDenied(path:)``,
  ///   ``LiveLinuxError/notLinux``.
  public init(pid: Int32? = nil) throws(LiveLinuxError) {
    #if os(Linux)
    if let pid, pid <= 0 { throw .badProcessID(String(pid)) }
    isSelf = pid == nil || pid == getpid()
    processID = pid ?? getpid()
    directory = isSelf ? "/proc/self" : "/proc/\(processID)"
    if access(directory, F_OK) != 0 {
      throw ProcFile.error(errno, path: directory, pid: processID)
    }
    pagemapFD = try ProcFile.open(directory + "/pagemap", pid: processID)
    #else
    throw .notLinux
    #endif
  }

  deinit {
    #if canImport(Glibc)
    close(pagemapFD)
    if let pageFlagsFD { close(pageFlagsFD) }
    #endif
  }

  /// `uname -r`.
  public var kernelRelease: String? {
    #if canImport(Glibc)
    var name = utsname()
    guard uname(&name) == 0 else { return nil }
    return withUnsafeBytes(of: name.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    #else
    return nil
    #endif
  }

  /// `/proc/PID/comm` without its newline.
  public func readCommand() -> String? {
    guard let text = try? ProcFile.readText(directory + "/comm", pid: processID) else { return nil }
    return text.hasSuffix("\n") ? String(text.dropLast()) : text
  }

  /// `/proc/PID/maps`.
  public func readMaps() throws(LiveLinuxError) -> String {
    try ProcFile.readText(directory + "/maps", pid: processID)
  }

  /// `/proc/PID/smaps`.
  public func readSmaps() throws(LiveLinuxError) -> String {
    try ProcFile.readText(directory + "/smaps", pid: processID)
  }

  /// One `pread` of `buffer.count` entries of `/proc/PID/pagemap`.
  public func readPagemap(firstPage: UInt64, into buffer: UnsafeMutableBufferPointer<UInt64>) throws(LiveLinuxError) {
    try ProcFile.readEntries(fd: pagemapFD, index: firstPage, into: buffer, path: directory + "/pagemap", pid: processID)
  }

  /// `PAGEMAP_SCAN` over `[start, end)`: one ioctl per 1024 regions, resumed at `walk_end`.
  public func scan(start: UInt64, end: UInt64) throws(LiveLinuxError) -> [PageScanRegion] {
    #if canImport(Glibc)
    var regions: [PageScanRegion] = []
    var vector = [UInt64](repeating: 0, count: 3 * Self.regionsPerCall)
    var cursor = start
    while cursor < end {
      var argument = [UInt64](repeating: 0, count: 12)
      let count: Int32 = vector.withUnsafeMutableBufferPointer { vec in
        // size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted,
        // category_mask, category_anyof_mask, return_mask
        argument[0] = Self.scanArgumentSize
        argument[2] = cursor
        argument[3] = end
        argument[5] = UInt64(UInt(bitPattern: vec.baseAddress))
        argument[6] = UInt64(Self.regionsPerCall)
        argument[11] = PageScanCategories.inspected.rawValue
        return argument.withUnsafeMutableBytes { ioctl(pagemapFD, Self.pagemapScanRequest, $0.baseAddress!) }
      }
      if count < 0 {
        let code = errno
        if code == EINTR { continue }
        if code == ENOTTY || code == EINVAL || code == EOPNOTSUPP { throw .pagemapScanUnsupported(errno: code) }
        throw ProcFile.error(code, path: directory + "/pagemap (PAGEMAP_SCAN)", pid: processID)
      }
      for index in 0..<Int(count) {
        regions.append(PageScanRegion(start: VirtualAddress(vector[3 * index]), end: VirtualAddress(vector[3 * index + 1]),
                                      categories: PageScanCategories(rawValue: vector[3 * index + 2])))
      }
      let walkEnd = argument[4]
      guard walkEnd > cursor else { break }
      cursor = walkEnd
    }
    return regions
    #else
    throw .notLinux
    #endif
  }

  /// One `pread` of `/proc/kpageflags` (opened on first use).
  public func readPageFlags(firstPFN: UInt64, into buffer: UnsafeMutableBufferPointer<UInt64>) throws(LiveLinuxError) {
    let fd: Int32
    if let pageFlagsFD {
      fd = pageFlagsFD
    } else {
      fd = try ProcFile.open("/proc/kpageflags", pid: nil)
      pageFlagsFD = fd
    }
    try ProcFile.readEntries(fd: fd, index: firstPFN, into: buffer, path: "/proc/kpageflags", pid: nil)
  }
}
