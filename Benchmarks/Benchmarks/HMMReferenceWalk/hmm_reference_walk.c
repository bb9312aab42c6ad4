/* See include/hmm_reference_walk.h. */
#include "hmm_reference_walk.h"

#include <stdlib.h>
#include <string.h>

enum {
  PTRS_PER_TABLE = 512,
};

#define PAGE_PRESENT ((uint64_t)1 << 0)
#define PAGE_RW ((uint64_t)1 << 1)
#define PAGE_USER ((uint64_t)1 << 2)
#define PAGE_ACCESSED ((uint64_t)1 << 5)
#define PAGE_PSE ((uint64_t)1 << 7)
#define PAGE_PROTNONE ((uint64_t)1 << 8)
#define PAGE_SPECIAL ((uint64_t)1 << 9)
#define PFN_MASK ((uint64_t)0x000FFFFFFFFFF000)
/* The model's software entries: a type in bits 58-62 with P clear. */
#define SWAP_TYPE_MASK ((uint64_t)0x1F << 58)

#define HMM_PFN_VALID ((uint64_t)1 << 63)
#define HMM_PFN_WRITE ((uint64_t)1 << 62)
#define HMM_PFN_ERROR ((uint64_t)1 << 61)
#define HMM_PFN_INOUT_FLAGS (((uint64_t)1 << 60) | ((uint64_t)1 << 59) | ((uint64_t)1 << 58))
#define HMM_PFN_ORDER_SHIFT 53

struct hmmref_page_table {
  uint64_t *pool;        /* max_tables tables of 512 entries, table 0 the PGD */
  size_t max_tables;
  size_t used_tables;
  uint64_t first_table_pfn;
};

hmmref_page_table *hmmref_create(size_t max_tables, uint64_t first_table_pfn) {
  if (max_tables == 0) return NULL;
  hmmref_page_table *table = malloc(sizeof *table);
  if (table == NULL) return NULL;
  table->pool = aligned_alloc(4096, max_tables * 4096);
  if (table->pool == NULL) {
    free(table);
    return NULL;
  }
  memset(table->pool, 0, max_tables * 4096);
  table->max_tables = max_tables;
  table->used_tables = 1;
  table->first_table_pfn = first_table_pfn;
  return table;
}

void hmmref_destroy(hmmref_page_table *table) {
  if (table == NULL) return;
  free(table->pool);
  free(table);
}

/* __va(): the table a non-leaf entry points to. */
static inline const uint64_t *table_of(const hmmref_page_table *table, uint64_t entry) {
  return table->pool + (((entry & PFN_MASK) >> 12) - table->first_table_pfn) * PTRS_PER_TABLE;
}

static inline unsigned index_at(uint64_t address, int level) { return (unsigned)(address >> (12 + 9 * (level - 1))) & 511; }

int hmmref_set_leaf(hmmref_page_table *table, uint64_t address, int level, uint64_t entry) {
  uint64_t *node = table->pool;
  for (int current = 4; current > level; current--) {
    uint64_t *slot = &node[index_at(address, current)];
    if (*slot == 0) {
      if (table->used_tables == table->max_tables) return -1;
      uint64_t pfn = table->first_table_pfn + table->used_tables++;
      *slot = (pfn << 12) | PAGE_PRESENT | PAGE_RW | PAGE_USER | PAGE_ACCESSED;
    } else if (*slot & PAGE_PSE) {
      return -1;
    }
    node = (uint64_t *)table_of(table, *slot);
  }
  node[index_at(address, level)] = entry;
  return 0;
}

static inline int is_swap(uint64_t entry) { return (entry & SWAP_TYPE_MASK) != 0 && (entry & PAGE_PRESENT) == 0; }
static inline int is_present(uint64_t entry) { return (entry & (PAGE_PRESENT | PAGE_PROTNONE)) != 0 && !is_swap(entry); }
static inline int is_protnone(uint64_t entry) {
  return (entry & (PAGE_PRESENT | PAGE_PROTNONE)) == PAGE_PROTNONE && !is_swap(entry);
}
static inline int is_leaf(uint64_t entry) { return (is_present(entry) && (entry & PAGE_PSE)) || is_swap(entry) || is_protnone(entry); }

/* hmm_pfns_fill() */
static void fill(uint64_t *out, size_t count, uint64_t value) {
  for (size_t i = 0; i < count; i++) out[i] = (out[i] & HMM_PFN_INOUT_FLAGS) | value;
}

/* A PMD or PUD leaf: consecutive PFNs from the page `address` falls on. */
static void fill_leaf(uint64_t *out, size_t count, uint64_t entry, uint64_t address, int shift, unsigned order) {
  if (is_swap(entry)) {
    /* A migration entry (the model's type 1) reads as empty; other software leaves as ERROR. */
    fill(out, count, ((entry & SWAP_TYPE_MASK) >> 58) == 1 ? 0 : HMM_PFN_ERROR);
    return;
  }
  uint64_t flags = is_protnone(entry) ? 0
                 : HMM_PFN_VALID | ((entry & PAGE_RW) ? HMM_PFN_WRITE : 0) | ((uint64_t)order << HMM_PFN_ORDER_SHIFT);
  uint64_t pfn = ((entry & PFN_MASK) >> 12) + ((address & (((uint64_t)1 << shift) - 1)) >> 12);
  for (size_t i = 0; i < count; i++) out[i] = (out[i] & HMM_PFN_INOUT_FLAGS) | (pfn + i) | flags;
}

/* hmm_vma_handle_pte() for each PTE of one table. */
static void fill_ptes(uint64_t *out, const uint64_t *ptes, size_t count, uint64_t zero_pfn) {
  for (size_t i = 0; i < count; i++) {
    uint64_t pte = ptes[i];
    uint64_t value = 0;
    if ((pte & (PAGE_PRESENT | PAGE_SPECIAL)) == PAGE_PRESENT) {
      /* The common case: P set (so neither a software nor a PROT_NONE entry), not special. */
      value = ((pte & PFN_MASK) >> 12) | HMM_PFN_VALID | ((pte & PAGE_RW) << (62 - 1));
    } else if (pte != 0 && !is_swap(pte)) {
      uint64_t pfn = (pte & PFN_MASK) >> 12;
      uint64_t flags = is_protnone(pte) ? 0 : HMM_PFN_VALID | ((pte & PAGE_RW) ? HMM_PFN_WRITE : 0);
      value = ((pte & PAGE_SPECIAL) && pfn != zero_pfn) ? HMM_PFN_ERROR : pfn | flags;
    }
    out[i] = (out[i] & HMM_PFN_INOUT_FLAGS) | value;
  }
}

void hmmref_range_fault(const hmmref_page_table *table, uint64_t start, uint64_t end, uint64_t zero_pfn,
                        uint64_t *hmm_pfns) {
  uint64_t address = start;
  while (address < end) {
    const uint64_t *node = table->pool;
    int level = 4;
    for (;;) {
      /* The span this step covers: one entry's above the PTE level, the PTE table's at it. */
      int shift = 12 + 9 * (level == 1 ? 1 : level - 1);
      uint64_t span_end = ((address >> shift) + 1) << shift;
      uint64_t next = span_end < end && span_end != 0 ? span_end : end;
      uint64_t *out = hmm_pfns + ((address - start) >> 12);
      size_t count = (size_t)((next - address) >> 12);
      uint64_t entry = node[index_at(address, level)];
      if (level == 1) {
        fill_ptes(out, node + index_at(address, 1), count, zero_pfn);
      } else if (entry == 0) {
        fill(out, count, 0);
      } else if (level < 4 && is_leaf(entry)) {
        fill_leaf(out, count, entry, address, shift, level == 2 ? 9 : 18);
      } else {
        node = table_of(table, entry);
        level--;
        continue;
      }
      address = next;
      break;
    }
  }
}
