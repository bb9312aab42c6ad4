import Scenarios

/// Renames a process in a step, for the shrinker's merge of a forked child into its parent.
enum FuzzRename {
  static func step(_ step: FuzzStep, from old: String, to new: Identifier) -> FuzzStep {
    guard case .command(let command) = step else { return step }
    return .command(self.command(command, from: old, to: new))
  }

  static func command(_ command: Command, from old: String, to new: Identifier) -> Command {
    func name(_ id: Identifier) -> Identifier { id.name == old ? new : id }
    switch command {
    case .mmap(var mmap):
      mmap.process = name(mmap.process)
      return .mmap(mmap)
    case .munmap(let p, let r): return .munmap(process: name(p), range: r)
    case .mprotect(let p, let r, let prot): return .mprotect(process: name(p), range: r, protection: prot)
    case .madvise(let p, let r, let a): return .madvise(process: name(p), range: r, advice: a)
    case .mremap(var mremap):
      mremap.process = name(mremap.process)
      return .mremap(mremap)
    case .fork(let parent, let child): return .fork(parent: name(parent), child: child)
    case .exit(let p): return .exit(process: name(p))
    case .read(var access):
      access.process = name(access.process)
      return .read(access)
    case .write(var access):
      access.process = name(access.process)
      return .write(access)
    case .collapse(let p, let r): return .collapse(process: name(p), range: r)
    case .snapshot(let p, let r): return .snapshot(process: name(p), range: r)
    case .device(.mirror(let d, let p)): return .device(.mirror(device: d, process: name(p)))
    case .device(.open(let f, let p, let n)): return .device(.open(name: f, process: name(p), device: n))
    case .device(.hmm(let p, let r, let fault)): return .device(.hmm(process: name(p), range: r, fault: fault))
    case .device(.notifierInsert(let n, let p, let r)): return .device(.notifierInsert(name: n, process: name(p), range: r))
    default: return command
    }
  }
}
