/*
 * fb/console.c - the log on the screen GRUB left us (docs/screen.md).
 *
 * The framebuffer is the guest's device memory. Right after the boot
 * information is parsed, a framebuffer below 4 GiB is drawn on through
 * the boot page tables' direct map (write-back in the PAT, so the caches
 * are written back at every line end; the MTRRs usually make such MMIO
 * uncached anyway): a panic in the command line or the memory setup is
 * on the screen too. Once the frame domain can give page tables it is
 * mapped UC- in the ioremap window (write-combining where the MTRRs say
 * so). The NPT keeps it mapped for the guest like every other MMIO range.
 * Drawing stops when the guest starts. A panic takes the screen back:
 * clear, then the report from its first line, whatever the guest drew
 * meanwhile. (If the guest changed the video mode, the panic draws with
 * the old geometry: best effort, the serial port stays the reliable
 * record.)
 */
#include "fb/fb.h"
#include "arch/x86.h"
#include "kernel/kernel.h"
#include "lib/lib.h"

/* Characters on the screen: 64 KiB covers 2560x1600 (320 x 100 cells);
 * a larger screen uses its top rows only. Static, so that the screen
 * works before the heap does. */
#define FB_MAX_CELLS (64 * 1024)

static struct fb screen;
static char cells[FB_MAX_CELLS];
/* Drawing on: from fb_console_early/init until the guest starts, and
 * from a panic on. Read under the print lock, which every putc runs
 * under. */
static bool drawing;
/* Mapped write-back (the early direct map): flush at line ends. */
static bool write_back;

static void screen_putc(char c)
{
	if (!READ_ONCE(drawing))
		return;
	fb_putc(&screen, c);
	if (write_back && c == '\n')
		wbinvd();
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

static void announce(const struct boot_framebuffer *bf)
{
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

/* Set up the renderer on @base and start drawing; false when the mode
 * is refused (mb2_parse checked it already: our own bug then). */
static bool start(const struct boot_framebuffer *bf, void *base)
{
	screen = (struct fb){
		.base = base, .pitch = bf->pitch, .width = bf->width,
		.height = bf->height, .bpp = bf->bpp, .type = bf->type,
		.red = { bf->red_pos, bf->red_size },
		.green = { bf->green_pos, bf->green_size },
		.blue = { bf->blue_pos, bf->blue_size },
		.palette = bf->ncolors ? &bf->palette[0][0] : NULL,
		.ncolors = bf->ncolors,
	};
	if (fb_init(&screen, cells, sizeof(cells))) {
		printk("fb: %ux%u %u bpp type %u: mode refused: no screen log\n",
		       bf->width, bf->height, bf->bpp, bf->type);
		return false;
	}
	fb_clear(&screen);
	WRITE_ONCE(drawing, true);
	printk_set_sink(&screen_sink, screen.rows);
	announce(bf);
	return true;
}

void fb_console_early(const struct boot_framebuffer *bf)
{
	uint64_t len = (uint64_t)bf->pitch * bf->height;

	/* mb2_parse bounded the size (BOOT_FB_MAX_BYTES) and the address,
	 * and kept it off usable RAM. The early direct map covers 4 GiB. */
	if (bf->addr + len > 4 * GiB)
		return;
	write_back = true;
	if (!start(bf, (void *)(DIRECT_MAP_BASE + bf->addr)))
		write_back = false;
}

void fb_console_init(const struct boot_framebuffer *bf)
{
	uint64_t len = (uint64_t)bf->pitch * bf->height;
	void *base = ioremap_uc_minus(bf->addr, len);

	if (!base) {
		printk("fb: cannot map the framebuffer (%llu KiB at 0x%llx)%s\n",
		       (unsigned long long)(len >> 10),
		       (unsigned long long)bf->addr, screen.cells ?
		       ": drawing through the direct map" : ": no screen log");
		return;
	}
	if (!screen.cells) {
		start(bf, base);
		return;
	}
	/* Only the boot CPU runs, and it is here: no print is under way. */
	wbinvd();
	screen.base = base;
	write_back = false;
	printk("fb: framebuffer mapped UC- at %p\n", base);
}

void fb_console_stop(void)
{
	if (!screen.cells)
		return;
	printk("fb: the screen is the guest's now\n");
	WRITE_ONCE(drawing, false);
}
