/*
 * loader/memmap.c - the guest's view of memory: the real map with the
 * hypervisor's range cut out and marked reserved (docs/design.md,
 * "Memory"), and
 * the "is this guest RAM" check every placement decision uses.
 *
 * Everything is derived from loader_classify(), which answers "what is at
 * this address and where does that change" straight from the (possibly
 * unsorted, possibly overlapping) input. Sweeping it from 0 upwards gives
 * the sorted, non-overlapping guest map without scratch memory; the input
 * is at most BOOT_MAX_RANGES long, so the quadratic cost is small.
 */
#include "loader/formats.h"
#include "lib/lib.h"

int loader_fail(struct loader_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		kvsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

static uint64_t range_end(const struct mem_range *r)
{
	uint64_t e = r->base + r->len;

	return e < r->base ? UINT64_MAX : e; /* clamp a wrapping range */
}

/* Where firmware ranges overlap, the more restrictive type wins. */
static int type_priority(uint32_t type)
{
	switch (type) {
	case MEM_USABLE:
		return 0;
	case MEM_ACPI_RECLAIM:
		return 1;
	case MEM_PERSISTENT:
		return 2;
	case MEM_ACPI_NVS:
		return 3;
	case MEM_BAD:
		return 5;
	default:
		return 4; /* reserved, EFI runtime, MMIO, unknown */
	}
}

static void boundary(struct loader_class *c, uint64_t addr, uint64_t v)
{
	if (v > addr && (c->next == 0 || v < c->next))
		c->next = v;
}

void loader_classify(const struct loader_memmap *map, uint64_t addr,
		     struct loader_class *c)
{
	int best = -1;
	size_t i;

	c->kind = LK_NONE;
	c->index = 0;
	c->next = 0;
	for (int h = 0; h < 2; h++) {
		uint64_t hb = h ? map->hv2_base : map->hv_base;
		uint64_t he = h ? map->hv2_end : map->hv_end;

		if (hb >= he)
			continue;
		boundary(c, addr, hb);
		boundary(c, addr, he);
		if (addr >= hb && addr < he)
			c->kind = LK_HV;
	}
	for (i = 0; i < map->nranges; i++) {
		const struct mem_range *r = &map->ranges[i];
		uint64_t end = range_end(r);

		if (r->len == 0)
			continue;
		boundary(c, addr, r->base);
		boundary(c, addr, end);
		if (c->kind == LK_HV || addr < r->base || addr >= end)
			continue;
		if (type_priority(r->type) > best) {
			best = type_priority(r->type);
			c->kind = LK_RANGE;
			c->index = i;
		}
	}
}

uint32_t loader_guest_type(const struct loader_memmap *map, size_t i)
{
	const struct mem_range *r = &map->ranges[i];

	if (!map->raw_is_efi)
		return r->raw_type;
	switch (r->type) {
	case MEM_USABLE:
	case MEM_RESERVED:
	case MEM_ACPI_RECLAIM:
	case MEM_ACPI_NVS:
	case MEM_BAD:
	case MEM_PERSISTENT:
		return r->type;
	default:
		return MEM_RESERVED;
	}
}

size_t loader_guest_mmap_visit(const struct loader_memmap *map,
			       loader_mmap_fn fn, void *ctx)
{
	struct loader_class c, last_c = { LK_NONE, 0, 0 };
	struct mem_range last = { 0, 0, 0, 0 };
	uint64_t cur = 0, end;
	size_t n = 0;

	for (;;) {
		loader_classify(map, cur, &c);
		end = c.next ? c.next : UINT64_MAX;
		if (c.kind != LK_NONE) {
			bool same = last.len && last_c.kind == c.kind &&
				    last_c.index == c.index &&
				    last.base + last.len == cur;
			if (same) {
				last.len += end - cur;
			} else {
				if (last.len)
					fn(ctx, n++, &last);
				last.base = cur;
				last.len = end - cur;
				if (c.kind == LK_HV) {
					last.type = MEM_RESERVED;
					last.raw_type = MEM_RESERVED;
				} else {
					last.type = map->ranges[c.index].type;
					last.raw_type =
						loader_guest_type(map, c.index);
				}
				last_c = c;
			}
		}
		if (!c.next)
			break;
		cur = c.next;
	}
	if (last.len)
		fn(ctx, n++, &last);
	return n;
}

struct store_ctx {
	struct mem_range *out;
	size_t cap;
};

static void store(void *ctx, size_t i, const struct mem_range *r)
{
	struct store_ctx *s = ctx;

	if (i < s->cap)
		s->out[i] = *r;
}

size_t loader_guest_mmap(const struct loader_memmap *map,
			 struct mem_range *out, size_t cap)
{
	struct store_ctx s = { out, cap };

	return loader_guest_mmap_visit(map, store, &s);
}

int loader_check_ram(const struct loader_memmap *map, uint64_t base,
		     uint64_t end, const char *what, struct loader_err *err)
{
	struct loader_class c;
	uint64_t cur = base;

	while (cur < end) {
		loader_classify(map, cur, &c);
		if (c.kind == LK_HV)
			return loader_fail(err, LOADER_E_MEMORY,
				"%s [0x%lx-0x%lx) overlaps the hypervisor's "
				"memory at 0x%lx", what, base, end, cur);
		if (c.kind == LK_NONE)
			return loader_fail(err, LOADER_E_MEMORY,
				"%s [0x%lx-0x%lx): no memory at 0x%lx", what,
				base, end, cur);
		if (map->ranges[c.index].type != MEM_USABLE)
			return loader_fail(err, LOADER_E_MEMORY,
				"%s [0x%lx-0x%lx): 0x%lx is not RAM (type %u)",
				what, base, end, cur,
				loader_guest_type(map, c.index));
		if (!c.next)
			break;
		cur = c.next;
	}
	return LOADER_OK;
}
