#if canImport(Glibc)
import Glibc
#endif
import MemoryModel

/// Anonymous memory of this process, mapped at an aligned address, for `hmmkit inspect
/// --demo-thp` and the live tests: it is the only thing live mode ever writes to, and it is the
/// tool's own memory. Unmapped on `deinit`.
public final class AnonymousMapping {
  /// The first address.
  public let start: VirtualAddress
  /// Bytes mapped.
  public let size: UInt64
  private let reservation: UnsafeMutableRawPointer
  private let reservationSize: Int

  /// `MADV_HUGEPAGE` (14).
  public static let adviceHugePage: Int32 = 14
  /// `MADV_COLLAPSE` (25, Linux 6.1+): synchronous collapse into THPs.
  public static let adviceCollapse: Int32 = 25

  /// Maps `size` bytes of private anonymous read-write memory at an address aligned to `alignment`.
  /// - Throws: ``LiveLinuxError/systemCallFailed(_:errno:)`` when `mmap` fails.
  public init(size: UInt64, alignment: UInt64 = 2 << 20) throws(LiveLinuxError) {
    #if canImport(Glibc)
    let total = Int(size + alignment)
    guard let raw = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED else {
      throw .systemCallFailed("mmap", errno: errno)
    }
    let base = UInt64(UInt(bitPattern: raw))
    let aligned = (base + alignment - 1) & ~(alignment - 1)
    // Trim the slack so that the VMA is exactly the aligned region.
    if aligned > base { munmap(raw, Int(aligned - base)) }
    let tail = base + UInt64(total) - (aligned + size)
    if tail > 0 { munmap(UnsafeMutableRawPointer(bitPattern: UInt(aligned + size)), Int(tail)) }
    start = VirtualAddress(aligned)
    self.size = size
    reservation = UnsafeMutableRawPointer(bitPattern: UInt(aligned))!
    reservationSize = Int(size)
    #else
    throw .notLinux
    #endif
  }

  deinit {
    #if canImport(Glibc)
    munmap(reservation, reservationSize)
    #endif
  }

  /// One past the last address.
  public var end: VirtualAddress { start + size }

  /// `madvise(start + offset, length, advice)`.
  public func advise(_ advice: Int32, offset: UInt64 = 0, length: UInt64? = nil) throws(LiveLinuxError) {
    #if canImport(Glibc)
    guard madvise(reservation + Int(offset), Int(length ?? size - offset), advice) == 0 else {
      throw .systemCallFailed("madvise(\(advice))", errno: errno)
    }
    #endif
  }

  /// Writes one byte to every 4 KiB page of `[offset, offset + length)` (write faults).
  public func write(offset: UInt64 = 0, length: UInt64? = nil, value: UInt8 = 0x5A) {
    let pointer = reservation.assumingMemoryBound(to: UInt8.self)
    var position = Int(offset)
    let end = Int(offset + (length ?? size - offset))
    while position < end {
      pointer[position] = value
      position += 4096
    }
  }

  /// Reads one byte of every 4 KiB page of `[offset, offset + length)` (read faults) and returns their sum.
  @discardableResult
  public func read(offset: UInt64 = 0, length: UInt64? = nil) -> Int {
    let pointer = reservation.assumingMemoryBound(to: UInt8.self)
    var position = Int(offset)
    let end = Int(offset + (length ?? size - offset))
    var sum = 0
    while position < end {
      sum &+= Int(pointer[position])
      position += 4096
    }
    return sum
  }

  /// `mprotect(start + offset, length, PROT_READ)` (or `PROT_READ | PROT_WRITE` when `writable`).
  public func protect(offset: UInt64, length: UInt64, writable: Bool = false) throws(LiveLinuxError) {
    #if canImport(Glibc)
    guard mprotect(reservation + Int(offset), Int(length), writable ? PROT_READ | PROT_WRITE : PROT_READ) == 0 else {
      throw .systemCallFailed("mprotect", errno: errno)
    }
    #endif
  }
}
