#if canImport(Glibc)
import Glibc
#endif

/// Serializes, within this process, the times when helper processes forked from it exist
/// (``RealProcessGroup``) with inspections of this process's own memory.
///
/// A `fork()` makes the controller's anonymous memory copy-on-write (no longer
/// `PG_anon_exclusive`) while the child lives, and a crosscheck session reserves a large window
/// of the address space, so a self-inspection that runs at the same time sees other values. A
/// process that does both at once (the test suite: the live tests inspect the test process,
/// the crosscheck and kernel-fuzz tests fork helpers from it) holds this lock around each.
/// Nothing in the library takes it by itself. From `async` code (Swift Testing) use
/// `withLock(_:)`, which waits without blocking a thread of the cooperative pool; a
/// counting semaphore, so it may be released by another thread than the one that took it.
public enum HelperForkLock {
  #if canImport(Glibc)
  nonisolated(unsafe) private static let semaphore: UnsafeMutablePointer<sem_t> = {
    let pointer = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    sem_init(pointer, 0, 1)
    return pointer
  }()
  #endif

  /// Waits until no one else holds the lock, then takes it.
  public static func acquire() {
    #if canImport(Glibc)
    while sem_wait(semaphore) != 0 && errno == EINTR {}
    #endif
  }

  /// Gives the lock back (taken by ``acquire()``).
  public static func release() {
    #if canImport(Glibc)
    sem_post(semaphore)
    #endif
  }

  /// Takes the lock if it is free; returns whether it did.
  public static func tryAcquire() -> Bool {
    #if canImport(Glibc)
    return sem_trywait(semaphore) == 0
    #else
    return true
    #endif
  }

  /// Runs `body` holding the lock (blocking this thread while waiting for it).
  public static func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
    acquire()
    defer { release() }
    return try body()
  }

  /// Runs `body` holding the lock, polling for it every 5 ms without blocking a thread (so that
  /// waiting tests cannot starve the one that holds it).
  public static func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    while !tryAcquire() { try await Task.sleep(nanoseconds: 5_000_000) }
    defer { release() }
    return try await body()
  }
}
