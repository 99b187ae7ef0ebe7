/*
 * fb/console.c - the log on the screen GRUB left us (docs/screen.md).
 *
 * The framebuffer is the guest's device memory: the hypervisor maps it
 * uncached (UC-, so that the MTRRs' write-combining applies) in its
 * ioremap window (the NPT keeps it mapped for the guest,
 * like every other MMIO range), draws the log while it boots and stops
 * when the guest starts. A panic takes the screen back: clear, then the
 * report from its first line, whatever the guest drew meanwhile. (If the
 * guest changed the video mode, the panic draws with the old geometry:
 * best effort, the serial port stays the reliable record.)
 */
#include "fb/fb.h"
#include "kernel/kernel.h"
#include "lib/lib.h"
#include "mm/mm.h"

static struct fb screen;
/* Drawing on: from fb_console_init until the guest starts, and from a
 * panic on. Read under the print lock, which every putc runs under. */
static bool drawing;

static void screen_putc(char c)
{
	if (READ_ONCE(drawing))
		fb_putc(&screen, c);
}

/* The panicking CPU, before its report: the report starts at the top of
 * a clean screen, so its first line stays in view. */
static void screen_panic(void)
{
	fb_clear(&screen);
	WRITE_ONCE(drawing, true);
}

static const struct printk_sink screen_sink = {
	.putc = screen_putc,
	.panic = screen_panic,
};

void fb_console_init(const struct boot_framebuffer *bf)
{
	uint64_t len = (uint64_t)bf->pitch * bf->height;
	size_t ncells;
	char *cells;
	void *base;

	/* mb2_parse bounded the size (BOOT_FB_MAX_BYTES) and the address,
	 * and kept it off usable RAM. UC-: uncached, or write-combining
	 * where the firmware's MTRRs make it so; we only ever write to it. */
	base = ioremap_uc_minus(bf->addr, len);
	if (!base) {
		printk("fb: cannot map the framebuffer (%llu KiB at 0x%llx): no "
		       "screen log\n", (unsigned long long)(len >> 10),
		       (unsigned long long)bf->addr);
		return;
	}
	screen = (struct fb){
		.base = base, .pitch = bf->pitch, .width = bf->width,
		.height = bf->height, .bpp = bf->bpp, .type = bf->type,
		.red = { bf->red_pos, bf->red_size },
		.green = { bf->green_pos, bf->green_size },
		.blue = { bf->blue_pos, bf->blue_size },
		.palette = bf->ncolors ? &bf->palette[0][0] : NULL,
		.ncolors = bf->ncolors,
	};
	ncells = fb_cells_wanted(&screen);
	cells = ncells ? kmalloc(ncells) : NULL;
	if (!cells || fb_init(&screen, cells, ncells)) {
		printk("fb: %ux%u %u bpp: %s: no screen log\n", bf->width,
		       bf->height, bf->bpp, cells ? "mode refused" : "out of memory");
		if (cells)
			kfree(cells);
		return;
	}
	fb_clear(&screen);
	drawing = true;
	printk_set_sink(&screen_sink, screen.rows);
	if (bf->type == FB_TYPE_EGA_TEXT)
		printk("fb: %ux%u text mode at 0x%llx: the log is on the screen "
		       "until the guest starts\n", bf->width, bf->height,
		       (unsigned long long)bf->addr);
	else
		printk("fb: %ux%u %u bpp at 0x%llx, %ux%u characters: the log is "
		       "on the screen until the guest starts\n", bf->width,
		       bf->height, bf->bpp, (unsigned long long)bf->addr,
		       screen.cols, screen.rows);
}

void fb_console_stop(void)
{
	if (!screen.cells)
		return;
	printk("fb: the screen is the guest's now\n");
	WRITE_ONCE(drawing, false);
}
