/*
 * iommu/iopt.c - build the I/O page tables the IOMMU walks for the
 * guest's devices (AMD IOMMU spec 48882, 2.2.3 "I/O Page Tables for Host
 * Translations"). Not the NPT's tables: the formats differ (a PDE names
 * its next level in bits 11:9, leaves are NextLevel 0 at any level, and
 * permissions are IR/IW in bits 61/62), so this is a second set built
 * from the same facts: the guest's RAM without the hypervisor's memory
 * (docs/iommu.md). Pure: pages come from the caller's ops.
 */
#include "iommu/iommu.h"
#include "lib/lib.h"

#define PAGE (4 * KiB)
#define IDX(a, level) (((a) >> (12 + 9 * ((level) - 1))) & 511)
#define PERMS (IOPTE_IR | IOPTE_IW)

enum region { R_EMPTY, R_LEAF, R_MIXED };

static bool overlaps(const struct iopt_range *r, size_t n, uint64_t b,
		     uint64_t e)
{
	for (size_t i = 0; i < n; i++)
		if (b < r[i].end && r[i].base < e)
			return true;
	return false;
}

static bool in_one(const struct iopt_range *r, size_t n, uint64_t b,
		   uint64_t e)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].base <= b && e <= r[i].end)
			return true;
	return false;
}

static enum region classify(const struct iopt_layout *l, uint64_t b,
			    int level)
{
	uint64_t e = b + IOPT_LEVEL_SIZE(level);

	if (!overlaps(l->ranges, l->nranges, b, e) ||
	    in_one(l->holes, l->nholes, b, e))
		return R_EMPTY;
	if (in_one(l->ranges, l->nranges, b, e) &&
	    !overlaps(l->holes, l->nholes, b, e) && level < IOPT_LEVELS)
		return R_LEAF;
	return level == 1 ? R_EMPTY : R_MIXED;
}

static void fill_absent(uint64_t *t)
{
	for (size_t i = 0; i < IOPT_ENTRIES; i++)
		t[i] = IOPTE_ABSENT;
}

static int alloc_table(struct iopt *pt, uint64_t *pa, uint64_t **va)
{
	void *v;

	if (pt->ops.alloc_table(pt->ops.ctx, pa, &v))
		return -1;
	assert(IS_ALIGNED(*pa, PAGE) && v);
	fill_absent(v);
	*va = v;
	pt->table_pages++;
	return 0;
}

static bool table_empty(const uint64_t *t)
{
	for (size_t i = 0; i < IOPT_ENTRIES; i++)
		if (t[i] & IOPTE_PR)
			return false;
	return true;
}

static void free_level(struct iopt *pt, uint64_t pa, uint64_t *t, int level)
{
	for (size_t i = 0; level > 1 && i < IOPT_ENTRIES; i++)
		if ((t[i] & IOPTE_PR) && (t[i] & IOPTE_NEXT_MASK)) {
			uint64_t cpa = t[i] & IOPTE_ADDR;

			free_level(pt, cpa, pt->ops.table_va(pt->ops.ctx, cpa),
				   level - 1);
		}
	pt->ops.free_table(pt->ops.ctx, pa, t);
	pt->table_pages--;
}

static int build_level(struct iopt *pt, const struct iopt_layout *l,
		       uint64_t *t, int level, uint64_t base)
{
	for (size_t i = 0; i < IOPT_ENTRIES; i++) {
		uint64_t b = base + i * IOPT_LEVEL_SIZE(level), pa;
		uint64_t *child;

		switch (classify(l, b, level)) {
		case R_EMPTY:
			continue;
		case R_LEAF:
			t[i] = b | IOPTE_PR | IOPTE_NEXT(0) | PERMS;
			pt->mapped += IOPT_LEVEL_SIZE(level);
			continue;
		case R_MIXED:
			break;
		}
		if (alloc_table(pt, &pa, &child))
			return -1;
		/* Linked at once, so a failure below frees it too. */
		t[i] = pa | IOPTE_PR | IOPTE_NEXT(level - 1) | PERMS;
		if (build_level(pt, l, child, level - 1, b))
			return -1;
		if (table_empty(child)) {
			t[i] = IOPTE_ABSENT;
			pt->ops.free_table(pt->ops.ctx, pa, child);
			pt->table_pages--;
		}
	}
	return 0;
}

int iopt_build(struct iopt *pt, const struct iopt_layout *l,
	       const struct iopt_ops *ops)
{
	const uint64_t limit = IOPT_LEVEL_SIZE(IOPT_LEVELS) * IOPT_ENTRIES;

	memset(pt, 0, sizeof(*pt));
	pt->ops = *ops;
	for (size_t i = 0; i < l->nranges; i++)
		if (l->ranges[i].base > l->ranges[i].end ||
		    l->ranges[i].end > limit)
			return -1;
	if (alloc_table(pt, &pt->root_pa, &pt->root))
		return -1;
	if (build_level(pt, l, pt->root, IOPT_LEVELS, 0)) {
		iopt_destroy(pt);
		return -1;
	}
	return 0;
}

void iopt_destroy(struct iopt *pt)
{
	if (pt->root)
		free_level(pt, pt->root_pa, pt->root, IOPT_LEVELS);
	pt->root = NULL;
	pt->root_pa = 0;
	pt->mapped = 0;
}

uint64_t iopt_lookup(const struct iopt *pt, uint64_t da, uint64_t *pa)
{
	const uint64_t *t = pt->root;
	int level = IOPT_LEVELS;

	while (t && level >= 1) {
		uint64_t e = t[IDX(da, level)];
		unsigned next = (unsigned)((e & IOPTE_NEXT_MASK) >> 9);

		if (!(e & IOPTE_PR) || (e & PERMS) == 0)
			return 0;
		if (next == 0) {
			uint64_t size = IOPT_LEVEL_SIZE(level);

			if (pa)
				*pa = (e & IOPTE_ADDR & ~(size - 1)) |
				      (da & (size - 1));
			return e & PERMS;
		}
		if (next >= (unsigned)level)
			return 0;
		t = pt->ops.table_va(pt->ops.ctx, e & IOPTE_ADDR);
		level = (int)next;
	}
	return 0;
}
