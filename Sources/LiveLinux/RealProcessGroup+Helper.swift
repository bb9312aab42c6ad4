#if canImport(Glibc)
import Glibc
#endif

#if canImport(Glibc)
extension RealProcessGroup {
  /// The body of a helper process, entered right after `fork()` in the child, never returning.
  ///
  /// The controller may be multi-threaded (the test runner is), so the forked child must not
  /// allocate, take locks or touch Swift globals: it uses only the scratch page, plain
  /// integers, raw pointers and system calls. It reads fixed-size requests from its slot's
  /// command pipe, performs them on its own address space, and writes a reply. It exits when
  /// asked, when the controller goes away (end of file on the command pipe: only the controller
  /// holds the write ends), or after ``HelperContext/idleTimeout`` without a request.
  ///
  /// - Parameters:
  ///   - context: the prepared context.
  ///   - slot: the slot this helper serves.
  ///   - fromController: whether the controller forked it (then it frees the address window and
  ///     closes the controller's ends of every pipe); false for a helper forked by a helper.
  static func serve(_ context: HelperContext, slot initialSlot: Int, fromController: Bool) -> Never {
    var slot = initialSlot
    signal(SIGCHLD, context.ignoreSignal)
    if fromController {
      var index = 0
      while index < context.slotCount {
        close(context.descriptor(index, 1))
        close(context.descriptor(index, 2))
        index += 1
      }
      munmap(UnsafeMutableRawPointer(bitPattern: context.windowStart), context.windowSize)
    }
    // Warm up the measured path (its code, syscall(2), errno, the rusage buffers) so that its
    // first real use faults nothing of the helper's own.
    (context.scratch + HelperContext.usageOffset).initializeMemory(as: UInt8.self, repeating: 0, count: 2 * HelperContext.usageSize)
    _ = measured(context, 39, 0, 0, 0, 0, 0, 0)
    _ = measured(context, 28, 0, 1, 0, 0, 0, 0)  // madvise(0, 1, 0) fails (EINVAL): the errno path
    reply(context, slot: slot, errno: HelperRequest.readyCode, value: UInt64(getpid()))
    while true {
      var poller = pollfd(fd: context.descriptor(slot, 0), events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, context.idleTimeout)
      if ready == 0 { _exit(3) }
      if ready < 0 {
        if errno == EINTR { continue }
        _exit(4)
      }
      let count = read(context.descriptor(slot, 0), context.scratch + HelperContext.messageOffset, HelperContext.messageSize)
      if count == 0 { _exit(0) }
      if count != HelperContext.messageSize { _exit(5) }
      let code = context.word(0)
      let a0 = context.word(1)
      let a1 = context.word(2)
      let a2 = context.word(3)
      let a3 = context.word(4)
      let a4 = context.word(5)
      var failure: Int32 = 0
      var value: UInt64 = 0
      var faults = HelperReply.notMeasured
      switch code {
      case HelperRequest.mmap.rawValue:
        let call = Self.measured(context, 9, a0, a1, a2, a3, a4, context.word(6))
        (failure, faults) = (call.errno, call.faults)
        if call.errno == 0 { value = UInt64(UInt(bitPattern: call.result)) }
      case HelperRequest.munmap.rawValue:
        (failure, faults) = Self.measured(context, 11, a0, a1, 0, 0, 0, 0).outcome
      case HelperRequest.mprotect.rawValue:
        (failure, faults) = Self.measured(context, 10, a0, a1, a2, 0, 0, 0).outcome
      case HelperRequest.madvise.rawValue:
        (failure, faults) = Self.measured(context, 28, a0, a1, a2, 0, 0, 0).outcome
      case HelperRequest.mremap.rawValue:
        let call = Self.measured(context, 25, a0, a1, a2, a3, a4, 0)
        (failure, faults) = (call.errno, call.faults)
        if call.errno == 0 { value = UInt64(UInt(bitPattern: call.result)) }
      case HelperRequest.touch.rawValue:
        let start = a0 & ~4095
        let end = (a0 &+ a1 &+ 4095) & ~4095
        faults = 0
        if end > start {
          // MADV_POPULATE_WRITE (23) / MADV_POPULATE_READ (22): the faults a loop of stores or
          // loads takes, but an error instead of a signal where the access is not allowed.
          (failure, faults) = Self.measured(context, 28, start, end - start, a2 != 0 ? 23 : 22, 0, 0, 0).outcome
          // 2: a write that stores data; 1: a write fault only (the pages may stay zero-filled).
          if failure == 0 && a2 == 2 {
            var page = start
            while page < end {
              UnsafeMutableRawPointer(bitPattern: UInt(page))!.storeBytes(of: 0x5A, as: UInt8.self)
              page += 4096
            }
          }
        }
      case HelperRequest.fork.rawValue:
        let child = Glibc.fork()
        if child == 0 {
          slot = Int(a0)
          (context.scratch + HelperContext.usageOffset).initializeMemory(as: UInt8.self, repeating: 0, count: 2 * HelperContext.usageSize)
          _ = measured(context, 39, 0, 0, 0, 0, 0, 0)
          reply(context, slot: slot, errno: HelperRequest.readyCode, value: UInt64(getpid()))
          continue
        }
        if child < 0 { failure = errno } else { value = UInt64(child) }
      case HelperRequest.exit.rawValue:
        reply(context, slot: slot, errno: 0, value: 0)
        _exit(0)
      case HelperRequest.open.rawValue:
        // The path: up to 48 bytes in words 1-6, NUL-padded, copied out of the message buffer.
        let path = context.scratch + HelperContext.pathOffset
        path.copyMemory(from: context.scratch + HelperContext.messageOffset + 8, byteCount: 48)
        path.storeBytes(of: 0, toByteOffset: 48, as: UInt8.self)
        let fd = context.systemCall(2, Int(bitPattern: UInt(bitPattern: path)), Int(O_RDWR), 0, 0, 0, 0)
        if fd < 0 { failure = errno } else { value = UInt64(fd) }
      default:
        failure = EINVAL
      }
      reply(context, slot: slot, errno: UInt64(failure), value: value, faults: faults)
    }
  }

  /// One raw system call, with the helper's minor plus major faults during it (getrusage, 98,
  /// before and after). Only this function's code and `syscall(2)` run between the two counts,
  /// and both ran before the first count (``serve(_:slot:fromController:)`` warms them up), so
  /// the faults are the ones the call itself took: in the target range, not in the helper's
  /// own text or stack.
  @inline(never)
  static func measured(_ context: HelperContext, _ number: Int, _ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64,
                       _ e: UInt64, _ f: UInt64) -> (result: Int, errno: Int32, faults: UInt64, outcome: (Int32, UInt64)) {
    let before = context.scratch + HelperContext.usageOffset
    let after = before + HelperContext.usageSize
    // syscall(2) writes errno (thread-local storage) when the call fails: write it first, so
    // that a page shared copy-on-write since a fork is not copied between the two counts.
    errno = 0
    _ = context.systemCall(98, 0, Int(bitPattern: UInt(bitPattern: before)), 0, 0, 0, 0)
    let result = context.systemCall(number, Int(bitPattern: UInt(a)), Int(bitPattern: UInt(b)), Int(bitPattern: UInt(c)),
                                    Int(bitPattern: UInt(d)), Int(bitPattern: UInt(e)), Int(bitPattern: UInt(f)))
    _ = context.systemCall(98, 0, Int(bitPattern: UInt(bitPattern: after)), 0, 0, 0, 0)
    let code = result == -1 ? errno : 0
    let faults = Self.faults(after) &- Self.faults(before)
    return (result, code, faults, (code, faults))
  }

  /// `ru_minflt + ru_majflt` of a `struct rusage` (offsets 64 and 72 on x86-64).
  private static func faults(_ usage: UnsafeMutableRawPointer) -> UInt64 {
    usage.load(fromByteOffset: 64, as: UInt64.self) &+ usage.load(fromByteOffset: 72, as: UInt64.self)
  }

  /// Writes a reply (errno, value, faults) on the reply pipe of `slot`; exits if the controller
  /// is gone.
  private static func reply(_ context: HelperContext, slot: Int, errno code: UInt64, value: UInt64, faults: UInt64 = HelperReply.notMeasured) {
    context.setWord(0, code)
    context.setWord(1, value)
    context.setWord(2, faults)
    let written = write(context.descriptor(slot, 3), context.scratch + HelperContext.messageOffset, HelperContext.messageSize)
    if written != HelperContext.messageSize { _exit(6) }
  }
}
#endif
