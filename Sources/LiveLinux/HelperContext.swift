#if canImport(Glibc)
import Glibc
#endif

/// What a crosscheck helper process needs, prepared by the controller before it forks: plain
/// values only, so that the forked helper runs without allocating (internal).
///
/// The scratch page holds, for every slot, four file descriptors — the command pipe's read and
/// write ends, the reply pipe's read and write ends — and, at ``messageOffset``, the helper's
/// message buffer.
struct HelperContext {
  /// `syscall(2)` as a function of seven integers (resolved with `dlsym` before the fork; Swift
  /// cannot call the variadic C function directly).
  typealias SystemCall = @convention(c) (Int, Int, Int, Int, Int, Int, Int) -> Int

  /// One page of anonymous memory: the descriptor table and the message buffer.
  var scratch: UnsafeMutableRawPointer
  /// How many slots (processes) the descriptor table has.
  var slotCount: Int
  /// `syscall(2)`.
  var systemCall: SystemCall
  /// The address window the helper frees at start (the controller's reservation).
  var windowStart: UInt
  /// Its size in bytes.
  var windowSize: Int
  /// `SIG_IGN`, for `SIGCHLD` (helpers' children are reaped by the kernel).
  var ignoreSignal: @convention(c) (Int32) -> Void
  /// How long a helper waits for its next command before it exits, in milliseconds.
  var idleTimeout: Int32

  /// The byte offset of the message buffer in the scratch page.
  static let messageOffset = 2048
  /// The size of a request or a reply: eight 64-bit words.
  static let messageSize = 64
  /// The byte offset of the two `struct rusage` buffers (before and after an operation).
  static let usageOffset = 3072
  /// The room for one `struct rusage` (144 bytes on x86-64).
  static let usageSize = 256
  /// The byte offset of the path buffer of an `open` request.
  static let pathOffset = 2560

  /// The descriptor `kind` (0 command read, 1 command write, 2 reply read, 3 reply write) of `slot`.
  func descriptor(_ slot: Int, _ kind: Int) -> Int32 {
    scratch.load(fromByteOffset: (slot * 4 + kind) * 4, as: Int32.self)
  }

  /// Word `index` of the message buffer.
  func word(_ index: Int) -> UInt64 {
    scratch.load(fromByteOffset: Self.messageOffset + index * 8, as: UInt64.self)
  }

  /// Sets word `index` of the message buffer.
  func setWord(_ index: Int, _ value: UInt64) {
    scratch.storeBytes(of: value, toByteOffset: Self.messageOffset + index * 8, as: UInt64.self)
  }
}
