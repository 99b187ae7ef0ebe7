/*
 * fb/fb.h - the log on a linear framebuffer (docs/screen.md).
 *
 * Two parts:
 *  - a pure text renderer (fb/render.c, fb/font.c): draws characters
 *    with the built-in 8x16 font into any memory laid out as a linear
 *    framebuffer (8 bpp indexed, 15/16/24/32 bpp RGB), or as the BIOS's
 *    EGA text mode (character cells, no font needed), keeps a text
 *    cursor, wraps, scrolls and clips. It touches nothing but the pixel
 *    memory and the cell buffer it is given, so the host tests run it on
 *    a plain buffer (tests/unit/test_fb.c);
 *  - the kernel glue (fb/console.c): maps the framebuffer GRUB described
 *    (Multiboot2 tag 8, validated by kernel/mb2_fb.c), redraws the log so
 *    far, and draws everything printk prints until the guest starts,
 *    then again from the top when the hypervisor panics. The cell array
 *    is static (FB_MAX_CELLS), so the screen works before the heap.
 *
 * The renderer only writes pixel memory, never reads it: on real
 * hardware the framebuffer is uncached MMIO, where reads are slow.
 */
#ifndef FB_FB_H
#define FB_FB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The font: printable ASCII, one byte per pixel row, bit 7 leftmost. */
#define FB_FONT_W      8
#define FB_FONT_H      16
#define FB_FONT_FIRST  0x20
#define FB_FONT_GLYPHS 95   /* 0x20 .. 0x7E */
extern const uint8_t fb_font[FB_FONT_GLYPHS][FB_FONT_H];

/* Pixel layouts (Multiboot2 spec 3.6.12, framebuffer_type). EGA text is
 * the BIOS's text mode: width x height characters, each a 16-bit cell of
 * code point (low byte) and colour attribute (high byte); bpp is 16. */
#define FB_TYPE_INDEXED  0
#define FB_TYPE_RGB      1
#define FB_TYPE_EGA_TEXT 2
#define FB_EGA_ATTR      0x07   /* light grey on black */

/* The colours the log is drawn in, as 8-bit RGB. */
#define FB_FG_RGB 0xC0C0C0u   /* light grey */
#define FB_BG_RGB 0x000000u

struct fb_field {
	uint8_t pos;    /* lowest bit of the component in the pixel */
	uint8_t size;   /* its width in bits, 1..8 */
};

struct fb {
	/* The mode: filled in by the caller before fb_init. */
	uint8_t *base;          /* pixel (0, 0) */
	uint32_t pitch;         /* bytes from one pixel row to the next */
	uint32_t width, height; /* pixels */
	uint8_t bpp;            /* 8 (indexed), 15, 16, 24, 32 (RGB), 16 (text) */
	uint8_t type;           /* FB_TYPE_INDEXED, _RGB or _EGA_TEXT */
	struct fb_field red, green, blue;  /* RGB only */
	const uint8_t *palette; /* indexed: ncolors R,G,B triples, or NULL */
	uint16_t ncolors;

	/* Derived by fb_init. */
	uint8_t bytes;          /* per pixel: 1, 2, 3 or 4 */
	uint32_t fg, bg;        /* pixel values of the two colours */
	uint32_t cols, rows;    /* text cells on the screen */
	char *cells;            /* cols * rows: what each cell shows */
	/* The cursor: the next character goes to (cx, cy); cx == cols
	 * means the line is full and the next printable character wraps. */
	uint32_t cx, cy;
	uint64_t scrolls;       /* rows scrolled so far (statistics) */
	uint64_t drawn;         /* cells drawn so far (statistics) */
};

/* fb_init: check the mode in @fb (bpp and type agree, pitch holds a row,
 * RGB fields inside the pixel and apart), derive the colours and the text
 * grid: width / 8 columns and height / 16 rows of whole cells (a screen
 * smaller than a cell gets one cell, clipped; EGA text: width x height),
 * limited to what @cells (@ncells bytes) holds. Does not draw: call
 * fb_clear. Returns 0, or -1 with @fb unusable. */
int fb_init(struct fb *fb, char *cells, size_t ncells);
/* The cell buffer fb_init wants for the mode in @fb (0 for no mode). */
size_t fb_cells_wanted(const struct fb *fb);

/* fb_clear: every pixel (width x height, never the pitch's padding) to the
 * background, every cell blank, the cursor home. */
void fb_clear(struct fb *fb);

/* fb_putc: one character at the cursor. '\n' starts the next line (at
 * column 0), '\r' returns to column 0, '\t' moves to the next multiple of
 * 8 columns (not past the line's end), printable ASCII is drawn and
 * advances the cursor, anything else draws as '?'. A full line wraps; the
 * screen scrolls up by one line at the bottom (only cells that change
 * are redrawn). */
void fb_putc(struct fb *fb, char c);
void fb_write(struct fb *fb, const char *s, size_t n);

/* ---- the kernel's screen console (fb/console.c) ------------------------ */
struct boot_framebuffer;

/* fb_console_early: right after mb2_parse validated @bf: a framebuffer
 * below 4 GiB shows the log printed so far and every later printk line,
 * through the boot page tables' direct map. */
void fb_console_early(const struct boot_framebuffer *bf);
/* fb_console_init: once the frame domain works: map @bf UC- in the
 * ioremap window and draw through that (starting the screen now when it
 * lies above 4 GiB). Prints why when it cannot. */
void fb_console_init(const struct boot_framebuffer *bf);
/* fb_console_stop: the guest owns the screen from now on; only a panic
 * draws again. */
void fb_console_stop(void);

#endif
