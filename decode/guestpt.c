/*
 * decode/guestpt.c - guest-virtual to guest-physical translation through
 * the guest's own page tables, and reads of guest-virtual memory (APM
 * Vol. 2, chapter 5). Every table entry and every byte is read through the
 * caller's read_gpa, which refuses the hypervisor's memory: hostile tables
 * can only make a translation fail. The walk has a fixed number of levels,
 * so self-referencing tables cannot loop it.
 */
#include "decode/decode.h"

#include "lib/lib.h"

/* Paging structure formats (APM Vol. 2, 5.2-5.3). */
struct walk {
	unsigned levels;     /* levels below CR3, top first */
	unsigned esize;      /* entry size: 4 or 8 bytes */
	unsigned bits;       /* index bits per level below the top */
	uint64_t addr_mask;  /* next-table address bits of an entry */
	bool pae_pdpt;       /* top level is PAE's 4-entry PDPT */
	bool nx;             /* NX bit honoured (EFER.NXE, 64-bit entries) */
};

/* Whether an entry with PS at this level maps a large page. */
static bool large_leaf(const struct guest_paging *pg, const struct walk *w,
		       unsigned level)
{
	if (w->esize == 4)
		return level == 2 && (pg->cr4 & CR4_PSE);
	if (w->pae_pdpt)
		return level == 2;
	return level == 2 || level == 3;    /* 2 MiB, 1 GiB */
}

/* Physical frame of a leaf at level (1 = 4 KiB page). */
static uint64_t leaf_frame(const struct walk *w, unsigned level, uint64_t e,
			   uint64_t linear)
{
	uint64_t size, pa;

	if (w->esize == 4 && level == 2) {
		/* 4 MiB page, PSE-40: PDE bits 20:13 are PA bits 39:32. */
		pa = (e & 0xFFC00000ULL) | (((e >> 13) & 0xFF) << 32);
		return pa | (linear & 0x3FFFFF);
	}
	size = 1ULL << (12 + w->bits * (level - 1));
	pa = e & w->addr_mask & ~(size - 1);
	return pa | (linear & (size - 1));
}

/* APM Vol. 2, 5.6: the leaf's accumulated permissions against access. */
static int check_access(const struct guest_paging *pg, unsigned access,
			bool writable, bool user, bool nx)
{
	bool as_user = access & GUEST_ACCESS_USER;

	if ((access & GUEST_ACCESS_FETCH) && nx)
		return DEC_EPROT;
	if (as_user && !user)
		return DEC_EPROT;
	if ((access & GUEST_ACCESS_WRITE) && !writable &&
	    (as_user || (pg->cr0 & CR0_WP)))
		return DEC_EPROT;
	if ((access & GUEST_ACCESS_FETCH) && !as_user && user &&
	    (pg->cr4 & CR4_SMEP))
		return DEC_EPROT;
	return DEC_OK;
}

static int read_entry(gpa_read_fn read_gpa, void *ctx, uint64_t addr,
		      unsigned esize, uint64_t *e)
{
	uint8_t b[8];

	if (read_gpa(ctx, addr, b, esize) < 0)
		return DEC_EGPA;
	*e = 0;
	for (unsigned i = 0; i < esize; i++)
		*e |= (uint64_t)b[i] << (8 * i);
	return DEC_OK;
}

int guest_translate(const struct guest_paging *pg, uint64_t linear,
		    unsigned access, gpa_read_fn read_gpa, void *ctx,
		    uint64_t *gpa)
{
	struct walk w = { .esize = 8, .bits = 9, .addr_mask = PTE_ADDR_MASK };
	bool writable = true, user = true, nx = false;
	uint64_t table;
	int r;

	if (!pg || !read_gpa || !gpa)
		return DEC_EINVAL;
	if (!(pg->cr0 & CR0_PG)) {
		*gpa = linear & 0xFFFFFFFFULL;
		return DEC_OK;
	}
	if (pg->efer & EFER_LMA) {
		unsigned va_bits = (pg->cr4 & CR4_LA57) ? 57 : 48;
		int64_t s = (int64_t)(linear << (64 - va_bits)) >> (64 - va_bits);

		if ((uint64_t)s != linear)
			return DEC_ENONCANON;
		w.levels = (pg->cr4 & CR4_LA57) ? 5 : 4;
		w.nx = pg->efer & EFER_NXE;
		table = pg->cr3 & PTE_ADDR_MASK;
	} else if (pg->cr4 & CR4_PAE) {
		linear &= 0xFFFFFFFFULL;
		w.levels = 3;
		w.pae_pdpt = true;
		w.nx = pg->efer & EFER_NXE;
		table = pg->cr3 & 0xFFFFFFE0ULL;
	} else {
		linear &= 0xFFFFFFFFULL;
		w.levels = 2;
		w.esize = 4;
		w.bits = 10;
		w.addr_mask = 0xFFFFF000ULL;
		table = pg->cr3 & 0xFFFFF000ULL;
	}

	for (unsigned level = w.levels; level >= 1; level--) {
		unsigned shift = 12 + w.bits * (level - 1);
		uint64_t idx = (linear >> shift) & ((1ULL << w.bits) - 1);
		uint64_t e;

		if (w.pae_pdpt && level == 3)
			idx = (linear >> 30) & 3;
		r = read_entry(read_gpa, ctx, table + idx * w.esize, w.esize, &e);
		if (r)
			return r;
		if (!(e & PTE_P))
			return DEC_ENOTPRESENT;
		if (w.pae_pdpt && level == 3) {
			/* PAE PDPTEs carry no permissions. */
			table = e & w.addr_mask;
			continue;
		}
		writable = writable && (e & PTE_RW);
		user = user && (e & PTE_US);
		nx = nx || (w.nx && (e & PTE_NX));
		if (level == 1 || ((e & PTE_PS) && large_leaf(pg, &w, level))) {
			r = check_access(pg, access, writable, user, nx);
			if (r)
				return r;
			*gpa = leaf_frame(&w, level, e, linear);
			return DEC_OK;
		}
		table = e & w.addr_mask;
	}
	return DEC_ENOTPRESENT;   /* not reached: level 1 always returns */
}

int guest_fetch(const struct guest_paging *pg, uint64_t linear, void *buf,
		size_t len, unsigned access, gpa_read_fn read_gpa, void *ctx)
{
	bool legacy = !(pg && (pg->efer & EFER_LMA));
	uint8_t *out = buf;

	if (!pg || !read_gpa || (!buf && len))
		return DEC_EINVAL;
	while (len) {
		uint64_t la = legacy ? (linear & 0xFFFFFFFFULL) : linear;
		size_t chunk = MIN(len, 0x1000 - (la & 0xFFF));
		uint64_t gpa;
		int r;

		r = guest_translate(pg, la, access, read_gpa, ctx, &gpa);
		if (r)
			return r;
		/* With paging off a chunk still ends at a 4 KiB boundary. */
		if (read_gpa(ctx, gpa, out, chunk) < 0)
			return DEC_EGPA;
		out += chunk;
		linear += chunk;
		len -= chunk;
	}
	return DEC_OK;
}
