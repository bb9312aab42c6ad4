/*
 * A small SVM device for HMMKit's C API: its own page table of 4 KiB and 2 MiB entries, a
 * device fault handler that follows Documentation/mm/hmm.rst's loop and maps 2 MiB where
 * hmm_pfn_to_map_order() allows, and an interval notifier whose invalidate callback unmaps.
 * Written for this project (it is not a copy of a kernel driver).
 */
#ifndef SVM_H
#define SVM_H

#include <hmmkit/hmm.h>

/* Deliberate bugs, for showing that the oracle, the fuzzer and the explorer catch them. */
#define SVM_BROKEN_FOLIO_SIZE 0x1       /* map by folio size instead of the CPU mapping's order */
#define SVM_BROKEN_NO_READ_RETRY 0x2    /* skip mmu_interval_read_retry() under the lock */
#define SVM_BROKEN_KEEP_ON_MIGRATE 0x4  /* ignore our own MMU_NOTIFY_MIGRATE and keep the entries */

#define SVM_MAX_MAPPINGS 65536

/* One device page-table entry: (PAGE_SIZE << order) bytes at start, frames from pfn. */
struct svm_mapping {
	unsigned long start;
	unsigned long pfn;
	unsigned int order;
	bool writable;
};

struct svm_device {
	struct mmu_interval_notifier notifier;
	struct mutex lock;                     /* the notifier lock: protects the page table */
	struct mm_struct *mm;
	unsigned int flags;
	struct svm_mapping *table;
	unsigned long nr_mappings;
	unsigned long faults;                  /* device faults handled */
	unsigned long retries;                 /* -EBUSY or read_retry restarts */
	unsigned long invalidations[8];        /* by enum mmu_notifier_event */
	unsigned long mapped_2m;               /* 2 MiB entries created */
	unsigned long mapped_4k;               /* 4 KiB entries created */
	/* Device memory (svm_migrate_to_device()). */
	struct dev_pagemap pagemap;
	bool has_pagemap;
	unsigned long migrations_to_ram;
};

/* Mirrors the whole address space of mm ([0, ULONG_MAX & PAGE_MASK), as lib/test_hmm.c) and
 * tells the safety oracle about the device. 0 or a negative errno. */
int svm_init(struct svm_device *dev, struct mm_struct *mm, unsigned int flags);
/* Removes the notifier and frees the page table. */
void svm_fini(struct svm_device *dev);
/* A device access at addr: 0 when the device can retry the access, or a negative errno. */
int svm_fault(struct svm_device *dev, unsigned long addr, bool write);
/* The device entry covering addr, or NULL. */
const struct svm_mapping *svm_lookup(struct svm_device *dev, unsigned long addr);
/* The oracle's report callback (hmmkit_report_fn). */
void svm_report(void *driver, hmmkit_emit_fn emit, void *cookie);

/* Adds nr_pages of device-private memory owned by dev (migrate_to_ram brings pages back). */
int svm_add_device_memory(struct svm_device *dev, struct hmmkit_machine *machine, unsigned long nr_pages);
/* Moves [start, end) (page aligned, one VMA) to device memory: the number of pages moved, or a
 * negative errno. */
long svm_migrate_to_device(struct svm_device *dev, unsigned long start, unsigned long end);

#endif
