/*
 * fb/render.c - text on a linear framebuffer: pixel formats, cells,
 * cursor, wrap and scroll (fb/fb.h). Pure: it touches only fb->base's
 * pixels (writes, never reads) and fb->cells, so the host tests run it on
 * a plain buffer. Pixel layouts as the Multiboot2 framebuffer tag
 * describes them (spec 3.6.12): little-endian pixels of bpp bits with each
 * RGB component at its field position, or one palette index per byte.
 */
#include "fb/fb.h"

#ifdef HOST_BUILD
#include <string.h>
#else
#include "lib/lib.h"
#endif

/* A component (0..255) scaled to its field and put in place. */
static uint32_t field_value(struct fb_field f, uint32_t v8)
{
	return (v8 >> (8 - f.size)) << f.pos;
}

static uint32_t rgb_pixel(const struct fb *fb, uint32_t rgb)
{
	return field_value(fb->red, (rgb >> 16) & 0xFF) |
	       field_value(fb->green, (rgb >> 8) & 0xFF) |
	       field_value(fb->blue, rgb & 0xFF);
}

/* The palette entry nearest @rgb (squared distance), or @dflt without a
 * palette (the VGA palette's light grey is 7, black 0). */
static uint32_t palette_index(const struct fb *fb, uint32_t rgb, uint32_t dflt)
{
	uint32_t best = dflt, best_d = UINT32_MAX;

	if (!fb->palette || !fb->ncolors)
		return dflt;
	for (uint32_t i = 0; i < fb->ncolors && i < 256; i++) {
		const uint8_t *p = fb->palette + 3 * i;
		int dr = (int)p[0] - (int)((rgb >> 16) & 0xFF);
		int dg = (int)p[1] - (int)((rgb >> 8) & 0xFF);
		int db = (int)p[2] - (int)(rgb & 0xFF);
		uint32_t d = (uint32_t)(dr * dr + dg * dg + db * db);

		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

static bool field_ok(struct fb_field f, unsigned bits)
{
	return f.size >= 1 && f.size <= 8 && f.pos + f.size <= bits;
}

static uint32_t field_mask(struct fb_field f)
{
	return ((1u << f.size) - 1) << f.pos;
}

static bool mode_ok(const struct fb *fb)
{
	uint32_t r, g, b;

	if (!fb->base || !fb->width || !fb->height)
		return false;
	if (fb->type == FB_TYPE_INDEXED) {
		if (fb->bpp != 8 || fb->ncolors > 256)
			return false;
	} else if (fb->type == FB_TYPE_EGA_TEXT) {
		if (fb->bpp != 16)
			return false;
	} else if (fb->type == FB_TYPE_RGB) {
		if (fb->bpp != 15 && fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32)
			return false;
		if (!field_ok(fb->red, fb->bpp) || !field_ok(fb->green, fb->bpp) ||
		    !field_ok(fb->blue, fb->bpp))
			return false;
		r = field_mask(fb->red);
		g = field_mask(fb->green);
		b = field_mask(fb->blue);
		if ((r & g) || (r & b) || (g & b))
			return false;
	} else {
		return false;
	}
	return (uint64_t)fb->pitch >= (uint64_t)fb->width * ((fb->bpp + 7u) / 8u);
}

static bool is_text(const struct fb *fb)
{
	return fb->type == FB_TYPE_EGA_TEXT;
}

size_t fb_cells_wanted(const struct fb *fb)
{
	if (is_text(fb))
		return (size_t)fb->width * fb->height;
	return (size_t)(fb->width >= FB_FONT_W ? fb->width / FB_FONT_W : 1) *
	       (fb->height >= FB_FONT_H ? fb->height / FB_FONT_H : 1);
}

int fb_init(struct fb *fb, char *cells, size_t ncells)
{
	uint32_t cols, rows;

	fb->cells = NULL;
	fb->cols = fb->rows = 0;
	if (!mode_ok(fb) || !cells || !ncells)
		return -1;
	fb->bytes = (uint8_t)((fb->bpp + 7u) / 8u);
	if (fb->type == FB_TYPE_INDEXED) {
		fb->fg = palette_index(fb, FB_FG_RGB, 7);
		fb->bg = palette_index(fb, FB_BG_RGB, 0);
	} else if (is_text(fb)) {
		fb->fg = fb->bg = FB_EGA_ATTR;
	} else {
		fb->fg = rgb_pixel(fb, FB_FG_RGB);
		fb->bg = rgb_pixel(fb, FB_BG_RGB);
	}
	/* Whole cells only, so that no line is cut; a screen smaller than
	 * one cell still shows the clipped top left of one. */
	if (is_text(fb)) {
		cols = fb->width;
		rows = fb->height;
	} else {
		cols = fb->width >= FB_FONT_W ? fb->width / FB_FONT_W : 1;
		rows = fb->height >= FB_FONT_H ? fb->height / FB_FONT_H : 1;
	}
	if (cols > ncells)
		cols = (uint32_t)ncells;
	if ((uint64_t)rows * cols > ncells)
		rows = (uint32_t)(ncells / cols);
	fb->cols = cols;
	fb->rows = rows;
	fb->cells = cells;
	fb->cx = fb->cy = 0;
	fb->scrolls = fb->drawn = 0;
	return 0;
}

static void put_pixel(uint8_t *p, unsigned bytes, uint32_t v)
{
	switch (bytes) {
	case 1:
		p[0] = (uint8_t)v;
		break;
	case 2: {
		uint16_t w = (uint16_t)v;

		memcpy(p, &w, 2);
		break;
	}
	case 3:
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		break;
	default:
		memcpy(p, &v, 4);
		break;
	}
}

/* Draw @ch in cell (col, row), clipped to the screen. */
static void draw_cell(struct fb *fb, uint32_t col, uint32_t row, char ch)
{
	uint64_t x0 = (uint64_t)col * FB_FONT_W, y0 = (uint64_t)row * FB_FONT_H;
	unsigned c = (unsigned char)ch, w, h;
	const uint8_t *glyph;

	if (c < FB_FONT_FIRST || c >= FB_FONT_FIRST + FB_FONT_GLYPHS)
		c = '?';
	fb->drawn++;
	if (is_text(fb)) {
		if (col < fb->width && row < fb->height)
			put_pixel(fb->base + (uint64_t)row * fb->pitch + 2ull * col,
				  2, c | FB_EGA_ATTR << 8);
		return;
	}
	if (x0 >= fb->width || y0 >= fb->height)
		return;
	glyph = fb_font[c - FB_FONT_FIRST];
	w = (unsigned)(fb->width - x0 < FB_FONT_W ? fb->width - x0 : FB_FONT_W);
	h = (unsigned)(fb->height - y0 < FB_FONT_H ? fb->height - y0 : FB_FONT_H);
	for (unsigned y = 0; y < h; y++) {
		uint8_t *p = fb->base + (y0 + y) * fb->pitch + x0 * fb->bytes;
		uint8_t bits = glyph[y];

		for (unsigned x = 0; x < w; x++, p += fb->bytes)
			put_pixel(p, fb->bytes, bits & (0x80u >> x) ? fb->fg : fb->bg);
	}
}

/* Set a cell, drawing it only when it changes. */
static void set_cell(struct fb *fb, uint32_t col, uint32_t row, char ch)
{
	char *cell = &fb->cells[(size_t)row * fb->cols + col];

	if (*cell == ch)
		return;
	*cell = ch;
	draw_cell(fb, col, row, ch);
}

void fb_clear(struct fb *fb)
{
	if (!fb->cells)
		return;
	for (uint32_t y = 0; y < fb->height; y++) {
		uint8_t *p = fb->base + (uint64_t)y * fb->pitch;

		for (uint32_t x = 0; x < fb->width; x++, p += fb->bytes)
			put_pixel(p, fb->bytes, is_text(fb) ? ' ' | fb->bg << 8 : fb->bg);
	}
	memset(fb->cells, ' ', (size_t)fb->cols * fb->rows);
	fb->cx = fb->cy = 0;
}

/* Move every line up by one; the last one becomes blank. */
static void scroll(struct fb *fb)
{
	for (uint32_t r = 0; r + 1 < fb->rows; r++)
		for (uint32_t c = 0; c < fb->cols; c++)
			set_cell(fb, c, r, fb->cells[(size_t)(r + 1) * fb->cols + c]);
	for (uint32_t c = 0; c < fb->cols; c++)
		set_cell(fb, c, fb->rows - 1, ' ');
	fb->scrolls++;
}

static void newline(struct fb *fb)
{
	fb->cx = 0;
	if (fb->cy + 1 < fb->rows)
		fb->cy++;
	else
		scroll(fb);
}

void fb_putc(struct fb *fb, char c)
{
	uint32_t stop;

	if (!fb->cells)
		return;
	/* The cursor is ours, but stay inside the grid whatever happened. */
	if (fb->cy >= fb->rows)
		fb->cy = fb->rows - 1;
	if (fb->cx > fb->cols)
		fb->cx = fb->cols;
	switch (c) {
	case '\n':
		newline(fb);
		return;
	case '\r':
		fb->cx = 0;
		return;
	case '\t':
		stop = (fb->cx / 8 + 1) * 8;
		if (stop > fb->cols)
			stop = fb->cols;
		while (fb->cx < stop)
			set_cell(fb, fb->cx++, fb->cy, ' ');
		return;
	default:
		if (fb->cx == fb->cols)
			newline(fb);
		set_cell(fb, fb->cx++, fb->cy, c);
		return;
	}
}

void fb_write(struct fb *fb, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fb_putc(fb, s[i]);
}
