import MemoryModel
import Scenarios

/// What one line of a scenario asks for, as far as a crosscheck needs to know: the CPU-side
/// commands of the scenario language (docs/scenario-language.md, the `Scenarios` AST's
/// `Scenarios.Command`), with the arguments that the model and the real process both need.
/// Lines that only the model can run are kept with the reason why.
public enum CrosscheckOperation: Hashable, Sendable {
  /// `process NAME`.
  case process(name: String)
  /// `PROC: NAME = mmap SIZE PROT [private|shared] [anon] [align=N] [at=ADDR]` of anonymous memory.
  case mmap(process: String, name: String, size: UInt64, protection: Protection, shared: Bool,
            alignment: UInt64?, fixed: AddressExpression?)
  /// `PROC: NAME = mmap SIZE PROT [private|shared] file=F [offset=N] [align=N] [at=ADDR]`: a
  /// mapping of a file defined by `file F ...` (a memfd for real).
  case mmapFile(process: String, name: String, file: String, offset: UInt64, size: UInt64, protection: Protection,
                shared: Bool, alignment: UInt64?, fixed: AddressExpression?)
  /// `file F size=SIZE [shmem] [huge] [hugetlb=...]`: a file (for real, a memfd: tmpfs).
  case file(name: String, size: UInt64, shmem: Bool, huge: Bool, hugetlb: UInt64?)
  /// `file F write OFFSET SIZE ...`: fills the file's page cache (data is not compared).
  case fileWrite(name: String, offset: UInt64, size: UInt64)
  /// An `mmap` the real side cannot reproduce (hugetlb pages): the reason.
  case unreproducibleMmap(process: String, name: String, reason: String)
  /// `PROC: munmap ADDR SIZE`.
  case munmap(process: String, address: AddressExpression, size: UInt64)
  /// `PROC: mprotect ADDR SIZE PROT`.
  case mprotect(process: String, address: AddressExpression, size: UInt64, protection: Protection)
  /// `PROC: madvise ADDR SIZE ADVICE`.
  case madvise(process: String, address: AddressExpression, size: UInt64, advice: AddressSpace.Advice)
  /// `PROC: [NAME =] mremap ADDR OLDSIZE NEWSIZE [maymove] [fixed=ADDR] [dontunmap]`.
  case mremap(process: String, name: String?, address: AddressExpression, oldSize: UInt64, newSize: UInt64,
              mayMove: Bool, fixed: AddressExpression?, dontUnmap: Bool)
  /// `PROC: CHILD = fork`.
  case fork(parent: String, child: String)
  /// `PROC: exit`.
  case exit(process: String)
  /// `PROC: read ADDR SIZE ...` (`write` false) or `PROC: write ADDR SIZE ...` (`write` true):
  /// every 4 KiB page of the range is touched; `stores` when a write's pattern leaves data (not
  /// all zeros): then each page written holds data on both sides (not the same data: data is not
  /// compared, only whether a page is zero-filled, which decides what a THP split maps to the
  /// zero page).
  case access(process: String, address: AddressExpression, size: UInt64, write: Bool, stores: Bool = false)
  /// `PROC: snapshot ADDR SIZE`: changes nothing; a point where both sides are compared.
  case snapshot(process: String, address: AddressExpression, size: UInt64)
  /// `PROC: collapse ADDR SIZE`: khugepaged's collapse, whose timing the kernel does not let a
  /// process reproduce.
  case khugepagedCollapse(process: String)
  /// `split`: the deferred-split shrinker, which the kernel runs only under memory pressure.
  case deferredSplit
  /// `system SETTING...`: the THP mode (`thp=`), the model's physical memory (`memory=`), the
  /// fragmentation of the model's memory (`fragment=`), and the hugetlb pools it sets
  /// (`hugetlb 2M=N 1G=M`), and per-size THP modes (`thp-64K=`: order → mode, set for real).
  case system(thp: String?, memory: UInt64?, fragment: UInt64?, hugetlb2M: UInt64?, hugetlb1G: UInt64?,
              mthp: [Int: String] = [:])
  /// `PROC: NAME = mmap SIZE PROT [private|shared] anon hugetlb=2M|1G [align=N] [at=ADDR]`.
  case mmapHugetlb(process: String, name: String, size: UInt64, protection: Protection, shared: Bool, pageSize: UInt64,
                   alignment: UInt64?, fixed: AddressExpression?)
  /// A line that changes only the model, and nothing a process maps (`file ...`, `system
  /// hugetlb ...`): the keyword.
  case modelOnly(String)
  /// `expect ...`: an expectation about the model, checked by `hmmkit run`.
  case expectation
  /// A device or HMM line (`device`, `DEV: ...`, `hmm`, `notifier`, dmirror files): there is no
  /// real device. `changesCPU` says whether it can change the CPU page tables (an
  /// `hmm_range_fault()` with fault flags, a device access, a migration), after which the two
  /// sides are no longer compared.
  case device(keyword: String, changesCPU: Bool)
}

extension CrosscheckOperation {
  /// The process a command runs in, if any.
  var processName: String? {
    switch self {
    case .mmap(let process, _, _, _, _, _, _), .unreproducibleMmap(let process, _, _), .munmap(let process, _, _),
      .mmapFile(let process, _, _, _, _, _, _, _, _), .mmapHugetlb(let process, _, _, _, _, _, _, _),
      .mprotect(let process, _, _, _), .madvise(let process, _, _, _), .mremap(let process, _, _, _, _, _, _, _),
      .exit(let process), .access(let process, _, _, _, _), .snapshot(let process, _, _), .khugepagedCollapse(let process):
      return process
    case .fork(let parent, _): return parent
    case .process(let name): return name
    default: return nil
    }
  }
}
