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
      switch code {
      case HelperRequest.mmap.rawValue:
        let result = mmap(UnsafeMutableRawPointer(bitPattern: UInt(a0)), Int(a1), Int32(a2), Int32(a3), -1, 0)
        let address = UInt(bitPattern: result)
        if address == UInt.max { failure = errno } else { value = UInt64(address) }
      case HelperRequest.munmap.rawValue:
        if munmap(UnsafeMutableRawPointer(bitPattern: UInt(a0)), Int(a1)) != 0 { failure = errno }
      case HelperRequest.mprotect.rawValue:
        if mprotect(UnsafeMutableRawPointer(bitPattern: UInt(a0)), Int(a1), Int32(a2)) != 0 { failure = errno }
      case HelperRequest.madvise.rawValue:
        if madvise(UnsafeMutableRawPointer(bitPattern: UInt(a0)), Int(a1), Int32(a2)) != 0 { failure = errno }
      case HelperRequest.mremap.rawValue:
        let result = context.systemCall(25, Int(bitPattern: UInt(a0)), Int(a1), Int(a2), Int(a3), Int(bitPattern: UInt(a4)), 0)
        if result == -1 { failure = errno } else { value = UInt64(UInt(bitPattern: result)) }
      case HelperRequest.touch.rawValue:
        let start = a0 & ~4095
        let end = (a0 &+ a1 &+ 4095) & ~4095
        if end > start {
          // MADV_POPULATE_WRITE (23) / MADV_POPULATE_READ (22): the faults a loop of stores or
          // loads takes, but an error instead of a signal where the access is not allowed.
          if madvise(UnsafeMutableRawPointer(bitPattern: UInt(start)), Int(end - start), a2 != 0 ? 23 : 22) != 0 {
            failure = errno
          } else if a2 != 0 {
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
          reply(context, slot: slot, errno: HelperRequest.readyCode, value: UInt64(getpid()))
          continue
        }
        if child < 0 { failure = errno } else { value = UInt64(child) }
      case HelperRequest.exit.rawValue:
        reply(context, slot: slot, errno: 0, value: 0)
        _exit(0)
      default:
        failure = EINVAL
      }
      reply(context, slot: slot, errno: UInt64(failure), value: value)
    }
  }

  /// Writes a reply (errno, value) on the reply pipe of `slot`; exits if the controller is gone.
  private static func reply(_ context: HelperContext, slot: Int, errno code: UInt64, value: UInt64) {
    context.setWord(0, code)
    context.setWord(1, value)
    let written = write(context.descriptor(slot, 3), context.scratch + HelperContext.messageOffset, HelperContext.messageSize)
    if written != HelperContext.messageSize { _exit(6) }
  }
}
#endif
