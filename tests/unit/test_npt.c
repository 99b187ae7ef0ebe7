/*
 * tests/unit/test_npt.c - svm/npt.c: exact coverage, largest pages, holes
 * not 2 MiB aligned, special pages, edits, allocation failure.
 */
#include "test.h"

#include <stdlib.h>

#include "svm/svm.h"

/* Fake frames: table pages from aligned malloc, with made-up physical
 * addresses far from anything the tests map. */
#define FAKE_PA   0x7000000000ull
#define MAX_PAGES 4096

struct fake_alloc {
	void *va[MAX_PAGES];
	size_t used, live, limit; /* allocations beyond limit fail */
};

static int fa_alloc(void *ctx, uint64_t *pa, void **va)
{
	struct fake_alloc *f = ctx;

	if (f->used == MAX_PAGES || f->used >= f->limit)
		return -1;
	f->va[f->used] = aligned_alloc(4096, 4096);
	memset(f->va[f->used], 0xAB, 4096); /* npt must zero it */
	*pa = FAKE_PA + f->used * 4096;
	*va = f->va[f->used++];
	f->live++;
	return 0;
}

static void fa_free(void *ctx, uint64_t pa, void *va)
{
	struct fake_alloc *f = ctx;
	size_t i = (pa - FAKE_PA) / 4096;

	if (i >= f->used || f->va[i] != va)
		abort();
	free(va);
	f->va[i] = NULL;
	f->live--;
}

static void *fa_va(void *ctx, uint64_t pa)
{
	struct fake_alloc *f = ctx;
	size_t i = (pa - FAKE_PA) / 4096;

	if (pa < FAKE_PA || i >= f->used || !f->va[i])
		abort();
	return f->va[i];
}

static struct fake_alloc fa;
static const struct npt_ops ops = { fa_alloc, fa_free, fa_va, &fa };

static void fa_reset(size_t limit)
{
	memset(&fa, 0, sizeof(fa));
	fa.limit = limit;
}

#define APIC 0xFEE00000ull

/* 4 GiB guest, 32 MiB hole at 0x7E000000, APIC read-only, 4 KiB in the
 * first 2 MiB. */
static const struct npt_range hv_hole[] = { { 0x7E000000, 0x80000000 } };
static const struct npt_range low[] = { { 0, 2 * MiB } };
static const uint64_t apic[] = { APIC };

TEST(npt_4g_guest_1g_pages)
{
	struct npt_layout l = { 4 * GiB, hv_hole, 1, low, 1, apic, 1, NULL, 0,
				true, NULL, 0 };
	struct npt_stats st;
	struct npt n;
	uint64_t hpa, fl;
	int lv;

	fa_reset(SIZE_MAX);
	CHECK_EQ(npt_build(&n, &l, &ops), 0);
	/* PML4, PDPT, PD+PT for the first 2 MiB, PD for the hole's GiB,
	 * PD+PT for the APIC */
	CHECK_EQ(n.table_pages, 7);
	CHECK(n.table_pages * 4096 <= 64 * KiB);
	npt_summary(&n, &st);
	CHECK_EQ(st.tables, 7);
	CHECK_EQ(st.leaves_1g, 1);           /* GiB 2 */
	CHECK_EQ(st.leaves_2m, 511 + 496 + 511);
	CHECK_EQ(st.leaves_4k, 512 + 512);
	CHECK_EQ(st.mapped_bytes, 4 * GiB - 32 * MiB);

	CHECK_EQ(npt_lookup(&n, 0x80000000 + 0x123, &hpa, &fl, &lv), 0);
	CHECK_EQ(hpa, 0x80000123);
	CHECK_EQ(lv, 3);
	CHECK_EQ(fl, 0x87);
	CHECK_EQ(npt_lookup(&n, 0x1000, &hpa, &fl, &lv), 0);
	CHECK_EQ(lv, 1);
	CHECK_EQ(fl, 0x7);
	CHECK_EQ(npt_lookup(&n, APIC + 0x300, &hpa, &fl, &lv), 0);
	CHECK_EQ(hpa, APIC + 0x300);
	CHECK_EQ(fl, NPT_LEAF_RO);
	CHECK_EQ(npt_lookup(&n, 0x7E000000, &hpa, &fl, &lv), -1);
	CHECK_EQ(lv, 2);
	CHECK_EQ(npt_lookup(&n, 4 * GiB, &hpa, &fl, &lv), -1);
	CHECK_EQ(npt_lookup(&n, ~0ull, NULL, NULL, NULL), -1);
	npt_destroy(&n);
	CHECK_EQ(fa.live, 0);

	/* without Page1GB: the PDPT gets four PDs */
	l.page1gb = false;
	CHECK_EQ(npt_build(&n, &l, &ops), 0);
	CHECK_EQ(n.table_pages, 8);
	npt_destroy(&n);
	CHECK_EQ(fa.live, 0);
}

/* Every 4 KiB page of [0, top + 8 MiB): mapped identity with the right
 * flags outside holes/special pages, not mapped inside. */
static int check_exact(const struct npt *n, const struct npt_layout *l)
{
	for (uint64_t pa = 0; pa < l->top + 8 * MiB; pa += 4096) {
		bool hole = pa >= ALIGN_UP(l->top, 4096);
		uint64_t hpa, fl;
		int lv;

		for (size_t i = 0; i < l->nholes; i++)
			if (pa + 4096 > l->holes[i].base &&
			    pa < l->holes[i].end)
				hole = true;
		for (size_t i = 0; i < l->nunmapped; i++)
			if (ALIGN_DOWN(l->unmapped_pages[i], 4096) == pa)
				hole = true;
		int rc = npt_lookup(n, pa + 8, &hpa, &fl, &lv);
		if (hole != (rc != 0))
			return printf("page 0x%lx: rc %d\n", pa, rc), -1;
		if (rc)
			continue;
		uint64_t want = NPT_LEAF_RW;
		for (size_t i = 0; i < l->nro; i++)
			if (ALIGN_DOWN(l->ro_pages[i], 4096) == pa)
				want = NPT_LEAF_RO;
		for (size_t i = 0; i < l->nro_ranges; i++)
			if (pa + 4096 > l->ro[i].base && pa < l->ro[i].end)
				want = NPT_LEAF_RO;
		if (hpa != pa + 8 || (fl & ~NPT_PS) != want)
			return printf("page 0x%lx: hpa 0x%lx fl 0x%lx\n", pa,
				      hpa, fl), -1;
	}
	return 0;
}

TEST(npt_exact_unaligned_holes_and_top)
{
	static const struct npt_range holes[] = {
		{ 0x00345000, 0x00A01000 },   /* 4 KiB aligned only */
		{ 0x40000800, 0x40001800 },   /* not even 4 KiB: widened */
		{ 0x13FFFF000, 0x140201000 }, /* crosses a GiB boundary */
	};
	static const uint64_t ro[] = { 0x5000, 0x120000ABC };
	static const uint64_t un[] = { 0x7000, 0x1FF000 };
	struct npt_layout l = { 0x180123456, holes, 3, NULL, 0, ro, 2, un, 2,
				true, NULL, 0 };
	struct npt_stats st;
	struct npt n;

	fa_reset(SIZE_MAX);
	CHECK_EQ(npt_build(&n, &l, &ops), 0);
	CHECK_EQ(check_exact(&n, &l), 0);
	npt_summary(&n, &st);
	CHECK_EQ(st.tables, n.table_pages);
	CHECK(st.leaves_1g >= 1);
	npt_destroy(&n);
	CHECK_EQ(fa.live, 0);
	l.page1gb = false;
	CHECK_EQ(npt_build(&n, &l, &ops), 0);
	npt_summary(&n, &st);
	CHECK_EQ(st.leaves_1g, 0);
	CHECK_EQ(check_exact(&n, &l), 0);
	npt_destroy(&n);
	/* A read-only window (ECAM) with a hole in it and one that is not
	 * 2 MiB aligned: large read-only leaves where it fits, 4 KiB at
	 * its ragged edges. */
	{
		static const struct npt_range ro_r[] = {
			{ 0xB0000000, 0xC0000000 }, { 0x60001000, 0x60403000 },
		};
		static const struct npt_range holes2[] = {
			{ 0xB0028000, 0xB0029000 },
		};
		struct npt_layout l2 = { 0x180000000, holes2, 1, NULL, 0, NULL,
					 0, NULL, 0, true, ro_r, 2 };
		uint64_t hpa, fl;
		int lv;

		CHECK_EQ(npt_build(&n, &l2, &ops), 0);
		CHECK_EQ(check_exact(&n, &l2), 0);
		CHECK_EQ(npt_lookup(&n, 0xB8000000, &hpa, &fl, &lv), 0);
		CHECK_EQ(lv, 2);
		CHECK_EQ(fl & ~NPT_PS, NPT_LEAF_RO);
		CHECK_EQ(npt_lookup(&n, 0xC0000000, &hpa, &fl, &lv), 0);
		CHECK_EQ(fl & ~NPT_PS, NPT_LEAF_RW);
		npt_destroy(&n);
		CHECK_EQ(fa.live, 0);
	}
	CHECK_EQ(fa.live, 0);
}

TEST(npt_alloc_failure_no_leak)
{
	struct npt_layout l = { 4 * GiB, hv_hole, 1, low, 1, apic, 1, NULL, 0,
				true, NULL, 0 };
	struct npt n;

	for (size_t k = 0; k < 7; k++) {
		fa_reset(k);
		CHECK_EQ(npt_build(&n, &l, &ops), -1);
		CHECK_EQ(fa.live, 0);
		CHECK(n.root == NULL);
	}
	fa_reset(SIZE_MAX);
	l.top = NPT_MAX_TOP + 1;
	CHECK_EQ(npt_build(&n, &l, &ops), -1);
	l.top = 0;
	CHECK_EQ(npt_build(&n, &l, &ops), -1);
	CHECK_EQ(fa.live, 0);
}

TEST(npt_edit_pages)
{
	struct npt_layout l = { 4 * GiB, hv_hole, 1, NULL, 0, NULL, 0, NULL, 0,
				true, NULL, 0 };
	uint64_t hpa, fl;
	struct npt n;
	size_t before;
	int lv;

	fa_reset(SIZE_MAX);
	CHECK_EQ(npt_build(&n, &l, &ops), 0);
	before = n.table_pages;
	/* same flags as the 1 GiB page: nothing to split */
	CHECK_EQ(npt_set_page_flags(&n, 0xC0000000, NPT_LEAF_RW), 0);
	CHECK_EQ(n.table_pages, before);
	/* read-only inside a 1 GiB page: split 1G -> 2M -> 4K */
	CHECK_EQ(npt_set_page_flags(&n, 0xC0201000, NPT_LEAF_RO), 0);
	CHECK_EQ(n.table_pages, before + 2);
	CHECK_EQ(npt_lookup(&n, 0xC0201000, &hpa, &fl, &lv), 0);
	CHECK(lv == 1 && fl == NPT_LEAF_RO && hpa == 0xC0201000);
	CHECK_EQ(npt_lookup(&n, 0xC0202000, &hpa, &fl, &lv), 0);
	CHECK(lv == 1 && fl == NPT_LEAF_RW && hpa == 0xC0202000);
	CHECK_EQ(npt_lookup(&n, 0xC0400000, &hpa, &fl, &lv), 0);
	CHECK(lv == 2 && fl == 0x87 && hpa == 0xC0400000);
	CHECK_EQ(npt_lookup(&n, 0xFFFFF000, &hpa, &fl, &lv), 0);
	CHECK(lv == 2 && hpa == 0xFFFFF000);
	/* unmap */
	CHECK_EQ(npt_unmap_page(&n, 0xC0202000), 0);
	CHECK_EQ(npt_lookup(&n, 0xC0202000, &hpa, &fl, &lv), -1);
	CHECK_EQ(npt_unmap_page(&n, 0x7E000000), 0); /* already */
	/* map a page inside the hole (tables added) */
	CHECK_EQ(npt_set_page_flags(&n, 0x7E001000, NPT_LEAF_RW), 0);
	CHECK_EQ(npt_lookup(&n, 0x7E001000, &hpa, &fl, &lv), 0);
	CHECK_EQ(npt_lookup(&n, 0x7E002000, &hpa, &fl, &lv), -1);
	/* bad arguments */
	CHECK_EQ(npt_set_page_flags(&n, 0x1001, NPT_LEAF_RW), -1);
	CHECK_EQ(npt_set_page_flags(&n, NPT_MAX_TOP, NPT_LEAF_RW), -1);
	CHECK_EQ(npt_set_page_flags(&n, 0x1000, NPT_LEAF_RW | NPT_PS), -1);
	CHECK_EQ(npt_set_page_flags(&n, 0x1000, BIT(40)), -1);
	/* split fails: nothing changes */
	fa.limit = fa.used;
	CHECK_EQ(npt_set_page_flags(&n, 0x80000000, NPT_LEAF_RO), -1);
	CHECK_EQ(npt_lookup(&n, 0x80000000, &hpa, &fl, &lv), 0);
	CHECK(lv == 3 && fl == 0x87);
	npt_destroy(&n);
	CHECK_EQ(fa.live, 0);
}
