/*
 * loader/place.c - find guest RAM for what the guest needs besides its
 * segments: modules GRUB happened to put where the guest loads (moved
 * first; docs/design.md, "Memory"), the
 * Multiboot2 information block and any other block the caller asks for.
 */
#include "loader/formats.h"
#include "lib/lib.h"

#define FOUR_GIB   (4 * GiB)
#define PAGE       (4 * KiB)
#define MAX_BUSY   (LOADER_MAX_SEGMENTS + 2 * BOOT_MAX_MODULES + \
		    LOADER_MAX_BLOCKS)

struct span {
	uint64_t base, end;
};

struct busy {
	struct span s[MAX_BUSY];
	size_t n;
};

static void busy_add(struct busy *b, uint64_t base, uint64_t end)
{
	assert(b->n < MAX_BUSY);
	b->s[b->n++] = (struct span){ base, end };
}

/* Next candidate at or above x, or 0 when the search must stop. */
static uint64_t advance(uint64_t x, uint64_t align)
{
	return x >= FOUR_GIB ? 0 : ALIGN_UP(x, align);
}

/* Whether [addr, end) is guest RAM; if not, *resume is where the part
 * that is not ends (0: nothing above). */
static bool ram_covers(const struct loader_memmap *map, uint64_t addr,
		       uint64_t end, uint64_t *resume)
{
	struct loader_class c;
	uint64_t cur;

	for (cur = addr; cur < end; cur = c.next) {
		loader_classify(map, cur, &c);
		if (c.kind != LK_RANGE ||
		    map->ranges[c.index].type != MEM_USABLE) {
			*resume = c.next;
			return false;
		}
		if (!c.next)
			break;
	}
	return true;
}

/* First-fit: lowest aligned addr >= from with [addr, addr + size) in guest
 * RAM below 4 GiB and clear of every busy span. addr only grows, so the
 * loop ends. */
static bool find_free(const struct loader_memmap *map, const struct busy *b,
		      uint64_t size, uint64_t align, uint64_t from,
		      uint64_t *out)
{
	uint64_t addr = advance(from, align), end, resume;
	size_t j;

	while (addr && addr < FOUR_GIB && size <= FOUR_GIB - addr) {
		end = addr + size;
		if (!ram_covers(map, addr, end, &resume)) {
			addr = resume ? advance(resume, align) : 0;
			continue;
		}
		for (j = 0; j < b->n; j++)
			if (addr < b->s[j].end && b->s[j].base < end)
				break;
		if (j < b->n) {
			addr = advance(b->s[j].end, align);
			continue;
		}
		*out = addr;
		return true;
	}
	return false;
}

static bool place(const struct loader_memmap *map, const struct busy *b,
		  const struct loader_plan *plan, uint64_t size,
		  uint64_t align, uint64_t *out)
{
	return find_free(map, b, size, align, plan->load_end, out) ||
	       find_free(map, b, size, align, 1 * MiB, out);
}

static bool module_in_the_way(const struct loader_memmap *map,
			      const struct loader_plan *plan,
			      const struct boot_module *m)
{
	size_t i;

	if (m->end > FOUR_GIB)
		return true;
	for (i = 0; i < plan->nseg; i++)
		if (m->start < plan->seg[i].end && plan->seg[i].base < m->end)
			return true;
	return loader_check_ram(map, m->start, m->end, "module", NULL) != 0;
}

int loader_place(const struct loader_memmap *map,
		 const struct loader_plan *plan,
		 const struct boot_module *mods, size_t nmods,
		 struct loader_move *moves, struct loader_block *blocks,
		 size_t nblocks, struct loader_err *err)
{
	struct busy b = { .n = 0 };
	uint64_t len, align;
	size_t i;

	if (nmods > BOOT_MAX_MODULES || nblocks > LOADER_MAX_BLOCKS)
		return loader_fail(err, LOADER_E_INVAL,
			"placement: %zu modules / %zu blocks is too many",
			nmods, nblocks);
	for (i = 0; i < nmods; i++)
		if (mods[i].end < mods[i].start)
			return loader_fail(err, LOADER_E_INVAL,
				"module %zu ends before it starts", i);
	for (i = 0; i < nblocks; i++) {
		align = blocks[i].align ? blocks[i].align : 8;
		if (!blocks[i].size || blocks[i].size > FOUR_GIB ||
		    (align & (align - 1)) || align > FOUR_GIB)
			return loader_fail(err, LOADER_E_INVAL,
				"block %zu: size 0x%lx align 0x%lx invalid", i,
				blocks[i].size, align);
	}

	for (i = 0; i < plan->nseg; i++)
		busy_add(&b, plan->seg[i].base, plan->seg[i].end);
	for (i = 0; i < nmods; i++)
		busy_add(&b, ALIGN_DOWN(mods[i].start, PAGE), mods[i].end);

	for (i = 0; i < nmods; i++) {
		len = mods[i].end - mods[i].start;
		moves[i] = (struct loader_move){ mods[i].start, mods[i].start,
						 len };
		if (!len || !module_in_the_way(map, plan, &mods[i]))
			continue;
		if (!place(map, &b, plan, len, PAGE, &moves[i].to))
			return loader_fail(err, LOADER_E_NOSPACE,
				"no guest RAM below 4 GiB for module %zu "
				"(0x%lx bytes, now at 0x%lx)", i, len,
				mods[i].start);
		busy_add(&b, moves[i].to, moves[i].to + len);
	}
	for (i = 0; i < nblocks; i++) {
		align = blocks[i].align ? blocks[i].align : 8;
		if (!place(map, &b, plan, blocks[i].size, align,
			   &blocks[i].addr))
			return loader_fail(err, LOADER_E_NOSPACE,
				"no guest RAM below 4 GiB for block %zu "
				"(0x%lx bytes)", i, blocks[i].size);
		busy_add(&b, blocks[i].addr, blocks[i].addr + blocks[i].size);
	}
	return LOADER_OK;
}

int loader_move_modules(const struct loader_move *moves, size_t n,
			loader_phys_to_ptr phys_to_ptr, void *ctx,
			struct loader_err *err)
{
	void *src, *dst;
	size_t i;

	for (i = 0; i < n; i++) {
		if (moves[i].to == moves[i].from || !moves[i].len)
			continue;
		src = phys_to_ptr(ctx, moves[i].from, moves[i].len);
		dst = phys_to_ptr(ctx, moves[i].to, moves[i].len);
		if (!src || !dst)
			return loader_fail(err, LOADER_E_ACCESS,
				"cannot reach module %zu [0x%lx -> 0x%lx]", i,
				moves[i].from, moves[i].to);
		memmove(dst, src, moves[i].len);
	}
	return LOADER_OK;
}
