#if canImport(Glibc)
import Glibc
#endif

/// The real-process driver of a crosscheck: helper processes, each serving one slot, that
/// perform `mmap`, `munmap`, `mprotect`, `madvise`, `mremap`, page touches, `fork` and `exit` on
/// their own address space when the controller (this process) asks (``HelperRequest``).
///
/// A helper is a `fork()` of the controller that runs `serve(_:slot:fromController:)` — no
/// exec, no second binary, so it works the same under `hmmkit` and under `swift test`. It frees
/// the address window the controller reserved, so that the regions the scenario maps are the
/// only mappings there. A scenario `fork` is a real `fork()` of the helper, whose child serves
/// another slot. Every pipe is made before the first helper starts, so a helper never needs a
/// descriptor it does not have. After ``reset()`` the same pipes, scratch page and window serve
/// the next scenario, so that a caller running many scenarios pays for them once.
///
/// Not thread-safe: one controller thread drives a group.
public final class RealProcessGroup {
  /// Slots: the processes a crosscheck may use, and one more for the zygote.
  public static let slotCount = 17
  /// The zygote's slot: a helper forked once, at ``init``, while the controller is still small,
  /// that forks every top-level helper (``spawn()``), so that each costs the fork of a small
  /// process rather than of the controller with its models.
  static let zygoteSlot = slotCount - 1
  /// How long the controller waits for a reply, in milliseconds.
  public static let replyTimeout: Int32 = 20_000

  private var context: HelperContext
  /// The PID serving each slot (nil: free, or the process exited).
  public private(set) var pids: [Int32?]
  /// Whether the controller forked the helper of a slot (and so must reap it).
  private var isDirectChild: [Bool]
  private var nextSlot = 0
  private var reservation: (UnsafeMutableRawPointer, Int)?

  /// Prepares the pipes, the scratch page and the window reservation.
  /// - Parameters:
  ///   - windowStart: the first real address of the window (already reserved by the caller).
  ///   - windowSize: its size.
  ///   - reservation: the caller's reservation, unmapped when the group shuts down.
  public init(windowStart: UInt64, windowSize: UInt64, reservation: (UnsafeMutableRawPointer, Int)) throws(RealProcessError) {
    #if canImport(Glibc)
    guard let scratch = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
      scratch != MAP_FAILED
    else { throw .systemCall("mmap of the helpers' scratch page", errno: errno) }
    guard let symbol = dlsym(nil, "syscall") else {
      munmap(scratch, 4096)
      throw .systemCall("dlsym(syscall)", errno: ENOSYS)
    }
    context = HelperContext(
      scratch: scratch, slotCount: Self.slotCount,
      systemCall: unsafeBitCast(symbol, to: HelperContext.SystemCall.self),
      windowStart: UInt(windowStart), windowSize: Int(windowSize), ignoreSignal: SIG_IGN, idleTimeout: 300_000)
    pids = Array(repeating: nil, count: Self.slotCount)
    isDirectChild = Array(repeating: false, count: Self.slotCount)
    self.reservation = reservation
    for slot in 0..<Self.slotCount {
      var command: [Int32] = [0, 0]
      var reply: [Int32] = [0, 0]
      guard pipe(&command) == 0 else {
        let code = errno
        abandon(slots: slot)
        throw .systemCall("pipe", errno: code)
      }
      guard pipe(&reply) == 0 else {
        let code = errno
        close(command[0])
        close(command[1])
        abandon(slots: slot)
        throw .systemCall("pipe", errno: code)
      }
      for (kind, fd) in [command[0], command[1], reply[0], reply[1]].enumerated() {
        scratch.storeBytes(of: fd, toByteOffset: (slot * 4 + kind) * 4, as: Int32.self)
      }
    }
    do {
      try startZygote()
    } catch {
      closeDescriptors(upTo: Self.slotCount)
      munmap(context.scratch, 4096)
      self.reservation = nil
      throw error
    }
    #else
    throw .unavailable("crosscheck needs Linux")
    #endif
  }

  deinit { shutdown() }

  #if canImport(Glibc)
  /// Undoes a failed ``init``: closes the pipes of the first `slots` slots and frees the scratch
  /// page; the reservation stays the caller's.
  private func abandon(slots: Int) {
    closeDescriptors(upTo: slots)
    munmap(context.scratch, 4096)
    reservation = nil
  }

  private func closeDescriptors(upTo slots: Int) {
    for slot in 0..<slots {
      for kind in 0..<4 { close(context.descriptor(slot, kind)) }
    }
  }
  #endif

  /// Starts a new top-level helper (a scenario's `process` line): a fork of the zygote (started
  /// again if it went away); returns its slot.
  public func spawn() throws(RealProcessError) -> Int {
    #if canImport(Glibc)
    if pids[Self.zygoteSlot].map(Self.isRunning) != true { try startZygote() }
    return try fork(Self.zygoteSlot)
    #else
    throw .unavailable("crosscheck needs Linux")
    #endif
  }

  /// Forks the controller into the zygote's slot.
  private func startZygote() throws(RealProcessError) {
    #if canImport(Glibc)
    let slot = Self.zygoteSlot
    if let old = pids[slot] {
      kill(old, SIGKILL)
      waitUntilGone(old, direct: true)
      pids[slot] = nil
    }
    let child = Glibc.fork()
    if child == 0 { Self.serve(context, slot: slot, fromController: true) }
    guard child > 0 else { throw .systemCall("fork", errno: errno) }
    pids[slot] = child
    isDirectChild[slot] = true
    let ready = try receive(slot, from: child)
    guard ready.errno == 0, Int32(truncatingIfNeeded: ready.value) == child else {
      throw .helper("the helper process \(child) did not start")
    }
    #else
    throw .unavailable("crosscheck needs Linux")
    #endif
  }

  private func takeSlot() throws(RealProcessError) -> Int {
    guard nextSlot < Self.zygoteSlot else {
      throw .helper("a crosscheck runs at most \(Self.zygoteSlot) processes")
    }
    nextSlot += 1
    return nextSlot - 1
  }

  /// Sends a request to the helper of `slot` and returns its reply.
  public func request(_ slot: Int, _ code: HelperRequest, _ arguments: [UInt64]) throws(RealProcessError) -> HelperReply {
    #if canImport(Glibc)
    guard let pid = pids[slot] else { throw .helper("slot \(slot) has no process") }
    var message = [UInt64](repeating: 0, count: 8)
    message[0] = code.rawValue
    for (index, argument) in arguments.prefix(7).enumerated() { message[index + 1] = argument }
    let written = message.withUnsafeBytes { write(context.descriptor(slot, 1), $0.baseAddress, $0.count) }
    guard written == HelperContext.messageSize else { throw .systemCall("write to helper \(pid)", errno: errno) }
    return try receive(slot, from: pid)
    #else
    throw .unavailable("crosscheck needs Linux")
    #endif
  }

  /// Reads one reply from the helper of `slot`, waiting at most ``replyTimeout`` and giving up
  /// early if the helper died.
  private func receive(_ slot: Int, from pid: Int32) throws(RealProcessError) -> HelperReply {
    #if canImport(Glibc)
    let fd = context.descriptor(slot, 2)
    var waited: Int32 = 0
    while true {
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, 100)
      if ready > 0 { break }
      if ready < 0 && errno != EINTR { throw .systemCall("poll", errno: errno) }
      waited += 100
      if !Self.isRunning(pid) { throw .helper("the helper process \(pid) died (\(Self.exitDescription(pid)))") }
      if waited >= Self.replyTimeout { throw .helper("the helper process \(pid) did not answer within \(Self.replyTimeout / 1000) s") }
    }
    var reply = [UInt64](repeating: 0, count: 8)
    let count = reply.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count == HelperContext.messageSize else { throw .helper("a short reply from the helper process \(pid)") }
    return HelperReply(errno: Int32(truncatingIfNeeded: reply[0]), value: reply[1], faults: reply[2])
    #else
    throw .unavailable("crosscheck needs Linux")
    #endif
  }

  /// Makes the helper of `slot` open `path` (at most 48 bytes, e.g. `/proc/PID/fd/N` of a
  /// descriptor of this process) read-write; returns the helper's descriptor.
  public func open(_ slot: Int, path: String) throws(RealProcessError) -> Int32 {
    let bytes = Array(path.utf8)
    guard bytes.count <= 48 else { throw .helper("path too long for a helper request: \(path)") }
    var words = [UInt64](repeating: 0, count: 6)
    for (index, byte) in bytes.enumerated() { words[index / 8] |= UInt64(byte) << (8 * UInt64(index % 8)) }
    let answer = try request(slot, .open, words)
    guard answer.errno == 0 else { throw .systemCall("open(\(path)) in the helper", errno: answer.errno) }
    return Int32(truncatingIfNeeded: answer.value)
  }

  /// Forks the helper of `slot`; returns the child's slot.
  public func fork(_ slot: Int) throws(RealProcessError) -> Int {
    let childSlot = try takeSlot()
    let answer = try request(slot, .fork, [UInt64(childSlot)])
    guard answer.errno == 0 else { throw .systemCall("fork in the helper", errno: answer.errno) }
    let child = Int32(truncatingIfNeeded: answer.value)
    pids[childSlot] = child
    let ready = try receive(childSlot, from: child)
    guard ready.errno == 0 else { throw .helper("the forked helper \(child) did not start") }
    return childSlot
  }

  /// Makes the helper of `slot` exit and waits until its address space is gone.
  public func exit(_ slot: Int) throws(RealProcessError) {
    guard let pid = pids[slot] else { return }
    _ = try request(slot, .exit, [])
    pids[slot] = nil
    waitUntilGone(pid, direct: isDirectChild[slot])
  }

  /// Ends every helper still running (children before parents, each by its own PID) and makes
  /// every slot free again; the pipes, the scratch page and the reservation stay for the next
  /// scenario. Replies a killed helper left unread are discarded.
  public func reset() {
    #if canImport(Glibc)
    guard reservation != nil else { return }
    for slot in (0..<Self.zygoteSlot).reversed() {
      guard let pid = pids[slot] else { continue }
      if (try? request(slot, .exit, [])) == nil { kill(pid, SIGKILL) }
      pids[slot] = nil
      waitUntilGone(pid, direct: isDirectChild[slot])
      isDirectChild[slot] = false
    }
    for slot in 0..<Self.zygoteSlot {
      for kind in [0, 2] {
        let fd = context.descriptor(slot, kind)
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var discard = [UInt8](repeating: 0, count: HelperContext.messageSize)
        while poll(&poller, 1, 0) > 0 {
          if discard.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) <= 0 { break }
        }
      }
    }
    nextSlot = 0
    #endif
  }

  /// Ends every helper still running (``reset()``), then frees the pipes, the scratch page and
  /// the reservation. Safe to call twice.
  public func shutdown() {
    #if canImport(Glibc)
    guard reservation != nil else { return }
    reset()
    if let zygote = pids[Self.zygoteSlot] {
      if (try? request(Self.zygoteSlot, .exit, [])) == nil { kill(zygote, SIGKILL) }
      pids[Self.zygoteSlot] = nil
      waitUntilGone(zygote, direct: true)
    }
    closeDescriptors(upTo: Self.slotCount)
    munmap(context.scratch, 4096)
    if let (pointer, size) = reservation { munmap(pointer, size) }
    reservation = nil
    #endif
  }

  /// Waits (at most 5 s) until `pid` has exited: reaped, or a zombie (its memory is freed before
  /// it becomes one).
  private func waitUntilGone(_ pid: Int32, direct: Bool) {
    #if canImport(Glibc)
    for _ in 0..<5000 {
      if direct {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid || (result < 0 && errno == ECHILD) { return }
      } else if !Self.isRunning(pid) {
        return
      }
      usleep(1000)
    }
    #endif
  }

  /// Whether `pid` exists and is not a zombie.
  public static func isRunning(_ pid: Int32) -> Bool {
    #if canImport(Glibc)
    guard let stat = try? ProcFile.readText("/proc/\(pid)/stat", pid: pid) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[close...].dropFirst().drop(while: { $0 == " " }).first
    return state != "Z" && state != "X" && state != "x"
    #else
    return false
    #endif
  }

  private static func exitDescription(_ pid: Int32) -> String {
    #if canImport(Glibc)
    var status: Int32 = 0
    if waitpid(pid, &status, WNOHANG) == pid {
      if status & 0x7f == 0 { return "exit status \((status >> 8) & 0xff)" }
      return "killed by signal \(status & 0x7f)"
    }
    #endif
    return "it is gone"
  }
}
