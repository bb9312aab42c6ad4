import ArgumentParser
import Foundation
import MemoryModel
import Scenarios

extension HMMKitCommand {
  /// `hmmkit demo`: the memory model at work on built-in defaults.
  struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "The main demonstration: the two tutorial scenarios (THP life cycle; HMM and devices).",
      discussion: """
        Runs Scenarios/examples/tutorial.hmm and Scenarios/examples/devices.hmm (found from the current \
        directory or the tool's location). With --built-in, or when the files cannot be found, shows the \
        memory model at work from code instead: a THP region, a partial mprotect, fork and COW.
        """)

    @Flag(help: "Show the built-in memory-model walkthrough instead of the tutorial scenarios.")
    var builtIn = false

    @Option(
      name: .customLong("memory-mib"), parsing: .unconditional,
      help: "With --built-in: physical memory of the simulated machine, in MiB (64 to 262144; default 1024). The tutorial scenarios set their own ('system memory=1G').")
    var memoryOption: String?

    /// The accepted `--memory-mib` values: at least 64 MiB for the walkthrough, at most what `run` accepts.
    static let memoryRangeMiB: ClosedRange<UInt64> = 64...MemoryOption.runRange.upperBound

    /// The walkthrough's memory in MiB.
    var memoryMiB: UInt64 { (memoryOption.flatMap { UInt64($0) }) ?? 1024 }

    func validate() throws {
      guard let memoryOption else { return }
      _ = try MemoryOption.validated(memoryOption, range: Self.memoryRangeMiB)
      if !builtIn && Self.tutorialFiles() != nil {
        throw ValidationError(
          "--memory-mib applies only with --built-in: the tutorial scenarios set their own memory ('system memory=1G'). "
            + "Use 'hmmkit demo --built-in --memory-mib \(memoryOption)'.")
      }
    }

    func run() throws {
      if !builtIn, let files = Self.tutorialFiles() {
        let result = ScenarioBatch.run(paths: files, options: ScenarioRunner.Options(memoryBytes: memoryMiB << 20, checkInvariants: true))
        let (output, errors) = result.rendered(json: false, verbose: true)
        FileHandle.standardError.write(Data(errors.utf8))
        print(output, terminator: "")
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        try Study.demo()
        return
      }
      try walkthrough()
      try Study.demo()
    }

    /// The tutorial scenarios, looked for from the current directory and from the executable's
    /// directory upwards.
    static func tutorialFiles() -> [String]? {
      let names = ["Scenarios/examples/tutorial.hmm", "Scenarios/examples/devices.hmm"]
      var starts = [FileManager.default.currentDirectoryPath]
      if let executable = CommandLine.arguments.first {
        starts.append(URL(fileURLWithPath: executable).deletingLastPathComponent().path)
      }
      for start in starts {
        var directory = URL(fileURLWithPath: start)
        for _ in 0..<8 {
          let candidates = names.map { directory.appendingPathComponent($0).path }
          if candidates.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) { return candidates }
          directory.deleteLastPathComponent()
        }
      }
      return nil
    }

    /// The memory model at work, from code.
    func walkthrough() throws {
      let system = MemorySystem(memoryBytes: .mib(memoryMiB))
      let recorder = InvalidationRecorder()
      let a = try system.createProcess(name: "A")
      a.register(recorder)
      var step = 0
      func show(_ title: String, _ space: AddressSpace, _ start: VirtualAddress, _ length: UInt64) throws {
        step += 1
        print("\n[\(step)] \(title)")
        for range in recorder.ranges { print("    invalidation: \(range)") }
        recorder.reset()
        for run in space.snapshot(start, start + length) { print("    \(space.name): \(run)") }
        let violations = system.checkInvariants()
        guard violations.isEmpty else {
          throw ValidationError("invariant violated after step \(step): \(violations.map(\.description).joined(separator: "; "))")
        }
      }
      print("HMMKit memory model demo: x86-64, 4 KiB pages, THP in madvise mode, \(memoryMiB) MiB of RAM")
      let buf = try a.mmap(.init(length: .mib(4), protection: .readWrite))
      try a.madvise(buf, .mib(4), .hugepage)
      try show("A: buf = mmap 4M rw private anon; madvise hugepage (nothing is mapped yet)", a, buf, .mib(4))
      _ = try a.read(buf + .mib(2), count: 1)
      try show("A: read buf+2M — a read fault maps the huge zero page with a PMD", a, buf, .mib(4))
      try a.touch(buf, .mib(4), write: true)
      try show("A: write buf 4M — two PMD-mapped THPs (the zero page is replaced)", a, buf, .mib(4))
      try a.mprotect(buf + .mib(1), 4096, .read)
      try show("A: mprotect buf+1M 4K r — the PMD splits into 512 PTEs; the folio stays order 9", a, buf, .mib(4))
      let b = try a.fork(childName: "B")
      b.register(recorder)
      try show("A: B = fork — every writable mapping becomes read-only, shared copy-on-write", a, buf, .mib(4))
      try b.write(buf + .mib(2), bytes: [0x42])
      try show("B: write buf+2M — the PMD splits and one 4 KiB page is copied", b, buf, .mib(4))
      try b.madvise(buf + .mib(2), .mib(2), .collapse)
      try show("B: madvise buf+2M 2M collapse — 512 PTEs become one PMD mapping a new THP", b, buf, .mib(4))
      try a.munmap(buf + .mib(3), .mib(1))
      try show("A: munmap buf+3M 1M — half a THP unmapped; the folio waits for deferred split", a, buf, .mib(4))
      print("    deferred-split queue: \(system.deferredSplitQueue.count) folio(s)")
      b.exit()
      a.exit()
      system.processDeferredSplitQueue()
      step += 1
      print("\n[\(step)] both processes exit; deferred split runs")
      print("    free frames: \(system.memory.freeFrameCount) of \(system.memory.frameCount) (the zero pages hold the rest)")
      print("    invariants: \(system.checkInvariants().isEmpty ? "hold" : "violated")")
    }
  }
}
