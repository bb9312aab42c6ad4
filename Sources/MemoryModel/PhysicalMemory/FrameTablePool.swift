#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Frame tables of dropped machines, kept with the template of their size so that the next
/// ``PhysicalMemory`` of that size starts from one: a fuzz case's fresh machine then costs the
/// chunks the last one changed (cleared and refilled from the template), not a new host mapping
/// whose pages fault in one by one and an `munmap` that frees them again.
///
/// Only machines of up to ``maxPooledRAMFrames`` frames are pooled, at most ``capacity`` tables
/// (host memory the pool keeps: the pages those tables touched).
final class FrameTablePool: @unchecked Sendable {
  /// The pool every ``PhysicalMemory`` uses.
  static let shared = FrameTablePool()
  /// The largest machine pooled (4 GiB).
  static let maxPooledRAMFrames = 1 << 20
  /// Tables kept at most.
  static let capacity = 8

  private let lock: UnsafeMutablePointer<pthread_mutex_t>
  private var tables: [(table: FrameTable, template: FrameTemplate)] = []
  private var templates: [Int: FrameTemplate] = [:]

  private init() {
    lock = .allocate(capacity: 1)
    lock.initialize(to: pthread_mutex_t())
    pthread_mutex_init(lock, nil)
  }

  private func locked<T>(_ body: () -> T) -> T {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    return body()
  }

  /// A table that held a machine of `ramFrames` frames, already restored to that size's
  /// template (``give(_:template:)`` restores it), with the template; nil when none is kept.
  func take(ramFrames: Int) -> (table: FrameTable, template: FrameTemplate)? {
    locked {
      guard let index = tables.lastIndex(where: { $0.template.ramFrameCount == ramFrames }) else { return nil }
      return tables.remove(at: index)
    }
  }

  /// The template of machines of `ramFrames` frames, if one was captured.
  func template(ramFrames: Int) -> FrameTemplate? { locked { templates[ramFrames] } }

  /// Keeps `template` for its size (the first one captured stays).
  func remember(_ template: FrameTemplate) -> FrameTemplate {
    locked {
      if let kept = templates[template.ramFrameCount] { return kept }
      if templates.count >= 4 * Self.capacity { templates.removeAll() }
      templates[template.ramFrameCount] = template
      return template
    }
  }

  /// Takes back the table of a dropped machine, restored to `template` at once (or unmaps it
  /// when the pool is full).
  ///
  /// The restore runs here rather than in ``take(ramFrames:)``: the chunks it clears and refills
  /// are the ones the dropped machine's case wrote last (and its final full invariant check
  /// read), still in the host's caches now, where the next machine of this size would find them
  /// evicted by the pool's other tables. What the next machine gets is the same either way.
  func give(_ table: FrameTable, template: FrameTemplate) {
    var table = table
    table.restoreBaseline(count: template.ramFrameCount, template: template)
    let evicted: FrameTable? = locked {
      tables.append((table, template))
      return tables.count > Self.capacity ? tables.removeFirst().table : nil
    }
    evicted?.release()
  }
}
