/*
 * Tests of the example SVM driver (svm.c) and of <hmmkit/hmm.h> itself, against HMMKit's
 * memory model. Usage: test_svm [TEST...] (no argument: all). Prints "ok N - TEST" or
 * "not ok N - TEST" per test and exits 1 when one failed.
 */
#include "svm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MB (1UL << 20)

static int failures;
static const char *current;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			printf("# %s: %s:%d: check failed: %s\n", current, __FILE__, __LINE__, #cond); \
			printf("#   last error: %s\n", hmmkit_last_error());               \
			failures++;                                                        \
			return;                                                            \
		}                                                                          \
	} while (0)

/* A notifier that records what it is told, for the API tests. */
struct recorder {
	struct mmu_interval_notifier notifier;
	struct mutex lock;
	unsigned long calls;
	enum mmu_notifier_event last_event;
	unsigned long last_start, last_end;
	unsigned long protection_start, protection_end; /* the last MMU_NOTIFY_PROTECTION_VMA range */
	unsigned long events[8];
};

static bool recorder_invalidate(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range,
				unsigned long cur_seq)
{
	struct recorder *r = (struct recorder *)((char *)mni - offsetof(struct recorder, notifier));

	mutex_lock(&r->lock);
	mmu_interval_set_seq(mni, cur_seq);
	r->calls++;
	r->last_event = range->event;
	r->last_start = range->start;
	r->last_end = range->end;
	if ((unsigned)range->event < 8)
		r->events[range->event]++;
	if (range->event == MMU_NOTIFY_PROTECTION_VMA) {
		r->protection_start = range->start;
		r->protection_end = range->end;
	}
	mutex_unlock(&r->lock);
	return true;
}

static const struct mmu_interval_notifier_ops recorder_ops = { .invalidate = recorder_invalidate };

/* A process with a 2M-aligned THP at *addr (4M mapped, the first 2M written). */
static struct mm_struct *thp_process(struct hmmkit_machine *m, const char *name, unsigned long *addr)
{
	struct mm_struct *mm = hmmkit_process_create(m, name);
	long a;

	if (!mm)
		return NULL;
	a = hmmkit_mmap(mm, 0, 4 * MB, HMMKIT_PROT_READ | HMMKIT_PROT_WRITE, HMMKIT_MAP_PRIVATE | HMMKIT_MAP_ANONYMOUS, 2 * MB);
	if (a < 0 || hmmkit_madvise(mm, a, 4 * MB, HMMKIT_MADV_HUGEPAGE) || hmmkit_write(mm, a, 2 * MB, 0x5a))
		return NULL;
	*addr = (unsigned long)a;
	return mm;
}

/* hmm_range_fault() over [start, end) with REQ_FAULT (and REQ_WRITE) on every page. */
static int fault_range(struct mmu_interval_notifier *n, unsigned long start, unsigned long end,
		       unsigned long *pfns, bool write)
{
	struct hmm_range range = {
		.notifier = n,
		.start = start,
		.end = end,
		.hmm_pfns = pfns,
		.default_flags = HMM_PFN_REQ_FAULT | (write ? HMM_PFN_REQ_WRITE : 0),
	};
	int ret;

	do {
		range.notifier_seq = mmu_interval_read_begin(n);
		ret = hmm_range_fault(&range);
	} while (ret == -EBUSY);
	return ret;
}

/* THP → order 9; partial mprotect → MMU_NOTIFY_PROTECTION_VMA, then order 0. */
static void test_thp_and_mprotect(void)
{
	static unsigned long pfns[512];
	struct hmmkit_machine *m = hmmkit_machine_create(256, "madvise");
	struct recorder r = { 0 };
	struct hmmkit_page_state state;
	unsigned long addr;
	struct mm_struct *mm;

	CHECK(m);
	mm = thp_process(m, "P", &addr);
	CHECK(mm);
	mutex_init(&r.lock);
	CHECK(mmu_interval_notifier_insert(&r.notifier, mm, addr, 4 * MB, &recorder_ops) == 0);
	CHECK(fault_range(&r.notifier, addr, addr + 2 * MB, pfns, true) == 0);
	for (int i = 0; i < 512; i++) {
		CHECK(pfns[i] & HMM_PFN_VALID);
		CHECK(pfns[i] & HMM_PFN_WRITE);
		CHECK(hmm_pfn_to_map_order(pfns[i]) == 9);
		CHECK((pfns[i] & ~HMM_PFN_FLAGS) == (pfns[0] & ~HMM_PFN_FLAGS) + i);
		CHECK(page_to_pfn(hmm_pfn_to_page(pfns[i])) == (pfns[i] & ~HMM_PFN_FLAGS));
	}
	CHECK(folio_order(page_folio(hmm_pfn_to_page(pfns[7]))) == 9);
	CHECK(hmmkit_snapshot(mm, addr, 1, &state) == 0);
	CHECK(state.present && state.map_order == 9 && state.pfn == (pfns[0] & ~HMM_PFN_FLAGS));
	printf("# THP at 0x%lx: hmm_pfns[0] = 0x%lx, order %u\n", addr, pfns[0], hmm_pfn_to_map_order(pfns[0]));

	/* A stale sequence is -EBUSY once an invalidation hit the interval. */
	unsigned long seq = mmu_interval_read_begin(&r.notifier);
	CHECK(hmmkit_mprotect(mm, addr + 4096, 4096, HMMKIT_PROT_READ) == 0);
	CHECK(r.calls >= 1);
	CHECK(r.events[MMU_NOTIFY_PROTECTION_VMA] == 1);
	CHECK(MMU_NOTIFY_PROTECTION_VMA == 2);
	CHECK(r.protection_start <= addr + 4096 && r.protection_end >= addr + 8192);
	CHECK(mmu_interval_read_retry(&r.notifier, seq));
	struct hmm_range stale = {
		.notifier = &r.notifier, .notifier_seq = seq, .start = addr, .end = addr + 2 * MB,
		.hmm_pfns = pfns, .default_flags = HMM_PFN_REQ_FAULT,
	};
	CHECK(hmm_range_fault(&stale) == -EBUSY);

	memset(pfns, 0, sizeof(pfns));
	CHECK(fault_range(&r.notifier, addr, addr + 2 * MB, pfns, false) == 0);
	for (int i = 0; i < 512; i++) {
		CHECK(pfns[i] & HMM_PFN_VALID);
		CHECK(hmm_pfn_to_map_order(pfns[i]) == 0);
	}
	CHECK(pfns[0] & HMM_PFN_WRITE);
	CHECK(!(pfns[1] & HMM_PFN_WRITE));
	CHECK(pfns[2] & HMM_PFN_WRITE);
	/* The folio is still one THP: only the mapping changed. */
	CHECK(folio_order(page_folio(hmm_pfn_to_page(pfns[0]))) == 9);
	printf("# after mprotect: %lu invalidation(s): %lu MMU_NOTIFY_PROTECTION_VMA [0x%lx, 0x%lx), %lu MMU_NOTIFY_CLEAR; order %u\n",
	       r.calls, r.events[MMU_NOTIFY_PROTECTION_VMA], r.protection_start, r.protection_end,
	       r.events[MMU_NOTIFY_CLEAR], hmm_pfn_to_map_order(pfns[0]));

	/* A write request to the read-only page: -EPERM (the VMA is not writable). */
	unsigned long one;
	struct hmm_range ro = {
		.notifier = &r.notifier, .start = addr + 4096, .end = addr + 8192, .hmm_pfns = &one,
		.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
	};
	ro.notifier_seq = mmu_interval_read_begin(&r.notifier);
	CHECK(hmm_range_fault(&ro) == -EPERM);

	mmu_interval_notifier_remove(&r.notifier);
	hmmkit_machine_destroy(m);
}

/* A callback that (wrongly) walks the CPU page tables from inside the invalidation. */
static int nested_result = 1;
static bool nested_invalidate(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	unsigned long one = 0;
	struct hmm_range inner = { .notifier = mni, .start = range->start & PAGE_MASK,
				   .end = (range->start & PAGE_MASK) + PAGE_SIZE, .hmm_pfns = &one };

	mmu_interval_set_seq(mni, cur_seq);
	inner.notifier_seq = cur_seq;
	nested_result = hmm_range_fault(&inner);
	return true;
}
static const struct mmu_interval_notifier_ops nested_ops = { .invalidate = nested_invalidate };

/* Bad calls return the kernel's errno (or are reported) and never crash. */
static void test_bad_calls(void)
{
	static unsigned long pfns[512];
	struct hmmkit_machine *m = hmmkit_machine_create(64, NULL);
	struct recorder r = { 0 };
	unsigned long addr, before;
	struct mm_struct *mm;
	struct mutex lock;

	CHECK(m);
	mm = thp_process(m, "P", &addr);
	CHECK(mm);
	mutex_init(&r.lock);
	CHECK(hmm_range_fault(NULL) == -EINVAL);
	CHECK(strstr(hmmkit_last_error(), "range is NULL"));

	CHECK(mmu_interval_notifier_insert(&r.notifier, mm, addr, 0, &recorder_ops) == -EOVERFLOW);
	CHECK(mmu_interval_notifier_insert(&r.notifier, mm, ULONG_MAX - 4095, 8192, &recorder_ops) == -EOVERFLOW);
	CHECK(mmu_interval_notifier_insert(&r.notifier, NULL, addr, 4096, &recorder_ops) == -EINVAL);
	CHECK(mmu_interval_notifier_insert(&r.notifier, (struct mm_struct *)&lock, addr, 4096, &recorder_ops) == -EINVAL);
	CHECK(mmu_interval_notifier_insert(&r.notifier, mm, addr, 2 * MB, NULL) == -EINVAL);

	struct hmm_range range = { .notifier = &r.notifier, .start = addr, .end = addr + 2 * MB, .hmm_pfns = pfns };
	CHECK(hmm_range_fault(&range) == -EINVAL); /* not inserted */
	CHECK(strstr(hmmkit_last_error(), "mmu_interval_notifier_"));
	CHECK(mmu_interval_notifier_insert(&r.notifier, mm, addr, 4 * MB, &recorder_ops) == 0);
	CHECK(mmu_interval_notifier_insert(&r.notifier, mm, addr, 4 * MB, &recorder_ops) == -EINVAL);

	range.notifier_seq = mmu_interval_read_begin(&r.notifier);
	range.start = addr + 1;
	CHECK(hmm_range_fault(&range) == -EINVAL);
	CHECK(strstr(hmmkit_last_error(), "not page aligned"));
	range.start = addr + 2 * MB;
	range.end = addr;
	CHECK(hmm_range_fault(&range) == -EINVAL);
	CHECK(strstr(hmmkit_last_error(), "is not above"));
	range.start = addr;
	range.end = addr + 2 * MB;
	range.hmm_pfns = NULL;
	CHECK(hmm_range_fault(&range) == -EINVAL);
	range.hmm_pfns = pfns;
	range.end = ULONG_MAX & PAGE_MASK;
	CHECK(hmm_range_fault(&range) == -EINVAL); /* absurdly large */
	range.end = addr + 2 * MB;
	range.notifier_seq = mmu_interval_read_begin(&r.notifier);
	CHECK(hmm_range_fault(&range) == 0);

	/* An address without a VMA, with a fault requested: -EFAULT. */
	unsigned long one = 0;
	struct hmm_range hole = { .notifier = &r.notifier, .start = 4096, .end = 8192, .hmm_pfns = &one,
				  .default_flags = HMM_PFN_REQ_FAULT };
	hole.notifier_seq = mmu_interval_read_begin(&r.notifier);
	CHECK(hmm_range_fault(&hole) == -EFAULT);
	hole.default_flags = 0;
	CHECK(hmm_range_fault(&hole) == 0 && (one & HMM_PFN_ERROR));

	/* Used after remove: an errno and a message naming the remove. */
	mmu_interval_notifier_remove(&r.notifier);
	CHECK(hmm_range_fault(&range) == -EINVAL);
	CHECK(strstr(hmmkit_last_error(), "was removed"));
	before = hmmkit_bad_calls();
	(void)mmu_interval_read_begin(&r.notifier);
	mmu_interval_set_seq(&r.notifier, 3);
	mmu_interval_notifier_remove(&r.notifier);
	CHECK(hmmkit_bad_calls() == before + 3);
	CHECK(hmmkit_mprotect(mm, addr, 4096, HMMKIT_PROT_READ) == 0);
	CHECK(r.calls == 0); /* no callback after remove */

	/* hmm_range_fault() from inside invalidate: -EDEADLK, not a corrupted model. */
	struct mmu_interval_notifier nested;
	CHECK(mmu_interval_notifier_insert(&nested, mm, addr, 4 * MB, &nested_ops) == 0);
	CHECK(hmmkit_mprotect(mm, addr, 4096, HMMKIT_PROT_READ | HMMKIT_PROT_WRITE) == 0);
	CHECK(nested_result == -EDEADLK);
	mmu_interval_notifier_remove(&nested);

	/* A deadlock is reported, not hung. */
	mutex_init(&lock);
	mutex_lock(&lock);
	before = hmmkit_bad_calls();
	mutex_lock(&lock);
	CHECK(hmmkit_bad_calls() == before + 1 && strstr(hmmkit_last_error(), "deadlock"));
	mutex_unlock(&lock);
	mutex_unlock(&lock);
	CHECK(strstr(hmmkit_last_error(), "not held"));

	/* Harness calls. */
	CHECK(hmmkit_mmap(mm, 0, 4096, HMMKIT_PROT_READ, HMMKIT_MAP_PRIVATE | 0x100000, 0) == -EINVAL);
	CHECK(hmmkit_mmap(mm, 0, 4096, HMMKIT_PROT_READ, HMMKIT_MAP_PRIVATE | HMMKIT_MAP_ANONYMOUS, 3) == -EINVAL);
	CHECK(hmmkit_mprotect(mm, addr + 1, 4096, HMMKIT_PROT_READ) == -EINVAL);
	CHECK(hmmkit_madvise(mm, addr, 4096, 1234) == -EINVAL);
	CHECK(hmmkit_munmap(NULL, addr, 4096) == -EINVAL);
	CHECK(hmmkit_process_create(m, "P") == NULL);
	CHECK(hmmkit_process_create(m, "bad name") == NULL);
	CHECK(hmmkit_machine_create(1, NULL) == NULL);
	CHECK(hmmkit_machine_create(64, "sometimes") == NULL);
	CHECK(hmmkit_run_scenario(m, "/nonexistent/file.hmm") == -ENOENT);
	CHECK(hmmkit_run_scenario_text(m, "P: mmap\n", "bad.hmm") == -EINVAL);
	CHECK(strstr(hmmkit_last_error(), "bad.hmm:1"));
	CHECK(folio_order((struct folio *)&lock) == 0 && strstr(hmmkit_last_error(), "not a struct page"));
	CHECK(page_folio(pfn_to_page(1UL << 40)) == NULL);
	CHECK(hmmkit_exit(mm) == 0);
	CHECK(hmmkit_write(mm, addr, 4096, 1) == -3); /* -ESRCH: the process has exited */
	hmmkit_machine_destroy(m);
	CHECK(hmmkit_process_named(m, "P") == NULL); /* a destroyed machine */
	printf("# %lu bad calls reported, none crashed\n", hmmkit_bad_calls());
}

/* The example driver: 2M device entries on a THP, 4K after a partial mprotect. */
static void test_driver(void)
{
	struct hmmkit_machine *m = hmmkit_machine_create(256, "madvise");
	struct svm_device dev;
	char message[512];
	unsigned long addr;
	struct mm_struct *mm;
	const struct svm_mapping *e;

	CHECK(m);
	mm = thp_process(m, "P", &addr);
	CHECK(mm);
	CHECK(svm_init(&dev, mm, 0) == 0);
	CHECK(svm_fault(&dev, addr + 12345, true) == 0);
	e = svm_lookup(&dev, addr + 12345);
	CHECK(e && e->order == 9 && e->start == addr && e->writable);
	CHECK(hmmkit_oracle_check(m, message, sizeof(message)) == 0);
	CHECK(hmmkit_mprotect(mm, addr + 4096, 4096, HMMKIT_PROT_READ) == 0);
	CHECK(dev.invalidations[MMU_NOTIFY_PROTECTION_VMA] == 1);
	CHECK(svm_lookup(&dev, addr) == NULL);
	CHECK(svm_fault(&dev, addr, true) == 0);
	e = svm_lookup(&dev, addr);
	CHECK(e && e->order == 0 && e->writable);
	CHECK(svm_fault(&dev, addr + 4096, true) == -EPERM);
	CHECK(svm_fault(&dev, addr + 4096, false) == 0);
	e = svm_lookup(&dev, addr + 4096);
	CHECK(e && e->order == 0 && !e->writable);
	CHECK(hmmkit_oracle_check(m, message, sizeof(message)) == 0);
	/* munmap: MMU_NOTIFY_UNMAP, the device keeps nothing of it. */
	CHECK(hmmkit_munmap(mm, addr, 2 * MB) == 0);
	CHECK(dev.invalidations[MMU_NOTIFY_UNMAP] == 1);
	CHECK(dev.nr_mappings == 0);
	CHECK(svm_fault(&dev, addr, false) == -EFAULT);
	CHECK(hmmkit_check_invariants(m, message, sizeof(message)) == 0);
	printf("# driver: %lu faults, %lu 2M and %lu 4K entries, %lu retries\n", dev.faults, dev.mapped_2m,
	       dev.mapped_4k, dev.retries);
	svm_fini(&dev);
	hmmkit_machine_destroy(m);
}

/* The oracle catches a driver that keeps a mapping the invalidation should have removed. */
static struct svm_device *leaky;
static bool leaky_invalidate(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range,
			     unsigned long cur_seq)
{
	(void)range;
	mmu_interval_set_seq(mni, cur_seq); /* ... and forgets to unmap */
	return true;
}
static const struct mmu_interval_notifier_ops leaky_ops = { .invalidate = leaky_invalidate };

static void test_oracle(void)
{
	struct hmmkit_machine *m = hmmkit_machine_create(256, "madvise");
	struct svm_device dev;
	char message[512];
	unsigned long addr;
	struct mm_struct *mm;

	CHECK(m);
	mm = thp_process(m, "P", &addr);
	CHECK(mm);
	CHECK(svm_init(&dev, mm, 0) == 0);
	leaky = &dev;
	/* Swap in callbacks that do not unmap. */
	mmu_interval_notifier_remove(&dev.notifier);
	CHECK(mmu_interval_notifier_insert(&dev.notifier, mm, 0, ULONG_MAX & PAGE_MASK, &leaky_ops) == 0);
	CHECK(svm_fault(&dev, addr, true) == 0);
	CHECK(hmmkit_oracle_check(m, message, sizeof(message)) == 0);
	CHECK(hmmkit_madvise(mm, addr, 2 * MB, HMMKIT_MADV_DONTNEED) == 0);
	CHECK(hmmkit_oracle_check(m, message, sizeof(message)) >= 2); /* invariants 2 and 1 */
	CHECK(strstr(message, "invariant 2"));
	printf("# oracle: %s\n", message);
	hmmkit_oracle_unwatch(m, &dev);
	CHECK(hmmkit_oracle_check(m, message, sizeof(message)) == 0);
	svm_fini(&dev);
	hmmkit_machine_destroy(m);
}

/* A scenario file's processes and regions are the machine's. */
static void test_scenario(void)
{
	struct hmmkit_machine *m = hmmkit_machine_create(256, "always");
	struct svm_device dev;
	unsigned long buf;
	struct mm_struct *a;
	const struct svm_mapping *e;
	char message[512];

	CHECK(m);
	CHECK(hmmkit_run_scenario_text(m,
				       "process A\n"
				       "A: buf = mmap 4M rw align=2M\n"
				       "A: write buf 4M\n"
				       "expect A snapshot buf 2M == present write pmd order=9\n",
				       "inline.hmm") == 0);
	a = hmmkit_process_named(m, "A");
	buf = hmmkit_region_address(m, "buf");
	CHECK(a && buf);
	CHECK(svm_init(&dev, a, 0) == 0);
	CHECK(svm_fault(&dev, buf + 2 * MB, false) == 0);
	e = svm_lookup(&dev, buf + 2 * MB);
	CHECK(e && e->order == 9);
	/* A fork write-protects the THP: the device's writable entry goes (PROTECTION_PAGE or CLEAR). */
	CHECK(hmmkit_fork(a, "B") != NULL);
	CHECK(hmmkit_run_scenario_text(m, "B: write buf 4K\nB: exit\n", "inline2.hmm") == 0);
	CHECK(hmmkit_oracle_check(m, message, sizeof(message)) == 0);
	CHECK(hmmkit_run_scenario_text(m, "expect A snapshot buf 4K == present write pte\n", "inline3.hmm") == 1);
	svm_fini(&dev);
	hmmkit_machine_destroy(m);
}

/* migrate_vma to device-private memory and back through migrate_to_ram. */
static void test_migrate(void)
{
	struct hmmkit_machine *m = hmmkit_machine_create(256, "madvise");
	struct hmmkit_page_state state;
	struct svm_device dev;
	unsigned char bytes[8];
	unsigned long addr, pfn;
	struct mm_struct *mm;
	long a;

	CHECK(m);
	mm = hmmkit_process_create(m, "P");
	CHECK(mm);
	a = hmmkit_mmap(mm, 0, 16 * 4096, HMMKIT_PROT_READ | HMMKIT_PROT_WRITE, HMMKIT_MAP_PRIVATE | HMMKIT_MAP_ANONYMOUS, 0);
	CHECK(a > 0);
	addr = (unsigned long)a;
	CHECK(hmmkit_write(mm, addr, 16 * 4096, 0xab) == 0);
	CHECK(svm_init(&dev, mm, 0) == 0);
	CHECK(svm_add_device_memory(&dev, m, 1024) == 0);
	CHECK(svm_migrate_to_device(&dev, addr, addr + 16 * 4096) == 16);
	CHECK(hmmkit_snapshot(mm, addr, 1, &state) == 0);
	CHECK(state.device_private && !state.present);
	pfn = state.pfn;
	CHECK(is_device_private_page(pfn_to_page(pfn)));
	CHECK(page_pgmap(pfn_to_page(pfn)) == &dev.pagemap);
	/* hmm_range_fault() reports our own device pages without faulting them. */
	CHECK(svm_fault(&dev, addr, true) == 0);
	CHECK(svm_lookup(&dev, addr) && svm_lookup(&dev, addr)->pfn == pfn);
	CHECK(dev.migrations_to_ram == 0);
	/* The CPU touches a page: migrate_to_ram brings it back with its data. */
	CHECK(hmmkit_read(mm, addr + 4096, sizeof(bytes), bytes) == 0);
	CHECK(dev.migrations_to_ram == 1);
	CHECK(bytes[0] == 0xab && bytes[7] == 0xab);
	CHECK(hmmkit_snapshot(mm, addr + 4096, 1, &state) == 0);
	CHECK(state.present && !state.device_private);
	char message[512];
	CHECK(hmmkit_oracle_check(m, message, sizeof(message)) == 0);
	CHECK(hmmkit_check_invariants(m, message, sizeof(message)) == 0);
	printf("# migrate: 16 pages to device memory, %lu back through migrate_to_ram\n", dev.migrations_to_ram);
	svm_fini(&dev);
	hmmkit_machine_destroy(m);
}

/* make_device_exclusive(): MMU_NOTIFY_EXCLUSIVE, then the CPU access restores the page. */
static void test_exclusive(void)
{
	struct hmmkit_machine *m = hmmkit_machine_create(256, "madvise");
	struct hmmkit_page_state state;
	struct svm_device dev;
	struct folio *folio = NULL;
	struct page *page;
	unsigned long addr;
	struct mm_struct *mm;
	unsigned char byte = 0;
	char message[512];
	long shared;

	CHECK(m);
	mm = thp_process(m, "P", &addr);
	CHECK(mm);
	CHECK(svm_init(&dev, mm, 0) == 0);
	CHECK(svm_fault(&dev, addr, true) == 0);
	page = make_device_exclusive(mm, addr + 3 * 4096, &dev, &folio);
	CHECK(!IS_ERR(page) && folio);
	CHECK(dev.invalidations[MMU_NOTIFY_EXCLUSIVE] == 1);
	CHECK(svm_lookup(&dev, addr) == NULL); /* our 2M entry went with the invalidation */
	folio_unlock(folio);
	folio_put(folio);
	CHECK(hmmkit_snapshot(mm, addr + 3 * 4096, 1, &state) == 0);
	CHECK(!state.present);
	CHECK(hmmkit_read(mm, addr + 3 * 4096, 1, &byte) == 0 && byte == 0x5a);
	CHECK(hmmkit_snapshot(mm, addr + 3 * 4096, 1, &state) == 0);
	CHECK(state.present && state.pfn == page_to_pfn(page));
	shared = hmmkit_mmap(mm, 0, 4096, HMMKIT_PROT_READ | HMMKIT_PROT_WRITE, HMMKIT_MAP_SHARED | HMMKIT_MAP_ANONYMOUS, 0);
	CHECK(shared > 0);
	CHECK(PTR_ERR(make_device_exclusive(mm, shared, &dev, &folio)) == -EOPNOTSUPP);
	CHECK(PTR_ERR(make_device_exclusive(mm, 4096, &dev, &folio)) == -EFAULT);
	CHECK(hmmkit_oracle_check(m, message, sizeof(message)) == 0);
	CHECK(hmmkit_check_invariants(m, message, sizeof(message)) == 0);
	svm_fini(&dev);
	hmmkit_machine_destroy(m);
}

/* ---- The fuzzer ---------------------------------------------------------------------- */

struct fuzz_driver {
	struct svm_device dev;
	unsigned int flags;
	bool live;
	unsigned long accesses;
	unsigned long migrated;
};

static int fuzz_setup(struct hmmkit_machine *m, struct mm_struct *mm, void *ctx)
{
	struct fuzz_driver *d = ctx;

	d->live = svm_init(&d->dev, mm, d->flags) == 0;
	if (d->live && !(d->flags & SVM_BROKEN_FOLIO_SIZE) && svm_add_device_memory(&d->dev, m, 2048) != 0)
		return -1;
	return d->live ? 0 : -1;
}

static int fuzz_fault(void *ctx, unsigned long addr, bool write)
{
	struct fuzz_driver *d = ctx;

	/* Every fifth access of the correct driver first moves its page to device memory, so the
	 * CPU side of later steps meets device-private entries (and migrate_to_ram). */
	if (d->dev.has_pagemap && ++d->accesses % 5 == 0) {
		long moved = svm_migrate_to_device(&d->dev, addr & PAGE_MASK, (addr & PAGE_MASK) + PAGE_SIZE);

		if (moved > 0)
			d->migrated += moved;
	}
	return svm_fault(&d->dev, addr, write);
}

static void fuzz_teardown(void *ctx)
{
	struct fuzz_driver *d = ctx;

	if (d->live)
		svm_fini(&d->dev);
	d->live = false;
}

static const struct hmmkit_fuzz_ops fuzz_ops = {
	.setup = fuzz_setup, .fault = fuzz_fault, .teardown = fuzz_teardown,
};

static const char *reproducer;

static void run_fuzz(unsigned int flags, struct hmmkit_fuzz_result *result)
{
	struct hmmkit_fuzz_config config = { .seed = 17, .cases = 12, .steps = 40, .accesses_per_step = 4,
					     .reproducer = reproducer };
	struct fuzz_driver d = { .flags = flags };
	const char *env = getenv("SVM_FUZZ_CASES");
	const char *seed = getenv("SVM_FUZZ_SEED");

	if (env)
		config.cases = (unsigned)atoi(env);
	if (seed)
		config.seed = strtoul(seed, NULL, 0);
	if (flags) {
		/* A broken driver: until the first finding (a few cases), at most 40. */
		config.cases = env ? config.cases : 40;
		config.stop_at_finding = 1;
	}
	hmmkit_fuzz(&config, &fuzz_ops, &d, result);
	printf("# fuzz seed %lu (flags %u): %u cases, %lu steps, %lu device accesses (%lu failed), %lu pages migrated to the device, %u findings\n",
	       config.seed, flags, result->cases_run, result->steps_run, result->accesses, result->accesses_failed,
	       d.migrated, result->findings);
}

static void test_fuzz(void)
{
	struct hmmkit_fuzz_result result;

	run_fuzz(0, &result);
	if (result.findings)
		printf("# %s\n", result.message);
	CHECK(result.findings == 0);
	CHECK(result.cases_run > 0 && result.accesses > 100);
	CHECK(strstr(result.message, "") && result.first_case == -1);
}

static void test_fuzz_broken(void)
{
	struct hmmkit_fuzz_result result;

	static struct hmmkit_fuzz_result again;
	char path[] = "/tmp/svm-fuzz-XXXXXX";
	char line[4096];
	int fd = mkstemp(path);
	FILE *file;
	bool named = false;

	CHECK(fd >= 0);
	close(fd);
	reproducer = path;
	run_fuzz(SVM_BROKEN_FOLIO_SIZE, &result);
	reproducer = NULL;
	file = fopen(path, "r");
	CHECK(file);
	while (fgets(line, sizeof(line), file))
		named |= strstr(line, "# hmmkit_fuzz seed 17 case") == line;
	fclose(file);
	/* The reproducer is a scenario: it parses and runs (its CPU side) on a fresh machine. */
	struct hmmkit_machine *m = hmmkit_machine_create(64, NULL);
	CHECK(m);
	int replay = hmmkit_run_scenario(m, path);
	hmmkit_machine_destroy(m);
	unlink(path);
	CHECK(replay >= 0);
	CHECK(named);
	CHECK(strstr(result.message, path));
	CHECK(result.findings > 0);
	CHECK(strstr(result.message, "invariant"));
	printf("# caught: %.300s\n", result.message);
	/* The seed decides everything: the same run finds the same. */
	run_fuzz(SVM_BROKEN_FOLIO_SIZE, &again);
	CHECK(result.findings == 1 && result.cases_run == (unsigned)result.first_case + 1);
	CHECK(again.findings == result.findings && again.accesses == result.accesses);
	CHECK(again.first_case == result.first_case);
	CHECK(strncmp(again.message, result.message, strcspn(result.message, "\n")) == 0);
}

/* A driver that keeps its entries across its own migrations maps frames that moved. */
static void test_fuzz_broken_migrate(void)
{
	struct hmmkit_fuzz_result result;

	run_fuzz(SVM_BROKEN_KEEP_ON_MIGRATE, &result);
	CHECK(result.findings > 0);
	CHECK(strstr(result.message, "invariant 1"));
	printf("# caught: %.300s\n", result.message);
}

/* ---- The explorer -------------------------------------------------------------------- */

struct race {
	struct svm_device dev;
	unsigned int flags;
	struct mm_struct *mm;
	unsigned long addr;
	bool live;
	char last_point[128]; /* where the race ran, from hmmkit_explore_point() */
	bool raced_after_range_fault;
};

static int race_setup(struct hmmkit_machine *m, void *ctx)
{
	struct race *r = ctx;

	r->mm = thp_process(m, "P", &r->addr);
	if (!r->mm)
		return -1;
	r->live = svm_init(&r->dev, r->mm, r->flags) == 0;
	return r->live ? 0 : -1;
}

static int race_run(void *ctx)
{
	struct race *r = ctx;

	return svm_fault(&r->dev, r->addr + 8 * 4096, true);
}

static void race_cpu(void *ctx)
{
	struct race *r = ctx;

	const char *point = hmmkit_explore_point();

	snprintf(r->last_point, sizeof(r->last_point), "%s", point ? point : "(outside the entry point)");
	r->raced_after_range_fault |= point && strstr(point, "hmm_range_fault") != NULL;
	/* Another thread makes one page of the THP read-only: the PMD is split. */
	hmmkit_mprotect(r->mm, r->addr + 4096, 4096, HMMKIT_PROT_READ);
}

static void race_teardown(void *ctx)
{
	struct race *r = ctx;

	if (r->live)
		svm_fini(&r->dev);
	r->live = false;
}

static const struct hmmkit_explore_ops explore_ops = {
	.setup = race_setup, .run = race_run, .race = race_cpu, .teardown = race_teardown,
};

static void test_explore(void)
{
	struct race r = { .flags = 0 };
	struct hmmkit_explore_result result;

	CHECK(hmmkit_explore(&explore_ops, &r, &result) == 0);
	printf("# explore: %u points, %u interleavings, %u findings\n", result.points, result.interleavings,
	       result.findings);
	CHECK(result.points >= 3 && result.interleavings == result.points + 2);
	/* The last interleaving races after the entry point returned. */
	CHECK(strcmp(r.last_point, "(outside the entry point)") == 0);
	CHECK(r.raced_after_range_fault);
	CHECK(hmmkit_explore_point() == NULL);
}

static void test_explore_broken(void)
{
	struct race r = { .flags = SVM_BROKEN_NO_READ_RETRY };
	struct hmmkit_explore_result result;

	CHECK(hmmkit_explore(&explore_ops, &r, &result) > 0);
	CHECK(result.first_finding > 0);
	printf("# explore (no read_retry): %u of %u interleavings caught; first: %.300s\n", result.findings,
	       result.interleavings, result.message);
	CHECK(strstr(result.message, "hmm_range_fault"));
}

struct test {
	const char *name;
	void (*run)(void);
};

static const struct test tests[] = {
	{ "thp-mprotect", test_thp_and_mprotect },
	{ "bad-calls", test_bad_calls },
	{ "driver", test_driver },
	{ "oracle", test_oracle },
	{ "scenario", test_scenario },
	{ "migrate", test_migrate },
	{ "exclusive", test_exclusive },
	{ "fuzz", test_fuzz },
	{ "fuzz-broken", test_fuzz_broken },
	{ "fuzz-broken-migrate", test_fuzz_broken_migrate },
	{ "explore", test_explore },
	{ "explore-broken", test_explore_broken },
};

int main(int argc, char **argv)
{
	int n = 0, failed = 0;

	if (hmmkit_header_version() != HMMKIT_API_VERSION) {
		printf("Bail out! libhmmkit is version %u, the header %u\n", hmmkit_header_version(), HMMKIT_API_VERSION);
		return 1;
	}
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		bool wanted = argc < 2;

		for (int a = 1; a < argc; a++)
			wanted |= strcmp(argv[a], tests[i].name) == 0;
		if (!wanted)
			continue;
		current = tests[i].name;
		int before = failures;

		tests[i].run();
		n++;
		if (failures != before)
			failed++;
		printf("%s %d - %s\n", failures == before ? "ok" : "not ok", n, tests[i].name);
		fflush(stdout);
	}
	if (n == 0) {
		printf("Bail out! no test called");
		for (int a = 1; a < argc; a++)
			printf(" %s", argv[a]);
		printf("\n");
		return 2;
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
