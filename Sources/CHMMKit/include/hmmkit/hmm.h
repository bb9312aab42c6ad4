/*
 * <hmmkit/hmm.h> — the Linux kernel's HMM driver interface (include/linux/hmm.h,
 * include/linux/mmu_notifier.h, include/linux/migrate.h, include/linux/memremap.h as of
 * Linux 6.18) for user-space driver code that runs against HMMKit's memory model, plus the
 * hmmkit_* harness: what the kernel would be doing around the driver (machines, processes,
 * CPU operations, scenario files, snapshots, the safety oracle, the fuzzer, the interleaving
 * explorer).
 *
 * Link with -lhmmkit. docs/c-api.md lists every function with its kernel counterpart and what
 * differs from the kernel. Errors are the kernel's negative errnos (<errno.h>: Linux values).
 * The model is single-threaded: call everything from one thread.
 */
#ifndef HMMKIT_HMM_H
#define HMMKIT_HMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HMMKIT_API_VERSION 1u

/** HMMKIT_API_VERSION of the library (compare with the header's). */
unsigned int hmmkit_header_version(void);

/* ---- Basics ------------------------------------------------------------------------- */

#ifndef PAGE_SHIFT
#define PAGE_SHIFT 12
#endif
#ifndef PAGE_SIZE
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#endif
#ifndef PAGE_MASK
#define PAGE_MASK (~(PAGE_SIZE - 1))
#endif
#ifndef PMD_SHIFT
#define PMD_SHIFT 21
#endif
#ifndef PUD_SHIFT
#define PUD_SHIFT 30
#endif
#ifndef ULONG_MAX
#define ULONG_MAX (~0UL)
#endif

/** A process's address space (opaque; from hmmkit_process_create()). */
struct mm_struct;
/** One 4 KiB frame (opaque; pointers follow x86-64's vmemmap: 0xffffea0000000000 + 64 * pfn). */
struct page;
/** A folio (opaque; page_folio()). */
struct folio;

/** The start of the virtual memory map (x86-64, 4-level paging); struct page is 64 bytes. */
#define HMMKIT_VMEMMAP_START 0xffffea0000000000UL

/** pfn_to_page(). */
static inline struct page *pfn_to_page(unsigned long pfn)
{
	return (struct page *)(uintptr_t)(HMMKIT_VMEMMAP_START + (pfn << 6));
}

/** page_to_pfn(). */
static inline unsigned long page_to_pfn(const struct page *page)
{
	return ((unsigned long)(uintptr_t)page - HMMKIT_VMEMMAP_START) >> 6;
}

/** page_folio(): the folio that holds the page. */
struct folio *page_folio(const struct page *page);
/** folio_order(): 0 for a 4 KiB folio, 9 for a 2 MiB THP. */
unsigned int folio_order(const struct folio *folio);
/** folio_page(folio, 0) and friends: page n of the folio. */
struct page *folio_page(const struct folio *folio, unsigned long n);
/** is_device_private_page(). */
bool is_device_private_page(const struct page *page);
/** is_zero_pfn(): the shared zero page (or a page of the huge zero page). */
bool is_zero_pfn(unsigned long pfn);
/** copy_highpage(): copy one page's contents (the model's contents, not host memory). */
void copy_highpage(struct page *to, struct page *from);

/* ---- Error pointers (include/linux/err.h) ----------------------------------------- */

#ifndef MAX_ERRNO
#define MAX_ERRNO 4095
#endif

/** ERR_PTR(). */
static inline void *ERR_PTR(long error)
{
	return (void *)(uintptr_t)error;
}

/** PTR_ERR(). */
static inline long PTR_ERR(const void *ptr)
{
	return (long)(uintptr_t)ptr;
}

/** IS_ERR(). */
static inline bool IS_ERR(const void *ptr)
{
	return (uintptr_t)ptr >= (uintptr_t)-MAX_ERRNO;
}

/* ---- A mutex for the driver's notifier lock ---------------------------------------- */

/** struct mutex. The model is single-threaded: locking a held mutex is a deadlock, which is
 *  reported (hmmkit_last_error()) instead of hanging. */
struct mutex {
	int locked;
	unsigned long acquisitions;
};

/** mutex_init(). */
void mutex_init(struct mutex *lock);
/** mutex_lock(). */
void mutex_lock(struct mutex *lock);
/** mutex_trylock(): 1 when acquired. */
int mutex_trylock(struct mutex *lock);
/** mutex_unlock(). */
void mutex_unlock(struct mutex *lock);
/** mutex_is_locked(). */
bool mutex_is_locked(const struct mutex *lock);

/* ---- MMU notifiers (include/linux/mmu_notifier.h) ----------------------------------- */

/** enum mmu_notifier_event, with the kernel's values. */
enum mmu_notifier_event {
	MMU_NOTIFY_UNMAP = 0,
	MMU_NOTIFY_CLEAR = 1,
	MMU_NOTIFY_PROTECTION_VMA = 2,
	MMU_NOTIFY_PROTECTION_PAGE = 3,
	MMU_NOTIFY_SOFT_DIRTY = 4,
	MMU_NOTIFY_RELEASE = 5,
	MMU_NOTIFY_MIGRATE = 6,
	MMU_NOTIFY_EXCLUSIVE = 7,
};

#define MMU_NOTIFIER_RANGE_BLOCKABLE (1 << 0)

/** struct mmu_notifier_range. */
struct mmu_notifier_range {
	struct mm_struct *mm;
	unsigned long start;
	unsigned long end;
	unsigned flags;
	enum mmu_notifier_event event;
	void *owner;
};

struct mmu_interval_notifier;

/** struct mmu_interval_notifier_ops. */
struct mmu_interval_notifier_ops {
	bool (*invalidate)(struct mmu_interval_notifier *interval_sub,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq);
};

/** struct mmu_interval_notifier: embed it in the driver's object (container_of works). */
struct mmu_interval_notifier {
	const struct mmu_interval_notifier_ops *ops;
	struct mm_struct *mm;
	unsigned long invalidate_seq;
	unsigned long hmmkit_start;
	unsigned long hmmkit_last;
};

/** mmu_interval_notifier_insert(): 0, -EINVAL (NULL arguments, an exited mm, an inserted
 *  notifier) or -EOVERFLOW (length 0 or past the end of the address space). */
int mmu_interval_notifier_insert(struct mmu_interval_notifier *interval_sub,
				 struct mm_struct *mm, unsigned long start,
				 unsigned long length,
				 const struct mmu_interval_notifier_ops *ops);
/** mmu_interval_notifier_remove(): no invalidate callback runs after it returns. */
void mmu_interval_notifier_remove(struct mmu_interval_notifier *interval_sub);
/** mmu_interval_read_begin(). */
unsigned long mmu_interval_read_begin(struct mmu_interval_notifier *interval_sub);
/** mmu_interval_set_seq(): call it from invalidate, under the driver lock. */
void mmu_interval_set_seq(struct mmu_interval_notifier *interval_sub, unsigned long cur_seq);
/** mmu_interval_read_retry(): call it under the driver lock. */
bool mmu_interval_read_retry(struct mmu_interval_notifier *interval_sub, unsigned long seq);
/** mmu_interval_check_retry(). */
bool mmu_interval_check_retry(struct mmu_interval_notifier *interval_sub, unsigned long seq);

/** mmu_notifier_range_blockable(). */
static inline bool mmu_notifier_range_blockable(const struct mmu_notifier_range *range)
{
	return (range->flags & MMU_NOTIFIER_RANGE_BLOCKABLE);
}

/* ---- hmm_range_fault() (include/linux/hmm.h) --------------------------------------- */

#define HMM_PFN_VALID (1UL << 63)
#define HMM_PFN_WRITE (1UL << 62)
#define HMM_PFN_ERROR (1UL << 61)
#define HMM_PFN_DMA_MAPPED (1UL << 60)
#define HMM_PFN_P2PDMA (1UL << 59)
#define HMM_PFN_P2PDMA_BUS (1UL << 58)
#define HMM_PFN_ORDER_SHIFT 53
#define HMM_PFN_REQ_FAULT HMM_PFN_VALID
#define HMM_PFN_REQ_WRITE HMM_PFN_WRITE
#define HMM_PFN_FLAGS (~((1UL << HMM_PFN_ORDER_SHIFT) - 1))
#define HMM_PFN_INOUT_FLAGS (HMM_PFN_DMA_MAPPED | HMM_PFN_P2PDMA | HMM_PFN_P2PDMA_BUS)
#define HMM_RANGE_DEFAULT_TIMEOUT 1000

/** struct hmm_range. */
struct hmm_range {
	struct mmu_interval_notifier *notifier;
	unsigned long notifier_seq;
	unsigned long start;
	unsigned long end;
	unsigned long *hmm_pfns;
	unsigned long default_flags;
	unsigned long pfn_flags_mask;
	void *dev_private_owner;
};

/** hmm_range_fault(): 0, -EBUSY (retry from mmu_interval_read_begin()), -EFAULT, -EPERM,
 *  -EINVAL (bad arguments, see docs/c-api.md), -ENOMEM. */
int hmm_range_fault(struct hmm_range *range);

/** hmm_pfn_to_page(). Test HMM_PFN_VALID first. */
static inline struct page *hmm_pfn_to_page(unsigned long hmm_pfn)
{
	return pfn_to_page(hmm_pfn & ~HMM_PFN_FLAGS);
}

/** hmm_pfn_to_map_order(): the order of the CPU mapping (0, 9 for a PMD, 18 for a PUD). */
static inline unsigned int hmm_pfn_to_map_order(unsigned long hmm_pfn)
{
	return (hmm_pfn >> HMM_PFN_ORDER_SHIFT) & 0x1F;
}

/* ---- VMAs, device memory and migrate_vma (include/linux/migrate.h, memremap.h) ------- */

/** struct vm_area_struct: a copy of the VMA made by vma_lookup(); valid until the next
 *  vma_lookup() of the same mm at the same start. */
struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	struct mm_struct *vm_mm;
	unsigned long vm_flags;
};

#define VM_READ 0x00000001UL
#define VM_WRITE 0x00000002UL
#define VM_EXEC 0x00000004UL
#define VM_SHARED 0x00000008UL

/** vma_lookup(): the VMA that contains addr, or NULL. */
struct vm_area_struct *vma_lookup(struct mm_struct *mm, unsigned long addr);

typedef unsigned int vm_fault_t;
#define VM_FAULT_OOM 0x000001
#define VM_FAULT_SIGBUS 0x000002

/** struct vm_fault: what migrate_to_ram() receives. */
struct vm_fault {
	struct vm_area_struct *vma;
	unsigned long address;
	struct page *page;
	unsigned int flags;
};

/** struct dev_pagemap_ops. */
struct dev_pagemap_ops {
	vm_fault_t (*migrate_to_ram)(struct vm_fault *vmf);
};

/** struct dev_pagemap: device-private memory (MEMORY_DEVICE_PRIVATE). */
struct dev_pagemap {
	const struct dev_pagemap_ops *ops;
	void *owner;
	unsigned long pfn_first;
	unsigned long nr_pages;
};

#define MIGRATE_PFN_VALID (1UL << 0)
#define MIGRATE_PFN_MIGRATE (1UL << 1)
#define MIGRATE_PFN_WRITE (1UL << 3)
#define MIGRATE_PFN_COMPOUND (1UL << 4)
#define MIGRATE_PFN_SHIFT 6

/** migrate_pfn(). */
static inline unsigned long migrate_pfn(unsigned long pfn)
{
	return (pfn << MIGRATE_PFN_SHIFT) | MIGRATE_PFN_VALID;
}

/** migrate_pfn_to_page(). */
static inline struct page *migrate_pfn_to_page(unsigned long mpfn)
{
	if (!(mpfn & MIGRATE_PFN_VALID))
		return NULL;
	return pfn_to_page(mpfn >> MIGRATE_PFN_SHIFT);
}

enum migrate_vma_direction {
	MIGRATE_VMA_SELECT_SYSTEM = 1 << 0,
	MIGRATE_VMA_SELECT_DEVICE_PRIVATE = 1 << 1,
	MIGRATE_VMA_SELECT_DEVICE_COHERENT = 1 << 2,
	MIGRATE_VMA_SELECT_COMPOUND = 1 << 3,
};

/** struct migrate_vma. src and dst have (end - start) >> PAGE_SHIFT entries. */
struct migrate_vma {
	struct vm_area_struct *vma;
	unsigned long *dst;
	unsigned long *src;
	unsigned long cpages;
	unsigned long npages;
	unsigned long start;
	unsigned long end;
	void *pgmap_owner;
	unsigned long flags;
	struct page *fault_page;
};

/** page_pgmap(): the device memory a device page belongs to, or NULL. */
struct dev_pagemap *page_pgmap(const struct page *page);

typedef unsigned int gfp_t;
#define GFP_KERNEL 0x0cc0u
#define GFP_HIGHUSER_MOVABLE 0x100ccau

/** alloc_pages(): a system-memory folio of 2^order pages (order 0 or 9) of the current machine
 *  (the one created last), or NULL. For migrate_to_ram()'s destination. */
struct page *alloc_pages(gfp_t gfp, unsigned int order);

/** migrate_vma_setup(): 0 or -EINVAL. */
int migrate_vma_setup(struct migrate_vma *args);
/** migrate_vma_pages(). */
void migrate_vma_pages(struct migrate_vma *migrate);
/** migrate_vma_finalize(). */
void migrate_vma_finalize(struct migrate_vma *migrate);

/** make_device_exclusive() (include/linux/rmap.h): faults the page at addr in for writing and
 *  replaces its PTE by a device-exclusive entry (MMU_NOTIFY_EXCLUSIVE with owner); the next
 *  CPU access restores it. The page, with *foliop its folio, or an ERR_PTR(): -EFAULT (no
 *  VMA, the fault failed), -EOPNOTSUPP (not private anonymous memory), -EINVAL (bad
 *  arguments). Call folio_unlock() and folio_put() on the folio after, as in the kernel. */
struct page *make_device_exclusive(struct mm_struct *mm, unsigned long addr, void *owner,
				   struct folio **foliop);
/** folio_unlock(): the model keeps no page locks; checks the folio. */
void folio_unlock(struct folio *folio);
/** folio_put(): make_device_exclusive() takes no reference in the model; checks the folio. */
void folio_put(struct folio *folio);

/* ---- The harness: what the kernel does around the driver ---------------------------- */

/** A machine: physical memory, the processes, the model's settings. */
struct hmmkit_machine;

/** A machine of memory_mib MiB with THP mode thp ("always", "madvise", "never"; NULL for
 *  madvise, the default of this machine's kernel). NULL (and hmmkit_last_error()) on bad input. */
struct hmmkit_machine *hmmkit_machine_create(unsigned long memory_mib, const char *thp);
/** Ends every process and frees the machine. */
void hmmkit_machine_destroy(struct hmmkit_machine *machine);
/** The text of the last harness error or bad call (never NULL; "" when none). */
const char *hmmkit_last_error(void);
/** Bad calls reported since the start (NULL range, a removed notifier, a deadlock...). */
unsigned long hmmkit_bad_calls(void);

/** A new process called name (a scenario-language identifier). */
struct mm_struct *hmmkit_process_create(struct hmmkit_machine *machine, const char *name);
/** The live process called name (also one a scenario created), or NULL. */
struct mm_struct *hmmkit_process_named(struct hmmkit_machine *machine, const char *name);
/** The machine of a process. */
struct hmmkit_machine *hmmkit_machine_of(struct mm_struct *mm);

#define HMMKIT_PROT_READ 0x1
#define HMMKIT_PROT_WRITE 0x2
#define HMMKIT_PROT_EXEC 0x4
#define HMMKIT_MAP_SHARED 0x01
#define HMMKIT_MAP_PRIVATE 0x02
#define HMMKIT_MAP_FIXED 0x10
#define HMMKIT_MAP_ANONYMOUS 0x20
#define HMMKIT_MADV_DONTNEED 4
#define HMMKIT_MADV_FREE 8
#define HMMKIT_MADV_HUGEPAGE 14
#define HMMKIT_MADV_NOHUGEPAGE 15
#define HMMKIT_MADV_COLLAPSE 25

/** mmap() of anonymous memory (prot and flags take <sys/mman.h>'s values), aligned to align
 *  bytes (0 or a power of two; MAP_FIXED uses addr). The address, or a negative errno. */
long hmmkit_mmap(struct mm_struct *mm, unsigned long addr, unsigned long length, int prot,
		 int flags, unsigned long align);
/** munmap(): 0 or a negative errno. */
int hmmkit_munmap(struct mm_struct *mm, unsigned long addr, unsigned long length);
/** mprotect(): 0 or a negative errno. */
int hmmkit_mprotect(struct mm_struct *mm, unsigned long addr, unsigned long length, int prot);
/** madvise() (MADV_DONTNEED, MADV_FREE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLLAPSE). */
int hmmkit_madvise(struct mm_struct *mm, unsigned long addr, unsigned long length, int advice);
/** The CPU writes (or reads) every page of [addr, addr + length): faults as a CPU access would;
 *  -EFAULT on SIGSEGV/SIGBUS. hmmkit_write fills each page with byte value. */
int hmmkit_write(struct mm_struct *mm, unsigned long addr, unsigned long length, unsigned char value);
/** The CPU reads [addr, addr + length) into buffer (NULL: only touch the pages). */
int hmmkit_read(struct mm_struct *mm, unsigned long addr, unsigned long length, void *buffer);
/** fork(): the child is a new process called child_name; NULL and hmmkit_last_error() on error. */
struct mm_struct *hmmkit_fork(struct mm_struct *mm, const char *child_name);
/** exit() of the process (its notifiers see MMU_NOTIFY_RELEASE). 0 or a negative errno. */
int hmmkit_exit(struct mm_struct *mm);
/** Runs a scenario file (docs/scenario-language.md) on the machine, statement by statement:
 *  its processes are the machine's (hmmkit_process_named() finds them; existing processes can
 *  be named in it). Returns the number of statements that failed (0: all ran), or a negative
 *  errno when the file cannot be read or parsed (the diagnostics are in hmmkit_last_error()). */
int hmmkit_run_scenario(struct hmmkit_machine *machine, const char *path);
/** The same for scenario text; file names it in diagnostics. */
int hmmkit_run_scenario_text(struct hmmkit_machine *machine, const char *text, const char *file);
/** The start address of a region a scenario named, or 0. */
unsigned long hmmkit_region_address(struct hmmkit_machine *machine, const char *name);

/** The CPU's view of one 4 KiB page (hmmkit_snapshot()). */
struct hmmkit_page_state {
	unsigned long pfn;          /* the frame (device-private: the device frame) */
	unsigned char present;      /* mapped by a present entry */
	unsigned char writable;     /* writable through the CPU page table */
	unsigned char map_order;    /* 0 (PTE), 9 (PMD), 18 (PUD) */
	unsigned char folio_order;  /* the order of the folio the frame belongs to */
	unsigned char device_private; /* a device-private entry */
	unsigned char zero_page;    /* the shared zero page or huge zero page */
	unsigned char vma;          /* inside a VMA */
	unsigned char reserved;
};
/** Fills states[0 .. npages) for the pages from addr: 0 or a negative errno. */
int hmmkit_snapshot(struct mm_struct *mm, unsigned long addr, unsigned long npages,
		    struct hmmkit_page_state *states);

/** The safety oracle asks the driver for its mappings through a report callback, which calls
 *  emit once per device mapping of (PAGE_SIZE << order) bytes at start mapping frames from pfn. */
typedef void (*hmmkit_emit_fn)(void *cookie, unsigned long start, unsigned int order,
			       unsigned long pfn, bool writable);
typedef void (*hmmkit_report_fn)(void *driver, hmmkit_emit_fn emit, void *cookie);

/** Watches a driver mirroring mm (name for reports): invariant 2 (nothing of an invalidated
 *  range stays mapped) is checked at the end of every invalidation of mm, invariant 1 (every
 *  device mapping is CPU-mapped to the same frame, writable only if the CPU's is) by
 *  hmmkit_oracle_check(). Insert the driver's notifier first. 0 or a negative errno. */
int hmmkit_oracle_watch(struct mm_struct *mm, const char *name, hmmkit_report_fn report, void *driver);
/** Stops watching driver. */
void hmmkit_oracle_unwatch(struct hmmkit_machine *machine, void *driver);
/** Checks invariant 1 now and returns the number of violations of both invariants since the
 *  last check (0: clean); the first is copied to message (size bytes, may be NULL). */
int hmmkit_oracle_check(struct hmmkit_machine *machine, char *message, size_t size);
/** The model's own invariants (map and reference counts, page tables): number of violations. */
int hmmkit_check_invariants(struct hmmkit_machine *machine, char *message, size_t size);

/** Device-private memory (memremap_pages() with MEMORY_DEVICE_PRIVATE): nr_pages frames
 *  (a multiple of 512) owned by pgmap->owner; sets pgmap->pfn_first. 0 or a negative errno. */
int hmmkit_memremap_pages(struct hmmkit_machine *machine, struct dev_pagemap *pgmap, unsigned long nr_pages);
/** A free device page (order 0) or 2 MiB folio (order 9) of pgmap, or NULL. */
struct page *hmmkit_devmem_alloc(struct dev_pagemap *pgmap, unsigned int order);

/* ---- The fuzzer and the interleaving explorer --------------------------------------- */

/** What the fuzzer runs (hmmkit_fuzz()). */
struct hmmkit_fuzz_ops {
	/* A fresh machine and the process mm to mirror (the fuzzer's first process): set the
	 * driver up (notifier over what it mirrors, hmmkit_oracle_watch()). Return 0. */
	int (*setup)(struct hmmkit_machine *machine, struct mm_struct *mm, void *ctx);
	/* The driver entry point: a device access at addr. Its return value is only recorded. */
	int (*fault)(void *ctx, unsigned long addr, bool write);
	/* Free the driver's state (remove its notifier); the machine is destroyed after. */
	void (*teardown)(void *ctx);
};

/** The fuzzer's configuration: seed (printed with every finding), cases, scenario steps per case,
 *  device accesses after each step. */
struct hmmkit_fuzz_config {
	unsigned long seed;
	unsigned int cases;
	unsigned int steps;
	unsigned int accesses_per_step;
	int verbose; /* print each case's scenario on stderr */
	const char *reproducer; /* when not NULL: the first finding's case is written to this file,
				 * as scenario text with the finding in its header */
	int stop_at_finding;    /* end the run after the first case with a finding */
};

/** What a fuzz run found. */
struct hmmkit_fuzz_result {
	unsigned int cases_run;
	unsigned long steps_run;
	unsigned long accesses;
	unsigned long accesses_failed;
	unsigned int findings;       /* cases with an oracle or invariant violation */
	int first_case;              /* -1 when none */
	char message[1024];          /* the first finding and how to reproduce it */
};

/** Runs the driver under HMMKit's scenario fuzzer: each case is a generated scenario (the same
 *  generator as `hmmkit fuzz`: mmap, THP cuts, mprotect, madvise, mremap, fork, exit, collapse)
 *  with device accesses through ops->fault between its steps, and the safety oracle and the
 *  model's invariants checked after every step. Returns the number of findings (0: clean) or a
 *  negative errno for bad arguments. */
int hmmkit_fuzz(const struct hmmkit_fuzz_config *config, const struct hmmkit_fuzz_ops *ops, void *ctx,
		struct hmmkit_fuzz_result *result);

/** What the explorer runs (hmmkit_explore()). */
struct hmmkit_explore_ops {
	/* Build the state before the race on a fresh machine: processes, memory, the driver. */
	int (*setup)(struct hmmkit_machine *machine, void *ctx);
	/* The driver entry point whose steps are interleaved (e.g. a device fault). */
	int (*run)(void *ctx);
	/* The CPU operation that races with it (atomic: runs at one point). */
	void (*race)(void *ctx);
	/* Free the driver's state; the machine is destroyed after. */
	void (*teardown)(void *ctx);
};

/** What an exploration found. */
struct hmmkit_explore_result {
	unsigned int interleavings;  /* runs, one per point (plus before and after) */
	unsigned int points;         /* interleaving points the driver passed in the plain run */
	unsigned int findings;       /* interleavings with an oracle or invariant violation */
	int first_finding;           /* index of the first (0: race before the driver), -1 for none */
	char message[1024];
};

/** Runs ops->run once per interleaving point, with ops->race at that point: before the entry
 *  point, after each mmu_interval_read_begin(), hmm_range_fault() return and mutex_unlock()
 *  (points under a held mutex are skipped: an invalidation would wait for the unlock), and
 *  after it returns. Checks the safety oracle and the invariants after each. Returns the
 *  number of findings or a negative errno. */
int hmmkit_explore(const struct hmmkit_explore_ops *ops, void *ctx, struct hmmkit_explore_result *result);

/** Which interleaving point the running exploration is at (for driver logs), or NULL. */
const char *hmmkit_explore_point(void);

#ifdef __cplusplus
}
#endif

#endif /* HMMKIT_HMM_H */
