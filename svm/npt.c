/*
 * svm/npt.c - build and edit the nested page table (APM Vol. 2, 15.25;
 * table format 5.3). Pure: page-table pages come from, and go back to,
 * the caller's ops, so the whole thing runs on the host too.
 */
#include "svm/svm.h"
#include "lib/lib.h"

#define PAGE     (4 * KiB)
#define IDX(gpa, level) (((gpa) >> (12 + 9 * ((level) - 1))) & 511)

enum region { R_EMPTY, R_LEAF, R_MIXED };

static uint64_t *table_va(const struct npt *npt, uint64_t entry)
{
	return npt->ops.table_va(npt->ops.ctx, entry & NPT_ADDR_MASK);
}

static int alloc_table(struct npt *npt, uint64_t *pa, uint64_t **va)
{
	void *v;

	if (npt->ops.alloc_table(npt->ops.ctx, pa, &v))
		return -1;
	assert(IS_ALIGNED(*pa, PAGE) && v);
	memset(v, 0, PAGE);
	*va = v;
	npt->table_pages++;
	return 0;
}

static void free_table(struct npt *npt, uint64_t pa, uint64_t *va)
{
	npt->ops.free_table(npt->ops.ctx, pa, va);
	npt->table_pages--;
}

static bool overlaps(const struct npt_range *r, size_t n, uint64_t b,
		     uint64_t e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b < ALIGN_UP(r[i].end, PAGE) &&
		    ALIGN_DOWN(r[i].base, PAGE) < e)
			return true;
	return false;
}

static bool in_one(const struct npt_range *r, size_t n, uint64_t b,
		   uint64_t e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ALIGN_DOWN(r[i].base, PAGE) <= b &&
		    e <= ALIGN_UP(r[i].end, PAGE))
			return true;
	return false;
}

static bool has_page(const uint64_t *p, size_t n, uint64_t b, uint64_t e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ALIGN_DOWN(p[i], PAGE) >= b && ALIGN_DOWN(p[i], PAGE) < e)
			return true;
	return false;
}

/* What the entry covering [b, b + size of level) must be. */
static enum region classify(const struct npt_layout *l, uint64_t top,
			    uint64_t b, int level, uint64_t *flags)
{
	uint64_t e = b + NPT_LEVEL_SIZE(level);

	if (b >= top || in_one(l->holes, l->nholes, b, e))
		return R_EMPTY;
	if (level == 1) {
		if (has_page(l->unmapped_pages, l->nunmapped, b, e))
			return R_EMPTY;
		*flags = has_page(l->ro_pages, l->nro, b, e) ||
			 overlaps(l->ro, l->nro_ranges, b, e) ? NPT_LEAF_RO :
								NPT_LEAF_RW;
		return R_LEAF;
	}
	if (level == 4 || (level == 3 && !l->page1gb) || e > top ||
	    overlaps(l->holes, l->nholes, b, e) ||
	    overlaps(l->small, l->nsmall, b, e) ||
	    has_page(l->unmapped_pages, l->nunmapped, b, e) ||
	    has_page(l->ro_pages, l->nro, b, e))
		return R_MIXED;
	if (overlaps(l->ro, l->nro_ranges, b, e)) {
		if (!in_one(l->ro, l->nro_ranges, b, e))
			return R_MIXED;
		*flags = NPT_LEAF_RO | NPT_PS;
		return R_LEAF;
	}
	*flags = NPT_LEAF_RW | NPT_PS;
	return R_LEAF;
}

static bool table_empty(const uint64_t *t)
{
	size_t i;

	for (i = 0; i < NPT_ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

static int build_level(struct npt *npt, const struct npt_layout *l,
		       uint64_t top, uint64_t *t, int level, uint64_t base)
{
	uint64_t b, flags = 0, pa;
	uint64_t *child;
	size_t i;

	for (i = 0; i < NPT_ENTRIES; i++) {
		b = base + i * NPT_LEVEL_SIZE(level);
		switch (classify(l, top, b, level, &flags)) {
		case R_EMPTY:
			continue;
		case R_LEAF:
			t[i] = b | flags;
			continue;
		case R_MIXED:
			break;
		}
		if (alloc_table(npt, &pa, &child))
			return -1;
		t[i] = pa | NPT_TABLE; /* linked at once: destroy finds it */
		if (build_level(npt, l, top, child, level - 1, b))
			return -1;
		if (table_empty(child)) {
			t[i] = 0;
			free_table(npt, pa, child);
		}
	}
	return 0;
}

int npt_build(struct npt *npt, const struct npt_layout *layout,
	      const struct npt_ops *ops)
{
	uint64_t top = ALIGN_UP(layout->top, PAGE);

	memset(npt, 0, sizeof(*npt));
	npt->ops = *ops;
	npt->page1gb = layout->page1gb;
	if (layout->top == 0 || layout->top > NPT_MAX_TOP) {
		printk("npt: top 0x%lx out of range\n", layout->top);
		return -1;
	}
	if (alloc_table(npt, &npt->root_pa, &npt->root))
		return -1;
	if (build_level(npt, layout, top, npt->root, 4, 0)) {
		printk("npt: out of memory after %zu table pages\n",
		       npt->table_pages);
		npt_destroy(npt);
		return -1;
	}
	return 0;
}

static void destroy_level(struct npt *npt, uint64_t *t, int level)
{
	uint64_t *child;
	size_t i;

	for (i = 0; i < NPT_ENTRIES; i++) {
		if (!(t[i] & NPT_P) || level == 1 || (t[i] & NPT_PS))
			continue;
		child = table_va(npt, t[i]);
		destroy_level(npt, child, level - 1);
		free_table(npt, t[i] & NPT_ADDR_MASK, child);
	}
}

void npt_destroy(struct npt *npt)
{
	if (npt->root) {
		destroy_level(npt, npt->root, 4);
		free_table(npt, npt->root_pa, npt->root);
	}
	assert(npt->table_pages == 0);
	npt->root = NULL;
	npt->root_pa = 0;
}

/* Flags of a leaf at level: large leaves keep PAT in bit 12, not ours. */
static uint64_t leaf_flags(uint64_t e)
{
	return e & (GENMASK(11, 0) | NPT_NX);
}

int npt_lookup(const struct npt *npt, uint64_t gpa, uint64_t *hpa,
	       uint64_t *flags, int *level)
{
	const uint64_t *t = npt->root;
	uint64_t e, size;
	int lv;

	for (lv = 4; lv >= 1; lv--) {
		e = gpa < NPT_MAX_TOP && t ? t[IDX(gpa, lv)] : 0;
		if (level)
			*level = lv;
		if (!(e & NPT_P))
			return -1;
		if (lv == 1 || (lv < 4 && (e & NPT_PS))) {
			size = NPT_LEVEL_SIZE(lv);
			if (hpa)
				*hpa = (e & NPT_ADDR_MASK & ~(size - 1)) |
				       (gpa & (size - 1));
			if (flags)
				*flags = leaf_flags(e);
			return 0;
		}
		t = table_va(npt, e);
	}
	return -1;
}

/* Replace the large leaf *e at level by a table of 512 smaller leaves
 * with the same flags. */
static int split(struct npt *npt, uint64_t *e, int level)
{
	uint64_t base = *e & NPT_ADDR_MASK & ~(NPT_LEVEL_SIZE(level) - 1);
	uint64_t f = leaf_flags(*e), pa, *t;
	size_t i;

	if (alloc_table(npt, &pa, &t))
		return -1;
	if (level - 1 == 1)
		f &= ~NPT_PS;
	for (i = 0; i < NPT_ENTRIES; i++)
		t[i] = (base + i * NPT_LEVEL_SIZE(level - 1)) | f;
	*e = pa | NPT_TABLE;
	return 0;
}

int npt_set_page_flags(struct npt *npt, uint64_t gpa, uint64_t flags)
{
	uint64_t *t = npt->root, *e, pa;
	int lv;

	if (!t || !IS_ALIGNED(gpa, PAGE) || gpa >= NPT_MAX_TOP ||
	    (flags & ~(GENMASK(11, 0) | NPT_NX)) || (flags & NPT_PS))
		return -1;
	for (lv = 4; lv > 1; lv--) {
		e = &t[IDX(gpa, lv)];
		if (!(*e & NPT_P)) {
			if (!(flags & NPT_P))
				return 0; /* already not mapped */
			if (alloc_table(npt, &pa, &t))
				return -1;
			*e = pa | NPT_TABLE;
			continue;
		}
		if (lv < 4 && (*e & NPT_PS)) {
			if ((leaf_flags(*e) & ~(NPT_A | NPT_D)) ==
			    (flags | NPT_PS))
				return 0; /* the large page already says so */
			if (split(npt, e, lv))
				return -1;
		}
		t = table_va(npt, *e);
	}
	t[IDX(gpa, 1)] = (flags & NPT_P) ? (gpa | flags) : 0;
	return 0;
}

int npt_unmap_page(struct npt *npt, uint64_t gpa)
{
	return npt_set_page_flags(npt, gpa, 0);
}

static void summary_level(const struct npt *npt, const uint64_t *t,
			  int level, struct npt_stats *st)
{
	size_t i;

	st->tables++;
	for (i = 0; i < NPT_ENTRIES; i++) {
		if (!(t[i] & NPT_P))
			continue;
		if (level == 1 || (level < 4 && (t[i] & NPT_PS))) {
			st->mapped_bytes += NPT_LEVEL_SIZE(level);
			if (level == 3)
				st->leaves_1g++;
			else if (level == 2)
				st->leaves_2m++;
			else
				st->leaves_4k++;
			continue;
		}
		summary_level(npt, table_va(npt, t[i]), level - 1, st);
	}
}

void npt_summary(const struct npt *npt, struct npt_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (npt->root)
		summary_level(npt, npt->root, 4, st);
}
