import ArgumentParser
import LiveLinux
import MemoryModel

#if canImport(Glibc)
import Glibc
#endif

extension HMMKitCommand {
  /// `hmmkit inspect`: a read-only snapshot of a real process's page tables, as
  /// `hmm_range_fault()` would report them.
  struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show how a real process's memory is mapped, and what hmm_range_fault() would report for it.",
      discussion: """
        Reads /proc/PID/maps and smaps, the PAGEMAP_SCAN ioctl (Linux 6.7+), /proc/PID/pagemap and \
        /proc/kpageflags. Never writes to the inspected process. PFNs and folio orders need root \
        (CAP_SYS_ADMIN). See docs/live-mode.md.
        """)

    @Option(help: "The process to inspect: a PID, or 'self' (the default: hmmkit itself).")
    var pid: String = "self"

    @Option(help: "Only the part of the address space in START-END (hexadecimal, END exclusive), e.g. 7f0000000000-7f0000400000.")
    var range: String?

    @Flag(help: "Print JSON (schema hmmkit.inspect/1, documented in docs/live-mode.md).")
    var json = false

    @Flag(help: "One summary line per VMA instead of its runs of pages.")
    var summaryOnly = false

    @Flag(name: .customLong("demo-thp"),
          help: "First map 8 MiB of THP-advised memory in hmmkit itself (PMD-mapped, PTE-mapped and huge-zero THPs), then inspect it.")
    var demoTHP = false

    @Flag(name: .customLong("no-pagemap-scan"), help: "Do not use PAGEMAP_SCAN: show what kernels before 6.7 allow.")
    var noPagemapScan = false

    func validate() throws {
      if let range {
        do { _ = try InspectionRange(parsing: range) } catch { throw ValidationError(error.description) }
      }
      if pid != "self" {
        guard let value = Int32(pid), value > 0 else { throw ValidationError(LiveLinuxError.badProcessID(pid).description) }
        if demoTHP && value != getpid() {
          throw ValidationError("--demo-thp maps memory in hmmkit itself; it cannot be combined with --pid of another process.")
        }
      }
    }

    func run() throws {
      do {
        var demo: (mapping: AnonymousMapping, steps: [String])?
        if demoTHP {
          let settings = TransparentHugePageSettings.current()
          if !settings.allowsMadvisedTHP {
            printError("warning: THP is '\(settings.enabled ?? "not built in")' on this kernel: MADV_HUGEPAGE gets no huge pages.")
          }
          demo = try AnonymousMapping.thpDemo()
        }
        var inspectionRange = try range.map { text throws(LiveLinuxError) in try InspectionRange(parsing: text) }
        if inspectionRange == nil, let mapping = demo?.mapping {
          inspectionRange = try InspectionRange(start: mapping.start, end: mapping.end)
        }
        let options = InspectionOptions(range: inspectionRange, usePagemapScan: !noPagemapScan)
        let inspector = try ProcessInspector(pid: pid == "self" ? nil : Int32(pid), options: options)
        let snapshot = try inspector.snapshot()
        if json {
          print(snapshot.jsonReport(includeRuns: !summaryOnly), terminator: "")
        } else {
          if let steps = demo?.steps {
            print("demo (in hmmkit's own memory):")
            for step in steps { print("  " + step) }
            print("")
          }
          print(snapshot.textReport(includeRuns: !summaryOnly), terminator: "")
        }
        withExtendedLifetime(demo?.mapping) {}
      } catch {
        printError("error: \(error)")
        if json { print(ProcessSnapshot.jsonErrorReport("\(error)"), terminator: "") }
        throw ExitCode.failure
      }
    }

    private func printError(_ message: String) {
      #if canImport(Glibc)
      let line = message + "\n"
      _ = line.withCString { write(2, $0, strlen($0)) }
      #else
      print(message)
      #endif
    }
  }
}
