/* Fuzz target: arbitrary bytes as a Multiboot2 information block, the
 * command line it yields, and the framebuffer tag it may carry: a tag the
 * parser accepts is drawn on (fb/render.c) with its pixel format on a
 * small host buffer of that format, with the fuzzed geometry clamped. The
 * parser must never read out of bounds, the renderer never write out of
 * its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fb/fb.h"
#include "kernel/kernel.h"

static void draw_on(const struct boot_framebuffer *bf, const uint8_t *text,
		    size_t n)
{
	static char cells[512];
	struct fb f = {
		.bpp = bf->bpp, .type = bf->type,
		.red = { bf->red_pos, bf->red_size },
		.green = { bf->green_pos, bf->green_size },
		.blue = { bf->blue_pos, bf->blue_size },
		.palette = bf->ncolors ? &bf->palette[0][0] : NULL,
		.ncolors = bf->ncolors,
	};
	uint32_t bytes = (bf->bpp + 7u) / 8u;
	uint8_t *mem;

	/* The tag's geometry, clamped to at most 200 x 100 pixels and a
	 * pitch of at most one row plus 64 bytes. */
	f.width = 1 + bf->width % 200;
	f.height = 1 + bf->height % 100;
	f.pitch = f.width * bytes + bf->pitch % 64;
	mem = malloc((size_t)f.pitch * f.height);
	f.base = mem;
	if (fb_init(&f, cells, 1 + bf->pitch % sizeof(cells)) == 0) {
		fb_clear(&f);
		fb_write(&f, (const char *)text, n > 4096 ? 4096 : n);
	}
	free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bootinfo bi;
	struct hv_options opt;
	char err[128];
	/* An exact-size heap copy so ASan sees every overread. */
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (mb2_parse(copy, size, 0x10000, &bi, err, sizeof(err)) == 0) {
		(void)cmdline_parse(bi.cmdline, &opt, err, sizeof(err));
		if (bi.fb_status == BOOT_FB_OK)
			draw_on(&bi.fb, data, size);
	}
	free(copy);
	return 0;
}
