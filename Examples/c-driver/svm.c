/*
 * The SVM device of svm.h. The fault handler is the loop of Documentation/mm/hmm.rst:
 *
 *   again:
 *     range.notifier_seq = mmu_interval_read_begin(&interval_sub);
 *     ret = hmm_range_fault(&range);            (-EBUSY: goto again)
 *     take_lock(driver->update);
 *     if (mmu_interval_read_retry(&ni, range.notifier_seq)) { release_lock; goto again; }
 *     ... program the device from range.hmm_pfns ...
 *     release_lock(driver->update);
 */
#include "svm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SVM_2M (1UL << PMD_SHIFT)
#define SVM_WINDOW_PAGES (SVM_2M >> PAGE_SHIFT)
#define SVM_MAX_TRIES 64

static struct svm_device *to_svm(struct mmu_interval_notifier *mni)
{
	return (struct svm_device *)((char *)mni - offsetof(struct svm_device, notifier));
}

/* Removes every entry overlapping [start, end). Called with dev->lock held. */
static void svm_unmap(struct svm_device *dev, unsigned long start, unsigned long end)
{
	unsigned long i = 0;

	while (i < dev->nr_mappings) {
		struct svm_mapping *m = &dev->table[i];
		unsigned long m_end = m->start + (PAGE_SIZE << m->order);

		if (m->start < end && start < m_end) {
			dev->table[i] = dev->table[--dev->nr_mappings];
			continue;
		}
		i++;
	}
}

/* Adds an entry, replacing whatever overlaps it. Called with dev->lock held. */
static int svm_map(struct svm_device *dev, unsigned long start, unsigned int order, unsigned long pfn, bool writable)
{
	svm_unmap(dev, start, start + (PAGE_SIZE << order));
	if (dev->nr_mappings == SVM_MAX_MAPPINGS)
		return -ENOMEM;
	dev->table[dev->nr_mappings++] = (struct svm_mapping){ start, pfn, order, writable };
	if (order >= 9)
		dev->mapped_2m++;
	else
		dev->mapped_4k++;
	return 0;
}

static bool svm_invalidate(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range,
			   unsigned long cur_seq)
{
	struct svm_device *dev = to_svm(mni);

	/* Our own migration: the pages stay ours (as lib/test_hmm.c does). */
	if (range->event == MMU_NOTIFY_MIGRATE && range->owner == dev)
		return true;
	if (mmu_notifier_range_blockable(range))
		mutex_lock(&dev->lock);
	else if (!mutex_trylock(&dev->lock))
		return false;
	mmu_interval_set_seq(mni, cur_seq);
	svm_unmap(dev, range->start, range->end);
	if ((unsigned)range->event < 8)
		dev->invalidations[range->event]++;
	mutex_unlock(&dev->lock);
	return true;
}

static const struct mmu_interval_notifier_ops svm_notifier_ops = {
	.invalidate = svm_invalidate,
};

int svm_init(struct svm_device *dev, struct mm_struct *mm, unsigned int flags)
{
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->mm = mm;
	dev->flags = flags;
	mutex_init(&dev->lock);
	dev->table = calloc(SVM_MAX_MAPPINGS, sizeof(*dev->table));
	if (!dev->table)
		return -ENOMEM;
	ret = mmu_interval_notifier_insert(&dev->notifier, mm, 0, ULONG_MAX & PAGE_MASK, &svm_notifier_ops);
	if (ret)
		goto fail;
	ret = hmmkit_oracle_watch(mm, flags ? "svm-broken" : "svm", svm_report, dev);
	if (ret) {
		mmu_interval_notifier_remove(&dev->notifier);
		goto fail;
	}
	return 0;
fail:
	free(dev->table);
	dev->table = NULL;
	return ret;
}

void svm_fini(struct svm_device *dev)
{
	if (!dev->table)
		return;
	mmu_interval_notifier_remove(&dev->notifier);
	free(dev->table);
	dev->table = NULL;
	dev->nr_mappings = 0;
}

int svm_fault(struct svm_device *dev, unsigned long addr, bool write)
{
	unsigned long pfns[SVM_WINDOW_PAGES];
	unsigned long start = addr & ~(SVM_2M - 1);
	unsigned long index = (addr - start) >> PAGE_SHIFT;
	struct hmm_range range = {
		.notifier = &dev->notifier,
		.start = start,
		.end = start + SVM_2M,
		.hmm_pfns = pfns,
		.default_flags = 0,
		.pfn_flags_mask = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
		.dev_private_owner = dev,
	};
	unsigned long entry, pfn;
	unsigned int order;
	int tries = 0, ret;

	dev->faults++;
again:
	if (++tries > SVM_MAX_TRIES)
		return -EBUSY;
	/* Fault only the page the device touched; snapshot the rest of its 2M. */
	memset(pfns, 0, sizeof(pfns));
	pfns[index] = HMM_PFN_REQ_FAULT | (write ? HMM_PFN_REQ_WRITE : 0);
	range.notifier_seq = mmu_interval_read_begin(range.notifier);
	ret = hmm_range_fault(&range);
	if (ret) {
		if (ret == -EBUSY) {
			dev->retries++;
			goto again;
		}
		return ret;
	}

	mutex_lock(&dev->lock);
	if (!(dev->flags & SVM_BROKEN_NO_READ_RETRY) && mmu_interval_read_retry(range.notifier, range.notifier_seq)) {
		mutex_unlock(&dev->lock);
		dev->retries++;
		goto again;
	}
	entry = pfns[index];
	pfn = entry & ~HMM_PFN_FLAGS;
	order = hmm_pfn_to_map_order(entry);
	if (dev->flags & SVM_BROKEN_FOLIO_SIZE) {
		/* Wrong: the folio's size says nothing about how the CPU maps it. */
		struct folio *folio = page_folio(hmm_pfn_to_page(entry));

		if (folio_order(folio) >= 9) {
			ret = svm_map(dev, start, 9, page_to_pfn(folio_page(folio, 0)), entry & HMM_PFN_WRITE);
			goto out;
		}
	}
	if (order >= 9)
		/* The CPU maps at least this whole, aligned 2M: one device entry for it. */
		ret = svm_map(dev, start, 9, pfn - index, entry & HMM_PFN_WRITE);
	else
		ret = svm_map(dev, addr & PAGE_MASK, 0, pfn, entry & HMM_PFN_WRITE);
out:
	mutex_unlock(&dev->lock);
	return ret;
}

const struct svm_mapping *svm_lookup(struct svm_device *dev, unsigned long addr)
{
	for (unsigned long i = 0; i < dev->nr_mappings; i++) {
		const struct svm_mapping *m = &dev->table[i];

		if (m->start <= addr && addr < m->start + (PAGE_SIZE << m->order))
			return m;
	}
	return NULL;
}

void svm_report(void *driver, hmmkit_emit_fn emit, void *cookie)
{
	struct svm_device *dev = driver;

	for (unsigned long i = 0; i < dev->nr_mappings; i++)
		emit(cookie, dev->table[i].start, dev->table[i].order, dev->table[i].pfn, dev->table[i].writable);
}

/* ---- Device memory ---------------------------------------------------------------- */

static struct svm_device *pagemap_to_svm(struct dev_pagemap *pgmap)
{
	return (struct svm_device *)((char *)pgmap - offsetof(struct svm_device, pagemap));
}

/* A CPU fault on one of our device-private pages: move that page back to system memory. */
static vm_fault_t svm_migrate_to_ram(struct vm_fault *vmf)
{
	struct dev_pagemap *pgmap = page_pgmap(vmf->page);
	struct svm_device *dev = pagemap_to_svm(pgmap);
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.vma = vmf->vma,
		.start = vmf->address,
		.end = vmf->address + PAGE_SIZE,
		.src = &src,
		.dst = &dst,
		.pgmap_owner = dev,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};

	if (migrate_vma_setup(&args))
		return VM_FAULT_SIGBUS;
	/* Our invalidate callback ignores our own MMU_NOTIFY_MIGRATE, so the device's entry for
	 * the page is removed here (as lib/test_hmm.c's dmirror_devmem_fault_alloc_and_copy()). */
	if (!(dev->flags & SVM_BROKEN_KEEP_ON_MIGRATE)) {
		mutex_lock(&dev->lock);
		svm_unmap(dev, args.start, args.end);
		mutex_unlock(&dev->lock);
	}
	if (src & MIGRATE_PFN_MIGRATE) {
		struct page *spage = migrate_pfn_to_page(src);
		struct page *dpage = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);

		if (!dpage) {
			migrate_vma_finalize(&args);
			return VM_FAULT_OOM;
		}
		copy_highpage(dpage, spage);
		dst = migrate_pfn(page_to_pfn(dpage)) | (src & MIGRATE_PFN_WRITE);
	}
	migrate_vma_pages(&args);
	migrate_vma_finalize(&args);
	dev->migrations_to_ram++;
	return 0;
}

static const struct dev_pagemap_ops svm_pagemap_ops = {
	.migrate_to_ram = svm_migrate_to_ram,
};

int svm_add_device_memory(struct svm_device *dev, struct hmmkit_machine *machine, unsigned long nr_pages)
{
	int ret;

	dev->pagemap.ops = &svm_pagemap_ops;
	dev->pagemap.owner = dev;
	ret = hmmkit_memremap_pages(machine, &dev->pagemap, nr_pages);
	if (ret == 0)
		dev->has_pagemap = true;
	return ret;
}

long svm_migrate_to_device(struct svm_device *dev, unsigned long start, unsigned long end)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	unsigned long *src, *dst;
	struct migrate_vma args = { 0 };
	long moved = 0;
	int ret;

	if (!dev->has_pagemap)
		return -EINVAL;
	src = calloc(npages, sizeof(*src));
	dst = calloc(npages, sizeof(*dst));
	if (!src || !dst) {
		free(src);
		free(dst);
		return -ENOMEM;
	}
	args.vma = vma_lookup(dev->mm, start);
	args.start = start;
	args.end = end;
	args.src = src;
	args.dst = dst;
	args.pgmap_owner = dev;
	args.flags = MIGRATE_VMA_SELECT_SYSTEM;
	ret = args.vma ? migrate_vma_setup(&args) : -EINVAL;
	if (ret) {
		free(src);
		free(dst);
		return ret;
	}
	/* The same for the pages leaving system memory: the device must not keep their old frames
	 * (its next fault maps the device pages, which hmm_range_fault() reports to their owner). */
	if (!(dev->flags & SVM_BROKEN_KEEP_ON_MIGRATE)) {
		mutex_lock(&dev->lock);
		svm_unmap(dev, start, end);
		mutex_unlock(&dev->lock);
	}
	for (unsigned long i = 0; i < npages; i++) {
		struct page *dpage;

		if (!(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		dpage = hmmkit_devmem_alloc(&dev->pagemap, 0);
		if (!dpage)
			continue;
		if (src[i] & MIGRATE_PFN_VALID)
			copy_highpage(dpage, migrate_pfn_to_page(src[i]));
		dst[i] = migrate_pfn(page_to_pfn(dpage)) | MIGRATE_PFN_WRITE;
	}
	migrate_vma_pages(&args);
	for (unsigned long i = 0; i < npages; i++)
		if ((src[i] & MIGRATE_PFN_MIGRATE) && dst[i])
			moved++;
	migrate_vma_finalize(&args);
	free(src);
	free(dst);
	return moved;
}
