import Foundation
import MemoryModel
import Testing

/// The model's pin rules against the running kernel. This kernel has no `gup_test`, so a small C
/// program pins pages the ways user space can: an io_uring fixed buffer (`FOLL_WRITE |
/// FOLL_LONGTERM`) before a fork, and an `O_DIRECT` write from a copy-on-write-shared buffer (a
/// read-only `FOLL_PIN`); it reports PFNs from `/proc/self/pagemap`. The same steps run in the
/// model, and both must agree. Skipped without gcc, root (PFNs) or io_uring.
@Suite struct GUPKernelTests {
  /// The program's report, or why it cannot run here.
  static let kernel: Result<[String: String], SkipReason> = runProgram()

  struct SkipReason: Error { let text: String }

  @Test(.enabled(if: (try? kernel.get()) != nil, "needs gcc, root and io_uring: \(kernelSkipReason)"))
  func pinnedPageIsCopiedAtForkAsTheKernelDoes() throws {
    let report = try Self.kernel.get()
    // The model: pin page 0 of four, fork.
    let system = MemorySystem(memoryBytes: 64 << 20)
    let a = try system.createProcess(name: "A")
    let buf = try a.mmap(.init(length: 16384, protection: .readWrite))
    try a.touch(buf, 16384, write: true)
    let pinned = try a.getUserPages(buf, count: 1, flags: [.write, .longterm], reference: .pin)
    let b = try a.fork(childName: "B")
    func frame(_ space: AddressSpace, _ address: VirtualAddress) -> PFN? { space.snapshot(address, address + 4096).first?.firstPFN }
    let model = [
      "small.p0": frame(b, buf) == frame(a, buf) ? "SHARED" : "COPIED",
      "small.p1": frame(b, buf + 4096) == frame(a, buf + 4096) ? "SHARED" : "COPIED",
    ]
    #expect(report["small.p0"] == model["small.p0"] && model["small.p0"] == "COPIED")
    #expect(report["small.p1"] == model["small.p1"] && model["small.p1"] == "SHARED")
    let before = frame(a, buf)
    try a.write(buf, bytes: [9])
    #expect(report["small.parentwrite"] == (frame(a, buf) == before ? "same" : "changed"))
    system.releaseUserPages(pinned, .pin)
    #expect(system.checkInvariants().isEmpty)
  }

  @Test(.enabled(if: (try? kernel.get()) != nil, "needs gcc, root and io_uring: \(kernelSkipReason)"))
  func pinnedTHPIsSplitAndCopiedAtForkAsTheKernelDoes() throws {
    let report = try Self.kernel.get()
    guard report["thp.pmd"] == "yes" else { return }  // the kernel gave no THP (fragmentation): nothing to compare
    var settings = MemorySystem.Settings()
    settings.thp = .madvise
    let system = MemorySystem(memoryBytes: 64 << 20, settings: settings)
    let a = try system.createProcess(name: "A")
    let buf = try a.mmap(.init(length: 2 << 20, protection: .readWrite, alignment: 2 << 20))
    try a.madvise(buf, 2 << 20, .hugepage)
    try a.touch(buf, 2 << 20, write: true)
    let pinned = try a.getUserPages(buf, count: 1, flags: [.write, .longterm], reference: .pin)
    let b = try a.fork(childName: "B")
    let parent = a.snapshot(buf, buf + (2 << 20))
    let child = b.snapshot(buf, buf + (2 << 20))
    let shared = zip(pageFrames(parent), pageFrames(child)).filter { $0 == $1 }.count
    #expect(report["thp.shared"] == "\(shared)" && shared == 0)
    #expect(report["thp.parentpmd"] == (parent.allSatisfy { $0.level == .pmd } ? "yes" : "no"))
    system.releaseUserPages(pinned, .pin)
  }

  @Test(.enabled(if: (try? kernel.get()) != nil, "needs gcc, root and io_uring: \(kernelSkipReason)"))
  func readOnlyPinUnsharesAsTheKernelDoes() throws {
    let report = try Self.kernel.get()
    let system = MemorySystem(memoryBytes: 64 << 20)
    let a = try system.createProcess(name: "A")
    let buf = try a.mmap(.init(length: 8192, protection: .readWrite))
    try a.touch(buf, 8192, write: true)
    let b = try a.fork(childName: "B")
    let before = a.snapshot(buf, buf + 4096)[0].firstPFN
    let pinned = try a.getUserPages(buf, count: 1, flags: [], reference: .pin)
    let after = a.snapshot(buf, buf + 4096)[0]
    #expect(report["unshare.parent"] == (after.firstPFN == before ? "same" : "CHANGED"))
    #expect(report["unshare.exclusive"] == (after.mapCount == 1 ? "1" : "0"))
    system.releaseUserPages(pinned, .pin)
    try a.write(buf, bytes: [1])
    #expect(report["unshare.reuse"] == (a.snapshot(buf, buf + 4096)[0].firstPFN == after.firstPFN ? "same" : "changed"))
    _ = b
  }

  /// One PFN per 4 KiB page of the runs (a run's pages follow its first PFN).
  func pageFrames(_ runs: [SnapshotRun]) -> [PFN?] {
    runs.flatMap { run in (0..<UInt64(run.pageCount)).map { k in run.firstPFN.map { $0 + k } } }
  }

  @Test(.enabled(if: (try? kernel.get()) != nil, "needs gcc, root and io_uring: \(kernelSkipReason)"))
  func collapseOfAPinnedPageIsRefusedAsTheKernelDoes() throws {
    let report = try Self.kernel.get()
    let system = MemorySystem(memoryBytes: 64 << 20)
    let a = try system.createProcess(name: "A")
    let buf = try a.mmap(.init(length: 2 << 20, protection: .readWrite, alignment: 2 << 20))
    try a.touch(buf, 2 << 20, write: true)
    let pinned = try a.getUserPages(buf + 8192, count: 1, flags: [.write, .longterm], reference: .pin)
    var answer = "0"
    do { try a.madvise(buf, 2 << 20, .collapse) } catch { answer = error.errno == .EAGAIN ? "EAGAIN" : "other" }
    #expect(report["collapse.pinned"] == answer && answer == "EAGAIN")
    system.releaseUserPages(pinned, .pin)
  }

  static var kernelSkipReason: String {
    if case .failure(let reason) = kernel { return reason.text }
    return ""
  }

  /// Compiles and runs the program; its `key=value` lines.
  static func runProgram() -> Result<[String: String], SkipReason> {
    guard getuid() == 0 else { return .failure(SkipReason(text: "not root: pagemap hides PFNs")) }
    let directory = NSTemporaryDirectory() + "hmmkit-gup-\(getpid())"
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let source = directory + "/pins.c"
    let binary = directory + "/pins"
    guard FileManager.default.createFile(atPath: source, contents: Data(program.utf8)) else {
      return .failure(SkipReason(text: "cannot write \(source)"))
    }
    guard run("/usr/bin/env", ["gcc", "-O1", "-o", binary, source]).status == 0 else {
      return .failure(SkipReason(text: "gcc is missing or failed"))
    }
    // The O_DIRECT file goes next to the binary unless /tmp is tmpfs (no O_DIRECT there).
    let (status, output) = run(binary, ["/var/tmp/hmmkit-gup-\(getpid()).bin"])
    guard status == 0 else { return .failure(SkipReason(text: "the program failed: \(output)")) }
    var report: [String: String] = [:]
    for line in output.split(separator: "\n") {
      let parts = line.split(separator: "=", maxSplits: 1)
      if parts.count == 2 { report[String(parts[0])] = String(parts[1]) }
    }
    return .success(report)
  }

  static func run(_ path: String, _ arguments: [String]) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (-1, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Prints `small.p0`, `small.p1`, `small.parentwrite`, `thp.pmd`, `thp.shared`,
  /// `thp.parentpmd`, `unshare.parent`, `unshare.exclusive`, `unshare.reuse`.
  static let program = #"""
    #define _GNU_SOURCE
    #include <stdio.h>
    #include <errno.h>
    #include <stdint.h>
    #include <string.h>
    #include <unistd.h>
    #include <fcntl.h>
    #include <signal.h>
    #include <sys/mman.h>
    #include <sys/syscall.h>
    #include <sys/uio.h>
    #include <sys/wait.h>
    #include <linux/io_uring.h>
    static uint64_t entry(void *p) { int fd = open("/proc/self/pagemap", O_RDONLY); uint64_t e = 0;
      pread(fd, &e, 8, ((uintptr_t)p / 4096) * 8); close(fd); return e; }
    static uint64_t pfn(void *p) { uint64_t e = entry(p); return (e >> 63) ? (e & ((1ULL << 55) - 1)) : 0; }
    static int pmd_mapped(void *p) { FILE *f = fopen("/proc/self/smaps", "r"); char line[256]; int in = 0, huge = 0;
      unsigned long start, end; while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%lx-%lx", &start, &end) == 2 && strchr(line, ':') && !strstr(line, "kB")) in = (uintptr_t)p >= start && (uintptr_t)p < end;
        else if (in && sscanf(line, "AnonHugePages: %d kB", &huge) == 1) break; }
      fclose(f); return huge > 0; }
    static int pin(char *buf) { struct io_uring_params params = {0}; int ring = syscall(__NR_io_uring_setup, 4, &params);
      if (ring < 0) return -1; struct iovec iov = { buf, 4096 };
      return syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1) < 0 ? -1 : ring; }
    static void fork_case(char *buf, size_t len, const char *name) {
      int fds[2]; pipe(fds); pid_t pid = fork();
      if (pid == 0) { uint64_t v[512]; for (size_t i = 0; i < len / 4096; i++) v[i] = pfn(buf + i * 4096);
        write(fds[1], v, sizeof(uint64_t) * (len / 4096)); _exit(0); }
      uint64_t c[512]; read(fds[0], c, sizeof(uint64_t) * (len / 4096)); waitpid(pid, NULL, 0);
      if (!strcmp(name, "small")) {
        printf("small.p0=%s\nsmall.p1=%s\n", c[0] == pfn(buf) ? "SHARED" : "COPIED", c[1] == pfn(buf + 4096) ? "SHARED" : "COPIED");
        uint64_t before = pfn(buf); buf[0] = 9; printf("small.parentwrite=%s\n", pfn(buf) == before ? "same" : "changed");
      } else { int shared = 0; for (size_t i = 0; i < len / 4096; i++) shared += c[i] == pfn(buf + i * 4096);
        printf("thp.shared=%d\nthp.parentpmd=%s\n", shared, pmd_mapped(buf) ? "yes" : "no"); } }
    int main(int argc, char **argv) {
      char *small = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      memset(small, 1, 16384);
      if (pin(small) < 0) { printf("io_uring unavailable\n"); return 1; }
      fork_case(small, 16384, "small");
      char *raw = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      char *thp = (char *)(((uintptr_t)raw + (2 << 20) - 1) & ~((2UL << 20) - 1));
      madvise(thp, 2 << 20, MADV_HUGEPAGE); memset(thp, 1, 2 << 20);
      int huge = pmd_mapped(thp); printf("thp.pmd=%s\n", huge ? "yes" : "no");
      if (huge) { pin(thp); fork_case(thp, 2 << 20, "thp"); }
      char *shared = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      memset(shared, 7, 8192);
      pid_t child = fork(); if (child == 0) { pause(); _exit(0); }
      uint64_t before = pfn(shared);
      int fd = open(argv[1], O_CREAT | O_RDWR | O_DIRECT | O_TRUNC, 0600);
      if (fd < 0 || pwrite(fd, shared, 4096, 0) != 4096) { printf("O_DIRECT unavailable\n"); kill(child, SIGKILL); return 1; }
      uint64_t after = pfn(shared);
      printf("unshare.parent=%s\nunshare.exclusive=%d\n", after == before ? "same" : "CHANGED", (int)((entry(shared) >> 56) & 1));
      shared[0] = 1; printf("unshare.reuse=%s\n", pfn(shared) == after ? "same" : "changed");
      char *craw = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      char *cbuf = (char *)(((uintptr_t)craw + (2 << 20) - 1) & ~((2UL << 20) - 1));
      memset(cbuf, 1, 2 << 20); pin(cbuf + 8192);
      printf("collapse.pinned=%s\n", madvise(cbuf, 2 << 20, 25 /* MADV_COLLAPSE */) == 0 ? "0" : errno == EAGAIN ? "EAGAIN" : "other");
      kill(child, SIGKILL); waitpid(child, NULL, 0); close(fd); unlink(argv[1]);
      return 0; }
    """#
}
