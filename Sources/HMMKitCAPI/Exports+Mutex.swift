import CHMMKit

/// `mutex_init()`.
@_cdecl("mutex_init")
public func capiMutexInit(_ lock: UnsafeMutablePointer<mutex>?) {
  guard let lock else { return CAPI.report("mutex_init", "the mutex is NULL") }
  lock.pointee.locked = 0
  lock.pointee.acquisitions = 0
}

/// `mutex_lock()`: a held mutex is a deadlock in a single-threaded model; it is reported and
/// the call returns without the lock.
@_cdecl("mutex_lock")
public func capiMutexLock(_ lock: UnsafeMutablePointer<mutex>?) {
  guard let lock else { return CAPI.report("mutex_lock", "the mutex is NULL") }
  guard lock.pointee.locked == 0 else {
    return CAPI.report("mutex_lock", "deadlock: mutex \(lock) is already held (the model runs one thread: an invalidation that needs the driver lock cannot run while it is held)")
  }
  lock.pointee.locked = 1
  lock.pointee.acquisitions &+= 1
  CAPI.heldMutexes += 1
}

/// `mutex_trylock()`.
@_cdecl("mutex_trylock")
public func capiMutexTrylock(_ lock: UnsafeMutablePointer<mutex>?) -> Int32 {
  guard let lock else {
    CAPI.report("mutex_trylock", "the mutex is NULL")
    return 0
  }
  guard lock.pointee.locked == 0 else { return 0 }
  lock.pointee.locked = 1
  lock.pointee.acquisitions &+= 1
  CAPI.heldMutexes += 1
  return 1
}

/// `mutex_unlock()`.
@_cdecl("mutex_unlock")
public func capiMutexUnlock(_ lock: UnsafeMutablePointer<mutex>?) {
  guard let lock else { return CAPI.report("mutex_unlock", "the mutex is NULL") }
  guard lock.pointee.locked != 0 else { return CAPI.report("mutex_unlock", "mutex \(lock) is not held") }
  lock.pointee.locked = 0
  CAPI.heldMutexes -= 1
  CExplorer.point("mutex_unlock")
}

/// `mutex_is_locked()`.
@_cdecl("mutex_is_locked")
public func capiMutexIsLocked(_ lock: UnsafePointer<mutex>?) -> Bool { (lock?.pointee.locked ?? 0) != 0 }
