#if canImport(Glibc)
import Glibc
#endif

/// Low-level reads of `/proc` files: whole text files (public, for `/proc` and `/sys` files of
/// any process), and `pread` of 64-bit entry arrays.
public enum ProcFile {
  #if canImport(Glibc)
  /// Maps an errno from opening or reading `path` to a ``LiveLinuxError``.
  static func error(_ code: Int32, path: String, pid: Int32?) -> LiveLinuxError {
    switch code {
    case EACCES, EPERM: return .permissionDenied(path: path)
    case ENOENT, ESRCH: return pid.map { .noSuchProcess(pid: $0) } ?? .readFailed(path: path, errno: code)
    default: return .readFailed(path: path, errno: code)
    }
  }

  /// Opens `path` read-only.
  static func open(_ path: String, pid: Int32?) throws(LiveLinuxError) -> Int32 {
    let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw error(errno, path: path, pid: pid) }
    return fd
  }

  /// The whole content of a (`/proc`) text file, read in 64 KiB chunks.
  public static func readText(_ path: String, pid: Int32?) throws(LiveLinuxError) -> String {
    let fd = try open(path, pid: pid)
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw error(errno, path: path, pid: pid)
      }
      if count == 0 { break }
      bytes.append(contentsOf: chunk[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Fills `buffer` with 64-bit entries read at entry index `index` of `fd`; entries past the end of
  /// the file are zero.
  static func readEntries(fd: Int32, index: UInt64, into buffer: UnsafeMutableBufferPointer<UInt64>,
                          path: String, pid: Int32?) throws(LiveLinuxError) {
    let raw = UnsafeMutableRawBufferPointer(buffer)
    var done = 0
    while done < raw.count {
      let offset = off_t(Int64(bitPattern: (index &* 8) &+ UInt64(done)))
      let count = pread(fd, raw.baseAddress! + done, raw.count - done, offset)
      if count < 0 {
        if errno == EINTR { continue }
        throw error(errno, path: path, pid: pid)
      }
      if count == 0 { break }
      done += count
    }
    if done < raw.count { raw[done...].initializeMemory(as: UInt8.self, repeating: 0) }
  }
  #endif
}
