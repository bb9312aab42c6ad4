import MemoryModel

extension HMM {
  /// The driver loop of Documentation/mm/hmm.rst as a resumable state machine: each
  /// ``step(_:segment:commit:)`` runs one step — `read_begin`, `hmm_range_fault()`, take the
  /// driver lock, `read_retry`, program the device, unlock — and returns the
  /// ``DriverLoopPoint`` reached, so that a scheduler can run CPU commands between any two
  /// steps. ``faultAndCommit(_:requests:retryBudget:variant:scheduler:beforeLock:commit:)``
  /// runs it straight through.
  public struct DriverLoop {
    enum State { case begin, fault, lock, retry, program, unlock, done }

    /// Which loop this is.
    public let variant: DriverLoopVariant
    /// Attempts before giving up with `-EBUSY`.
    public let retryBudget: Int
    let requests: [HMMPFN]?
    var state = State.begin
    var sequenceTaken = false
    /// What the loop did so far.
    public private(set) var result = DriverLoopResult()

    /// A loop that has not started.
    /// - Parameters:
    ///   - requests: the input entries (nil: all zero, only `defaultFlags`/`pfnFlagsMask` apply).
    ///   - retryBudget: attempts before giving up with `-EBUSY`.
    ///   - variant: the loop's variant (``DriverLoopVariant/correct`` unless a known-wrong one is
    ///     chosen for demonstration).
    public init(requests: [HMMPFN]? = nil, retryBudget: Int = 16, variant: DriverLoopVariant = .correct) {
      self.requests = requests
      self.retryBudget = retryBudget
      self.variant = variant
    }

    /// Whether the loop committed and unlocked.
    public var isFinished: Bool { state == .done }

    /// Whether the next step takes the driver lock (`hmm_range_fault()` just succeeded).
    public var locksNext: Bool { state == .lock }

    /// Runs the next step.
    /// - Parameters:
    ///   - range: the range the loop faults (its sequence is read again on each attempt).
    ///   - segment: hears ``DriverLoopPoint/segment`` inside `hmm_range_fault()`.
    ///   - commit: programs the device (the `program` step, under the driver lock).
    /// - Returns: the point reached, or nil when the loop is over.
    /// - Throws: the first error other than `-EBUSY`, or `-EBUSY` when the budget runs out.
    @inline(__always)
    public mutating func step(
      _ range: inout HMMRange, segment: ((DriverLoopPoint) -> Void)? = nil,
      commit: (inout HMMRange) throws(HMMError) -> Void
    ) throws(HMMError) -> DriverLoopPoint? {
      switch state {
      case .begin:
        guard result.calls < retryBudget else { throw .busy }
        if variant != .noSeqRefresh || !sequenceTaken {
          range.notifierSequence = range.notifier.readBegin()
          sequenceTaken = true
        }
        if let requests {
          range.pfns = requests
        } else {
          range.keepInOutFlags()
        }
        result.calls += 1
        state = .fault
        return .readBegin
      case .fault:
        do {
          try rangeFault(&range, segment: segment)
        } catch .busy {
          result.busyRetries += 1
          result.pagesFaulted += range.statistics.pagesFaulted
          result.entriesFilled += range.statistics.entriesFilled
          state = .begin
          return .rangeFault
        }
        result.pagesFaulted += range.statistics.pagesFaulted
        result.entriesFilled += range.statistics.entriesFilled
        state = .lock
        return .rangeFault
      case .lock:
        // take_lock(driver->update)
        state = .retry
        return .lock
      case .retry:
        if variant != .noReadRetry && range.notifier.readRetry(range.notifierSequence) {
          result.sequenceRetries += 1
          state = .begin
          return .unlock
        }
        state = .program
        return .readRetry
      case .program:
        state = .unlock
        do {
          try commit(&range)
        } catch {
          state = .done
          throw error
        }
        return .program
      case .unlock:
        state = .done
        return .unlock
      case .done:
        return nil
      }
    }
  }
}
