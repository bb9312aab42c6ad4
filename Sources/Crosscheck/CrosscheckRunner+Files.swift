#if canImport(Glibc)
import Glibc
#endif
import LiveLinux
import MemoryModel
import Scenarios

/// Files in a crosscheck: each `file` line is a model file and, for real, a memfd (tmpfs) of the
/// controller that helpers open through `/proc/PID/fd/N` when they first map it (a helper forked
/// before the file existed has no descriptor of its own; a forked helper inherits its parent's).
extension CrosscheckRunner {
  /// The shmem THP setting (memfds follow it).
  static let shmemEnabled = "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

  /// `memfd_create(2)`, resolved once.
  private static let memfdCreate: (@convention(c) (UnsafePointer<CChar>, UInt32) -> Int32)? = {
    #if canImport(Glibc)
    guard let symbol = dlsym(nil, "memfd_create") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafePointer<CChar>, UInt32) -> Int32).self)
    #else
    return nil
    #endif
  }()

  /// `file F size=SIZE [shmem] [huge] [hugetlb=…]`: a model file and a memfd of the same size
  /// (a hugetlbfs file is a `MFD_HUGETLB` memfd of the same page size).
  func defineFile(_ statement: CrosscheckStatement, _ name: String, _ size: UInt64, shmem: Bool, huge: Bool, hugetlb: UInt64?,
                  _ result: inout CrosscheckStep) throws(RealProcessError) -> Bool {
    var hugetlbPageSize: PageSize?
    if let hugetlb {
      guard let pageSize = [PageSize.size2M, .size1G].first(where: { $0.bytes == hugetlb }) else {
        result.status = .notCompared("hugetlb files of \(formatSize(hugetlb)) pages are not reproduced")
        diverge(statement, "file \(name) exists in the model only")
        return false
      }
      hugetlbPageSize = pageSize
    }
    if huge {
      // Large page-cache folios for a memfd: shmem_enabled=within_size (PMD-sized folios where
      // the file's size covers them, as the model's large folios), under the settings lock,
      // restored when the run ends.
      let guardian = settings ?? KernelSettingsGuard()
      settings = guardian
      do {
        try guardian.set(Self.shmemEnabled, to: "within_size")
        shmemWithinSize = true
        if sharedAnonymousMapped {
          result.status = .notCompared("shmem_enabled=within_size for this file gives the shared anonymous memory mapped before it THPs too, for real; the model's keeps small folios")
          diverge(statement, "shared anonymous memory has THPs in the kernel only")
          _ = system.createFile(name: name, kind: shmem ? .shmem : .regular, size: size, largeFolios: huge)
          return false
        }
        if files.values.contains(where: { $0.model.hugetlbPageSize == nil && !$0.model.largeFolios }) {
          // shmem_enabled is global: the memfds defined before this one get large folios too, for
          // real (seed-7 case 1238); the model's keep small ones.
          result.status = .notCompared("shmem_enabled=within_size for this file gives the files defined before it large folios too, for real; the model's keep small folios")
          diverge(statement, "files defined before have large folios in the kernel only")
          _ = system.createFile(name: name, kind: shmem ? .shmem : .regular, size: size, largeFolios: huge)
          return false
        }
      } catch {
        result.status = .notCompared("shmem_enabled cannot be set here: \(error)")
        diverge(statement, "file \(name) has large folios in the model only")
        return false
      }
    }
    let model = hugetlbPageSize.map { system.createFile(name: name, kind: .hugetlb, size: size, hugetlbPageSize: $0) }
      ?? system.createFile(name: name, kind: shmem ? .shmem : .regular, size: size, largeFolios: huge || shmemWithinSize)
    #if canImport(Glibc)
    guard let create = Self.memfdCreate else { throw .systemCall("dlsym(memfd_create)", errno: ENOSYS) }
    // MFD_HUGETLB (4) with the page size's log2 << MFD_HUGE_SHIFT (26) for a hugetlbfs file.
    let flags: UInt32 = hugetlbPageSize.map { 4 | UInt32($0 == .size1G ? 30 : 21) << 26 } ?? 0
    let descriptor = name.withCString { create($0, flags) }
    guard descriptor >= 0 else { throw .systemCall("memfd_create(\(name))", errno: errno) }
    guard ftruncate(descriptor, off_t(size)) == 0 else {
      let code = errno
      close(descriptor)
      throw .systemCall("ftruncate of memfd \(name) to \(size)", errno: code)
    }
    files[name] = (model, descriptor)
    #endif
    if let hugetlbPageSize {
      result.status = .modelOnly("a hugetlbfs file: a MFD_HUGETLB memfd of \(formatSize(size)) in \(hugetlbPageSize) pages for real")
      return false
    }
    if huge {
      result.status = .modelOnly("a file with large folios: a memfd of \(formatSize(size)) with shmem_enabled=within_size for real (restored afterwards)")
      return false
    }
    if shmemWithinSize {
      result.status = .modelOnly("a file with large folios, as shmem_enabled=within_size (set for an earlier `huge` file) gives every memfd for real: a memfd of \(formatSize(size))")
      return false
    }
    result.status = .modelOnly(shmem
      ? "a shmem file: a memfd of \(formatSize(size)) for real"
      : "a regular file: a memfd (tmpfs) of \(formatSize(size)) for real, as the model's regular files behave like tmpfs")
    return false
  }

  /// `file F write OFFSET SIZE`: the model's page cache and the memfd's get the range's pages
  /// (zeroes for real: data is not compared).
  func writeFile(_ statement: CrosscheckStatement, _ name: String, _ offset: UInt64, _ size: UInt64,
                 _ result: inout CrosscheckStep) throws(RealProcessError) -> Bool {
    guard let entry = files[name] else {
      result.status = .notCompared("no file \(name) in the crosscheck")
      return false
    }
    var cursor = offset
    let end = offset + size
    let chunk = [UInt8](repeating: 0, count: 4096)
    do {
      while cursor < end {
        let count = Int(min(4096 - cursor % 4096, end - cursor))
        try system.write(entry.model, offset: cursor, bytes: Array(chunk[0..<count]))
        #if canImport(Glibc)
        let written = chunk.withUnsafeBytes { pwrite(entry.descriptor, $0.baseAddress, count, off_t(cursor)) }
        guard written == count else { throw RealProcessError.systemCall("pwrite to memfd \(name)", errno: errno) }
        #endif
        cursor += UInt64(count)
      }
    } catch let error as RealProcessError {
      throw error
    } catch {
      result.status = .notCompared("the model's write failed: \(error)")
      diverge(statement, "the file's page cache differs")
      return false
    }
    result.status = .modelOnly("page cache of \(name) filled (\(formatSize(size)); data is not compared)")
    return false
  }

  /// `PROC: NAME = mmap ... file=F`: the model maps its file, the helper its descriptor of the memfd.
  func mmapFile(_ statement: CrosscheckStatement, _ name: String, _ region: String, _ file: String, _ offset: UInt64,
                _ size: UInt64, _ protection: Protection, _ shared: Bool, _ alignment: UInt64?, _ fixed: AddressExpression?,
                _ result: inout CrosscheckStep) throws(RealProcessError) -> Bool {
    try mmap(statement, name, region, size, protection, shared, alignment, fixed, &result, file: (file, offset))
  }

  /// The descriptor the helper of `slot` has for `file`, opened through `/proc` on first use.
  func helperDescriptor(_ slot: Int, _ file: String, _ controllerDescriptor: Int32) throws(RealProcessError) -> Int32 {
    if let descriptor = helperFiles[slot]?[file] { return descriptor }
    #if canImport(Glibc)
    let descriptor = try real.open(slot, path: "/proc/\(getpid())/fd/\(controllerDescriptor)")
    #else
    let descriptor: Int32 = -1
    #endif
    helperFiles[slot, default: [:]][file] = descriptor
    return descriptor
  }

  /// Closes the controller's memfds (the helpers' copies go with the helpers).
  func closeFiles() {
    #if canImport(Glibc)
    for entry in files.values { close(entry.descriptor) }
    #endif
    files.removeAll()
    helperFiles.removeAll()
  }
}
