/*
 * mm/pool.c - choosing the hypervisor's pool from the firmware memory map.
 *
 * A pure function (no globals, no I/O) so it is tested on the host with
 * realistic e820 and EFI maps. Memory map semantics: Multiboot2 spec 3.6.8
 * (memory map tag) and ACPI 6.5 section 15 (e820 / EFI address range
 * types); the maps are classified into enum mem_type by kernel/mb2.c.
 */
#include "mm/mm.h"

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Every byte of [b, e) is covered by some MEM_USABLE range. */
static bool covered_by_usable(const struct mem_range *map, size_t n,
			      uint64_t b, uint64_t e)
{
	uint64_t cur = b;
	bool progress = true;

	while (cur < e && progress) {
		progress = false;
		for (size_t i = 0; i < n; i++) {
			uint64_t rb = map[i].base, re = map[i].base + map[i].len;
			if (map[i].type == MEM_USABLE && rb <= cur && cur < re &&
			    re > map[i].base) {
				cur = re;
				progress = true;
			}
		}
	}
	return cur >= e;
}

/* Whether [base, base + size) may hold the pool. */
static bool pool_fits(const struct mem_range *map, size_t n,
		      const struct mem_range *avoid, size_t navoid,
		      uint64_t image_base, uint64_t image_end, uint64_t base,
		      uint64_t size)
{
	if (!IS_ALIGNED(base, MM_POOL_ALIGN) || base < MM_POOL_MIN ||
	    base > MM_POOL_LIMIT || size > MM_POOL_LIMIT - base)
		return false;
	if (overlaps(base, size, image_base, image_end - image_base))
		return false;
	for (size_t i = 0; i < navoid; i++)
		if (overlaps(base, size, avoid[i].base, avoid[i].len))
			return false;
	for (size_t i = 0; i < n; i++)
		if (map[i].type != MEM_USABLE &&
		    overlaps(base, size, map[i].base, map[i].len))
			return false;
	return covered_by_usable(map, n, base, base + size);
}

/* The candidate whose top is at boundary e, or 0 when none. */
static uint64_t candidate_below(uint64_t e, uint64_t size)
{
	e = MIN(e, MM_POOL_LIMIT);
	if (e < size)
		return 0;
	return ALIGN_DOWN(e - size, MM_POOL_ALIGN);
}

int mm_pick_pool(const struct mem_range *map, size_t n,
		 const struct mem_range *avoid, size_t navoid,
		 uint64_t image_base, uint64_t image_end, uint64_t size,
		 uint64_t *out_base)
{
	uint64_t best = 0, c;
	bool found = false;

	if (size == 0 || !IS_ALIGNED(size, FRAME_SIZE) || size > MM_POOL_LIMIT ||
	    image_end < image_base)
		return MM_EINVAL;

#define FITS(b) pool_fits(map, n, avoid, navoid, image_base, image_end, (b), size)
	/* 1: directly below the image. */
	c = candidate_below(image_base, size);
	if (c && FITS(c))
		goto done_with_c;
	/* 2: directly above the image. */
	c = ALIGN_UP(image_end, MM_POOL_ALIGN);
	if (c >= image_end && FITS(c))
		goto done_with_c;
	/*
	 * 3: the highest fit. The best base b has a bad byte at or above
	 * b + size within the next 2 MiB (else b + 2 MiB would fit); the first
	 * bad byte is a boundary: the end of a usable range, the start of a
	 * non-usable or avoided range or the image, or the 4 GiB limit.
	 * Aligning (boundary - size) down gives b, so trying every boundary
	 * finds it.
	 */
	for (size_t i = 0; i < n + navoid + 2; i++) {
		uint64_t e;
		if (i < n)
			e = map[i].type == MEM_USABLE ? map[i].base + map[i].len
						      : map[i].base;
		else if (i < n + navoid)
			e = avoid[i - n].base;
		else if (i == n + navoid)
			e = image_base;
		else
			e = MM_POOL_LIMIT;
		c = candidate_below(e, size);
		if (c && (!found || c > best) && FITS(c)) {
			best = c;
			found = true;
		}
	}
#undef FITS
	if (!found)
		return MM_ENOENT;
	*out_base = best;
	return MM_OK;
done_with_c:
	*out_base = c;
	return MM_OK;
}
