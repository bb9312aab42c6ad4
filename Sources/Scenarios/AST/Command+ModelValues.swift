import MemoryModel

extension Command.Protection {
  /// The memory model's protection for this scenario protection.
  public var model: Protection {
    var result: Protection = []
    if read { result.insert(.read) }
    if write { result.insert(.write) }
    if execute { result.insert(.exec) }
    return result
  }
}

extension Command.Advice {
  /// The memory model's advice for this scenario advice.
  public var model: AddressSpace.Advice {
    switch self {
    case .hugepage: .hugepage
    case .nohugepage: .nohugepage
    case .dontneed: .dontneed
    case .free: .free
    case .collapse: .collapse
    }
  }
}
