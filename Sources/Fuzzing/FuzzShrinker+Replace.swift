import Scenarios

extension FuzzShrinker {
  /// Candidates that replace the statement at `index` together with what only it needed by
  /// fewer, plainer statements, simplest first:
  /// - an `mremap` that names its result, as an `mmap` of the new size (with the source
  ///   mapping's protection and sharing), first without the source mapping when nothing else
  ///   names it, then with it;
  /// - a `fork`, without the child and every statement that names it.
  static func replacements(_ steps: [FuzzStep], at index: Int) -> [[FuzzStep]] {
    guard case .command(let command) = steps[index] else { return [] }
    switch command {
    case .mremap(let mremap):
      guard let name = mremap.name else { return [] }
      let source = mremap.range.address.region.map(\.name)
      let sourceIndex = steps.firstIndex { step in
        if case .command(.mmap(let mmap)) = step { return mmap.name.name == source }
        return false
      }
      var protection = Command.Protection(read: true, write: true, execute: false)
      var shared = false
      if let sourceIndex, case .command(.mmap(let mmap)) = steps[sourceIndex] {
        protection = mmap.protection
        shared = mmap.shared
      }
      var result: [[FuzzStep]] = []
      for protection in [protection, Command.Protection(read: true, write: true, execute: false)] {
        let mmap = Command.Mmap(process: mremap.process, name: name, size: mremap.newSize, protection: protection,
                                shared: shared)
        var replaced = steps
        replaced[index] = .command(.mmap(mmap))
        if let sourceIndex, let source {
          let others = replaced.indices.filter { $0 != sourceIndex && mentions(replaced[$0], source) }
          if others.isEmpty {
            var without = replaced
            without.remove(at: sourceIndex)
            result.append(without)
          }
        }
        result.append(replaced)
      }
      return result.reduce(into: []) { unique, candidate in if !unique.contains(candidate) { unique.append(candidate) } }
    case .fork(_, let child):
      var kept = steps
      kept.remove(at: index)
      kept.removeAll { mentions($0, child.name) }
      return [kept]
    default:
      return []
    }
  }
}
