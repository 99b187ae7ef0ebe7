/*
 * tests/fuzz/fuzz_linux.c - arbitrary bytes as a Linux bzImage through
 * the pure Linux path of loader/: setup header, placement, command line
 * and boot_params (with an RSDP copy). The first bytes also pick a memory
 * map size so the SETUP_E820_EXT path runs. Whatever the header says,
 * the builder must stay inside its buffers and what it accepted must be
 * consistent (the kernel's segment aligned, in RAM, below 4 GiB).
 */
#include <stdlib.h>
#include <string.h>

#include "loader/formats.h"

#define MAXR 300

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* screen_info from a display described by the input's first 32 bytes:
 * filled only with one of the three kinds and the display's own numbers,
 * else all zero with a reason. */
static void screen(const uint8_t *d, size_t n)
{
	struct boot_framebuffer fb;
	struct linux_screen_info si;
	char why[64];
	const uint8_t *z = (const uint8_t *)&si;
	uint64_t addr;

	if (n < 32)
		return;
	memset(&fb, 0, sizeof(fb));
	memcpy(&fb.addr, d, 8);
	memcpy(&fb.pitch, d + 8, 4);
	memcpy(&fb.width, d + 12, 4);
	memcpy(&fb.height, d + 16, 4);
	fb.bpp = d[20];
	fb.type = d[21] % 4;
	fb.red_pos = d[22] % 33;
	fb.red_size = d[23] % 9;
	fb.green_pos = d[24] % 33;
	fb.green_size = d[25] % 9;
	fb.blue_pos = d[26] % 33;
	fb.blue_size = d[27] % 9;
	if (!loader_linux_screen_info(&fb, d[28] & 1, &si, why, sizeof(why))) {
		for (size_t i = 0; i < sizeof(si); i++)
			if (z[i])
				abort();
		if (!why[0])
			abort();
		return;
	}
	addr = (uint64_t)si.ext_lfb_base << 32 | si.lfb_base;
	if (si.orig_video_isVGA == LINUX_VIDEO_TEXT) {
		if (fb.type != MB2_FB_EGA_TEXT || fb.addr != 0xB8000 ||
		    si.orig_video_cols != fb.width ||
		    si.orig_video_lines != fb.height || addr)
			abort();
	} else if (si.orig_video_isVGA == LINUX_VIDEO_TYPE_VLFB ||
		   si.orig_video_isVGA == LINUX_VIDEO_TYPE_EFI) {
		if (fb.type != MB2_FB_RGB || addr != fb.addr ||
		    si.lfb_linelength != fb.pitch || si.lfb_width != fb.width ||
		    si.lfb_height != fb.height || si.lfb_depth != fb.bpp ||
		    (si.orig_video_isVGA == LINUX_VIDEO_TYPE_EFI) != (d[28] & 1) ||
		    si.rsvd_pos + si.rsvd_size > 32)
			abort();
	} else {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mem_range many[MAXR];
	static struct linux_boot_params bp;
	static uint8_t sd[16 + 48 + MAXR * 20 * 2] __attribute__((aligned(16)));
	struct loader_memmap map = { many, 0, false, 0x2000000, 0x3000000, 0, 0 };
	struct linux_info li;
	struct loader_plan plan;
	struct loader_err err;
	struct linux_bp_input in;
	char cmd[256];
	size_t nr, need;
	uint8_t *img;

	if (size < 2)
		return 0;
	/* 3 .. MAXR ranges: low RAM, 1 MiB.., then alternating 1 MiB pieces */
	nr = 3 + (size_t)(data[0] | data[1] << 8) % (MAXR - 2);
	many[0] = (struct mem_range){ 0, 0x9FC00, MEM_USABLE, 1 };
	many[1] = (struct mem_range){ 0x100000, 0x7F00000, MEM_USABLE, 1 };
	for (size_t i = 2; i < nr; i++)
		many[i] = (struct mem_range){ 0x10000000 + i * MiB, MiB,
			i & 1 ? MEM_RESERVED : MEM_USABLE, i & 1 ? 2 : 1 };
	map.nranges = nr;
	data += 2;
	size -= 2;

	img = malloc(size ? size : 1);
	memcpy(img, data, size);
	if (loader_linux_header(img, size, &li, &err) == 0 &&
	    loader_linux_plan(&li, &map, &plan, &err) == 0) {
		if (plan.seg[0].base % li.align && plan.seg[0].base != li.pref_address)
			abort();
		if (plan.seg[0].end > 4 * GiB ||
		    loader_check_ram(&map, plan.seg[0].base, plan.seg[0].end,
				     "k", NULL))
			abort();
		need = loader_linux_setup_data_size(&map, 36);
		if (need > sizeof(sd))
			abort();
		if (loader_linux_cmdline(&li, "console=ttyS0", 0x7000010, cmd,
					 sizeof(cmd), &err) == 0) {
			in = (struct linux_bp_input){ &li, img, size, &map,
				plan.seg[0].base, 0x6000000, 0x6100000, 0x1000,
				"RSD PTR 0123456789abcdef0123456789ab", 36, sd,
				need, 0x7000000, NULL, false };
			if (loader_linux_boot_params(&in, &bp, &err) == 0 &&
			    (bp.hdr.setup_data != 0x7000000 ||
			     bp.acpi_rsdp_addr != (li.version >= 0x020E ? 0x7000010 : 0)))
				abort();
		}
	}
	screen(data, size);
	free(img);
	return 0;
}
