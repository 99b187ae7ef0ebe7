/*
 * tests/fuzz/fuzz_loader.c - arbitrary bytes as a guest image through the
 * whole pure loader: Multiboot2 header, ELF/a.out plan, placement, the
 * copy into (fake) guest memory and the information block.
 */
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

static const struct mem_range ranges[] = {
	{ 0x0, 0x9FC00, MEM_USABLE, 1 },
	{ 0xF0000, 0x10000, MEM_RESERVED, 2 },
	{ 0x100000, 0x3F00000, MEM_USABLE, 1 },
	{ 0xFEE00000, 0x1000, MEM_RESERVED, 2 },
};
static const struct loader_memmap map = {
	ranges, sizeof(ranges) / sizeof(ranges[0]), false,
	0x2000000, 0x3000000
};

#define FAKE_BASE 0x100000ull
#define FAKE_SIZE (8ull << 20)
static unsigned char *fake;

static void *fake_ptr(void *ctx, uint64_t pa, uint64_t len)
{
	if (pa < FAKE_BASE || len > FAKE_SIZE || pa - FAKE_BASE >
	    FAKE_SIZE - len)
		return NULL;
	return fake + (pa - FAKE_BASE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t mbi[512];
	struct mb2_header_info hdr;
	struct loader_plan plan;
	struct loader_err err;
	struct boot_module mods[2] = {
		{ 0x180000, 0x180000 + size, "guest fuzz" },
		{ 0x400000, 0x401000, "other" },
	};
	struct loader_move moves[2];
	struct loader_block blk = { 0, 8, 0 };
	struct loader_mbi_input in = { &map, "fuzz", "fuzz", mods, 2,
				       NULL, 0, NULL, 0 };
	uint8_t *img;
	size_t need;

	if (!fake)
		fake = calloc(1, FAKE_SIZE);
	/* an exact-size heap copy, so ASan sees every read past the end */
	img = malloc(size ? size : 1);
	memcpy(img, data, size);
	if (loader_find_mb2_header(img, size, LOADER_MBI_PROVIDES_BASE, &hdr,
				   &err))
		memset(&hdr, 0, sizeof(hdr)); /* still try it as plain ELF */
	if (loader_plan(img, size, &hdr, &map, &plan, &err) == 0) {
		if (loader_build_mbi(&in, NULL, 0, &need, &err) !=
		    LOADER_E_TOOSMALL)
			abort();
		blk.size = need;
		if (loader_place(&map, &plan, mods, 2, moves, &blk, 1,
				 &err) == 0) {
			loader_move_modules(moves, 2, fake_ptr, NULL, &err);
			if (blk.addr < plan.load_end && blk.addr + need >
			    plan.seg[0].base && plan.nseg == 1)
				abort(); /* the block overlaps the segment */
		}
		loader_execute(&plan, img, size, fake_ptr, NULL, &err);
		if (loader_build_mbi(&in, mbi, sizeof(mbi), &need, &err))
			abort();
	}
	free(img);
	return 0;
}
