import MemoryModel

/// The gup_test file (`mm/gup_test.c`, `/sys/kernel/debug/gup_test`): its ioctls take pages of
/// the opener's memory with `get_user_pages()`/`pin_user_pages()` and their fast variants, check
/// the pins (`verify_dma_pinned`) and put them back; `PIN_LONGTERM_TEST_START`/`STOP` hold
/// long-term pins in between. `expect PROC pins ADDR` and `refcount ADDR` read the counts.
extension ScenarioInterpreter {
  /// `__gup_test_ioctl()`: GUP in calls of `nr_pages_per_call` pages until one returns fewer
  /// (or an error), then put back. The ioctl returns 0 whatever GUP returned; `gup->size`
  /// (the `pages` counter, in pages) says how far it got.
  func gupTest(_ name: Identifier, _ test: GUPTestCommand, _ range: AddressRange, write: Bool, longterm: Bool,
               pagesPerCall: UInt64, into result: inout StepResult) throws(StepFailure) {
    let file = try gupFile(name)
    let start = try resolve(range.address)
    let pageCount = range.size / PageSize.bytes4K
    try reserveHostMemory(pageCount.multipliedReportingOverflow(by: 8).partialValue, for: "gup_test's page array of \(pageCount) pages")
    var flags: GUPFlags = write ? [.write] : []
    if longterm || test == .pinLongterm { flags.insert(.longterm) }
    let reference: GUPReference = test.pins ? .pin : .get
    var pages: [PFN] = []
    var address = start.rawValue
    let end = start.rawValue &+ pageCount << PageSize.shift4K
    var firstError: SyscallError?
    var nr = pagesPerCall
    while address < end {
      if nr != pagesPerCall { break }
      var next = address &+ nr << PageSize.shift4K
      if next > end || next < address {
        next = end
        nr = (next - address) >> PageSize.shift4K
      }
      do {
        let got = try file.space.getUserPages(VirtualAddress(address), count: Int(nr), flags: flags, reference: reference)
        pages += got
        if got.isEmpty { break }
        nr = UInt64(got.count)
      } catch {
        firstError = error
        break
      }
      address = next
    }
    // verify_dma_pinned(): a pin that is not dma-pinned, or a long-term pin of a page that may
    // not be pinned for long, is a kernel WARN — here a model bug, so the step fails.
    if test.pins {
      for (i, pfn) in pages.enumerated() where !system.folioMaybeDMAPinned(pfn) && !system.memory.isZeroPage(pfn) {
        system.releaseUserPages(pages, reference)
        throw StepFailure(error: CommandError(name: "EFAULT", errno: .EFAULT, reason: "gup_test: pages[\(i)] is NOT dma-pinned"))
      }
      if test == .pinLongterm, let i = pages.firstIndex(where: { system.memory.kind(of: $0) == .deviceCoherent }) {
        system.releaseUserPages(pages, reference)
        throw StepFailure(error: CommandError(name: "EFAULT", errno: .EFAULT, reason: "gup_test: pages[\(i)] is NOT pinnable but pinned"))
      }
    }
    system.releaseUserPages(pages, reference)
    let done = (address - start.rawValue) >> PageSize.shift4K
    devices.results[name.name] = IoctlOutcome(returnCode: 0, cpages: done, faults: 0, data: [])
    var line = "\(name): \(test.rawValue) ret=0 pages=\(done) (\(pages.count) \(test.pins ? "pinned" : "got") and put back)"
    if let firstError { line += "; GUP stopped: \(firstError)" }
    result.output.append(line)
  }

  /// `PIN_LONGTERM_TEST_START`: `FOLL_LONGTERM` pins (with `FOLL_WRITE` for `write`) on every
  /// page, held until `unpin` or `close`. One set of pins at a time (`EINVAL` otherwise, as the
  /// driver keeps one global array); a failure unpins everything and returns GUP's error.
  func gupPin(_ name: Identifier, _ range: AddressRange, write: Bool, fast: Bool, into result: inout StepResult) throws(StepFailure) {
    let file = try gupFile(name)
    let start = try resolve(range.address)
    guard devices.gupFiles.values.allSatisfy({ $0.pinned.isEmpty }) else {
      throw ioctlError(name, .EINVAL, "PIN_LONGTERM_TEST_START: pins are held already (PIN_LONGTERM_TEST_STOP first)")
    }
    guard start.isAligned(to: PageSize.bytes4K), range.size % PageSize.bytes4K == 0, range.size > 0, range.size <= UInt64(Int64.max) else {
      throw ioctlError(name, .EINVAL, "PIN_LONGTERM_TEST_START: the range must be whole pages, not empty")
    }
    let pageCount = range.size / PageSize.bytes4K
    try reserveHostMemory(pageCount.multipliedReportingOverflow(by: 8).partialValue, for: "gup_test's page array of \(pageCount) pages")
    var pinned: [PFN] = []
    while UInt64(pinned.count) < pageCount {
      let address = start + UInt64(pinned.count) << PageSize.shift4K
      do {
        pinned += try file.space.getUserPages(address, count: Int(pageCount) - pinned.count, flags: write ? [.write, .longterm] : [.longterm], reference: .pin)
      } catch {
        system.releaseUserPages(pinned, .pin)
        devices.results[name.name] = IoctlOutcome(returnCode: -error.errno.rawValue, cpages: 0, faults: 0, data: [])
        throw StepFailure(error: CommandError(error))
      }
    }
    file.pinned = pinned
    devices.results[name.name] = IoctlOutcome(returnCode: 0, cpages: pageCount, faults: 0, data: [])
    result.output.append("\(name): pin ret=0 pages=\(pageCount)\(fast ? " (fast)" : "")")
  }

  /// `PIN_LONGTERM_TEST_STOP`: unpins what `pin` holds; returns 0.
  func gupUnpin(_ name: Identifier, into result: inout StepResult) throws(StepFailure) {
    let file = try gupFile(name)
    let count = file.pinned.count
    releasePins(of: file)
    devices.results[name.name] = IoctlOutcome(returnCode: 0, cpages: UInt64(count), faults: 0, data: [])
    result.output.append("\(name): unpin ret=0 pages=\(count)")
  }

  /// `close(fd)` of a gup_test file: the release unpins what it holds; returns 0.
  func gupClose(_ name: Identifier, into result: inout StepResult) throws(StepFailure) {
    let file = try gupFile(name)
    releasePins(of: file)
    devices.gupFiles[name.name] = nil
    devices.gupClosed.insert(name.name)
    devices.results[name.name] = IoctlOutcome(returnCode: 0, cpages: 0, faults: 0, data: [])
    result.output.append("\(name): close ret=0")
  }

  /// Unpins what a gup_test file holds (`pin_longterm_test_stop`).
  func releasePins(of file: GUPTestFile) {
    system.releaseUserPages(file.pinned, .pin)
    file.pinned = []
  }

  /// The frame `name` maps at `address` (present entries; device-private entries name their
  /// device page), for `expect PROC pins|refcount ADDR`.
  func mappedFrame(_ name: Identifier, _ address: AddressExpression) throws(StepFailure) -> PFN {
    let space = try process(name)
    let at = try resolve(address)
    let (entry, level) = space.cpuEntry(at)
    guard !entry.isNone, entry.isPresent || entry.isSwap else {
      throw StepFailure(error: CommandError(name: "ENOENT", errno: .ENOENT, reason: "\(name) maps nothing at \(address)"))
    }
    let offset = level == .pte || !entry.isHuge ? 0 : (at - at.alignedDown(to: level.entrySpan)) >> PageSize.shift4K
    return entry.pfn + offset
  }

  private func gupFile(_ name: Identifier) throws(StepFailure) -> GUPTestFile {
    guard let file = devices.gupFiles[name.name] else {
      if devices.gupClosed.contains(name.name) {
        throw StepFailure(error: CommandError(name: "EBADF", errno: Errno(rawValue: 9), reason: "\(name) is closed (by close, or by its opener's exit)"))
      }
      throw Self.unknown("gup_test file", name)
    }
    return file
  }

  private func ioctlError(_ name: Identifier, _ errno: Errno, _ reason: String) -> StepFailure {
    devices.results[name.name] = IoctlOutcome(returnCode: -errno.rawValue, cpages: 0, faults: 0, data: [])
    return StepFailure(error: CommandError(name: errno.name, errno: errno, reason: reason))
  }
}
