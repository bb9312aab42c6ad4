#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process (usually `hmmkit` itself) whose standard output is read line by line with a
/// time limit, so that a trap (death by signal) or a hang in the child is seen by the parent.
public final class ChildProcess {
  /// How a child ended.
  public enum Ending: Sendable, Hashable {
    /// It exited with this status.
    case exited(Int32)
    /// A signal killed it (a Swift trap is SIGILL or SIGTRAP).
    case signaled(Int32)
    /// It was killed after the time limit.
    case timedOut
  }

  /// The child's process id.
  public let pid: pid_t
  private let output: Int32
  private var buffer: [UInt8] = []
  private var ended = false

  /// Starts `executable` with `arguments` (not including argv[0]); its standard error goes to
  /// `standardError` (a file path), or is discarded. Swift's crash backtracer is turned off in
  /// the child (a trap is expected, and the backtrace takes time).
  public init?(executable: String, arguments: [String], standardError: String? = nil) {
    setenv("SWIFT_BACKTRACE", "enable=no", 1)
    var pipeFDs: [Int32] = [0, 0]
    guard pipe(&pipeFDs) == 0 else { return nil }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
    posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
    posix_spawn_file_actions_addopen(&actions, 2, standardError ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv = ([executable] + arguments).map { strdup($0) }
    defer { for pointer in argv { free(pointer) } }
    var cArguments: [UnsafeMutablePointer<CChar>?] = argv + [nil]
    var child: pid_t = 0
    let status = posix_spawn(&child, executable, &actions, nil, &cArguments, environ)
    close(pipeFDs[1])
    guard status == 0 else {
      close(pipeFDs[0])
      return nil
    }
    pid = child
    output = pipeFDs[0]
  }

  deinit {
    if !ended { _ = finish(kill: true) }
    close(output)
  }

  /// The next line of output, nil at the end of output or when nothing came for `timeout`
  /// seconds (then ``timedOutWaiting`` is true).
  public func readLine(timeout: Double) -> String? {
    timedOutWaiting = false
    while true {
      if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        let line = String(decoding: buffer[..<newline], as: UTF8.self)
        buffer.removeSubrange(...newline)
        return line
      }
      var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
      let ready = poll(&descriptor, 1, Int32(timeout * 1000))
      if ready == 0 {
        timedOutWaiting = true
        return nil
      }
      if ready < 0 {
        if errno == EINTR { continue }
        return nil
      }
      var chunk = [UInt8](repeating: 0, count: 65536)
      let count = read(output, &chunk, chunk.count)
      if count <= 0 {
        if buffer.isEmpty { return nil }
        let line = String(decoding: buffer, as: UTF8.self)
        buffer.removeAll()
        return line
      }
      buffer += chunk[..<count]
    }
  }

  /// Whether the last ``readLine(timeout:)`` gave up waiting.
  public private(set) var timedOutWaiting = false

  /// Waits for the child (killing it first when `kill`) and says how it ended.
  public func finish(kill shouldKill: Bool = false) -> Ending {
    if shouldKill { kill(pid, SIGKILL) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    ended = true
    if shouldKill { return .timedOut }
    let signal = status & 0x7F
    if signal != 0 { return .signaled(signal) }
    return .exited((status >> 8) & 0xFF)
  }

  /// Runs a child to its end within `timeout` seconds, discarding its output.
  public static func run(executable: String, arguments: [String], timeout: Double) -> Ending? {
    guard let child = ChildProcess(executable: executable, arguments: arguments) else { return nil }
    let clock = ContinuousClock()
    let deadline = clock.now + .milliseconds(Int(timeout * 1000))
    while true {
      let left = deadline - clock.now
      let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) * 1e-18
      if seconds <= 0 { return child.finish(kill: true) }
      if child.readLine(timeout: seconds) == nil && !child.timedOutWaiting { return child.finish() }
    }
  }

  /// The path of the running executable (`/proc/self/exe` on Linux).
  public static var currentExecutable: String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if count > 0 { return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    return CommandLine.arguments[0]
  }
}
