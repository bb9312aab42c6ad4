/*
 * A reference for HMMKit's hmm_range_fault() benchmark: a straightforward C walk of an x86-64
 * 4-level page table held in memory (512-entry tables, non-leaf entries holding the PFN of the
 * next table, PS leaves at the PMD and PUD levels), filling Linux-encoded hmm_pfns output
 * (HMM_PFN_VALID bit 63, HMM_PFN_WRITE bit 62, HMM_PFN_ERROR bit 61, the sticky bits 60-58
 * kept, the map order in bits 53-57 as Linux 6.18's HMM_PFN_ORDER_SHIFT = BITS_PER_LONG - 11,
 * the PFN below), as hmm_range_fault() does when no fault is requested (default_flags = 0,
 * pfn_flags_mask = 0).
 *
 * The project's own code, written for the benchmark; it is not the kernel's.
 */
#ifndef HMM_REFERENCE_WALK_H
#define HMM_REFERENCE_WALK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A page table: a pool of 4 KiB tables standing in for the frames that hold them. */
typedef struct hmmref_page_table hmmref_page_table;

/**
 * Creates an empty page table (a PGD) that can hold up to `max_tables` tables in all. Table
 * number i is "physical frame" `first_table_pfn + i`, so that non-leaf entries hold PFNs as
 * hardware expects and the walk turns them back into table addresses by an offset, as the
 * kernel's direct map does. Returns NULL when memory is short.
 */
hmmref_page_table *hmmref_create(size_t max_tables, uint64_t first_table_pfn);

/** Frees a page table made by hmmref_create(). */
void hmmref_destroy(hmmref_page_table *table);

/**
 * Stores the raw 64-bit leaf entry `entry` for `address` at `level` (1 = PTE, 2 = PMD,
 * 3 = PUD), allocating the tables above it. Returns 0, or -1 when the pool is used up or a leaf
 * already covers the address at a higher level.
 */
int hmmref_set_leaf(hmmref_page_table *table, uint64_t address, int level, uint64_t entry);

/**
 * Fills `hmm_pfns[(address - start) >> 12]` for every 4 KiB page of [start, end) (both 4 KiB
 * aligned) from the page table, as hmm_range_fault() does without faulting: VALID (and WRITE
 * when RW is set) with the PFN and the map order for present entries (order 9 for a PMD leaf,
 * 18 for a PUD leaf, 0 for a PTE), ERROR for a _PAGE_SPECIAL PTE other than `zero_pfn`, the
 * PFN without flags for a PROT_NONE entry, 0 for holes and software entries. The sticky bits
 * of each input entry are kept.
 */
void hmmref_range_fault(const hmmref_page_table *table, uint64_t start, uint64_t end, uint64_t zero_pfn,
                        uint64_t *hmm_pfns);

#ifdef __cplusplus
}
#endif

#endif
