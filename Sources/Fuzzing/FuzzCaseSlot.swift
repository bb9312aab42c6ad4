#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The index of the case a fuzz worker is running, in a small file both the worker and its
/// supervisor map shared (`hmmkit fuzz --worker --case-slot PATH`).
///
/// The worker stores the index before each case; when the worker dies or hangs, the supervisor
/// reads the case it was in. A store in shared memory costs nothing next to the line per case a
/// pipe would need (an encode, a `write` and a wake-up of the supervisor, about 4% of the
/// worker's time), and it is there however the worker ends: the page belongs to the file, not
/// to the process.
public final class FuzzCaseSlot {
  /// The slot's file.
  public let path: String
  private let slot: UnsafeMutablePointer<Int64>

  /// Creates the file at `path` holding `index` and maps it (the supervisor's side); nil when
  /// the file cannot be created or mapped.
  public convenience init?(creatingAt path: String, index: Int) {
    let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    guard ftruncate(descriptor, off_t(MemoryLayout<Int64>.size)) == 0 else {
      unlink(path)
      return nil
    }
    self.init(path: path, descriptor: descriptor)
    self.index = index
  }

  /// Maps the existing file at `path` (the worker's side); nil when it cannot be opened or
  /// mapped.
  public convenience init?(openingAt path: String) {
    let descriptor = open(path, O_RDWR)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    self.init(path: path, descriptor: descriptor)
  }

  private init?(path: String, descriptor: Int32) {
    let size = MemoryLayout<Int64>.size
    guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else { return nil }
    self.path = path
    slot = mapped.bindMemory(to: Int64.self, capacity: 1)
  }

  deinit {
    munmap(slot, MemoryLayout<Int64>.size)
  }

  /// The case index stored last.
  public var index: Int {
    get { Int(slot.pointee) }
    set { slot.pointee = Int64(newValue) }
  }

  /// Removes the file (the supervisor's side, at the end; the mapping stays valid).
  public func remove() {
    unlink(path)
  }
}
