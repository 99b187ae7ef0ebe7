/* Host tests for fb/render.c on plain buffers: every pixel format, the
 * text grid (wrap, scroll, \n \r \t), clipping at the edges and on a
 * screen smaller than one cell, refused modes; and the Multiboot2
 * framebuffer tag (kernel/mb2.c) feeding the renderer. Pixel buffers are
 * exact-size heap blocks, so ASan catches any write past the last row;
 * the pitch's padding holds a canary that must survive. */
#include "test.h"

#include <stdlib.h>

#include "boot/multiboot2.h"
#include "fb/fb.h"
#include "kernel/kernel.h"

#define CANARY 0x5A

struct shot {
	struct fb fb;
	uint8_t *mem;
	size_t size;
	char cells[4096];
};

/* A screen of w x h pixels, pitch = row + pad bytes, filled with the
 * canary; the format set by the caller through *fmt. */
static int shot_init(struct shot *s, const struct fb *fmt, uint32_t w,
		     uint32_t h, uint32_t pad)
{
	uint32_t bytes = (fmt->bpp + 7u) / 8u;

	memset(s, 0, sizeof(*s));
	s->fb = *fmt;
	s->fb.width = w;
	s->fb.height = h;
	s->fb.pitch = w * bytes + pad;
	s->size = (size_t)s->fb.pitch * h;
	s->mem = malloc(s->size);
	memset(s->mem, CANARY, s->size);
	s->fb.base = s->mem;
	if (fb_init(&s->fb, s->cells, sizeof(s->cells)))
		return -1;
	fb_clear(&s->fb);
	return 0;
}

static void shot_free(struct shot *s)
{
	free(s->mem);
	s->mem = NULL;
}

static uint32_t get_pixel(const struct shot *s, uint32_t x, uint32_t y)
{
	const uint8_t *p = s->mem + (size_t)y * s->fb.pitch + (size_t)x * s->fb.bytes;
	uint32_t v = 0;

	for (unsigned i = 0; i < s->fb.bytes; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

/* Read cell (col, row) back: the character whose glyph its pixels show,
 * 0 when they show none (or a pixel is neither colour). */
static char read_cell(const struct shot *s, uint32_t col, uint32_t row)
{
	for (unsigned c = FB_FONT_FIRST; c < FB_FONT_FIRST + FB_FONT_GLYPHS; c++) {
		const uint8_t *g = fb_font[c - FB_FONT_FIRST];
		bool match = true;

		for (unsigned y = 0; y < FB_FONT_H && match; y++)
			for (unsigned x = 0; x < FB_FONT_W && match; x++) {
				uint32_t px = col * FB_FONT_W + x, py = row * FB_FONT_H + y;
				uint32_t want;

				if (px >= s->fb.width || py >= s->fb.height)
					continue;
				want = g[y] & (0x80 >> x) ? s->fb.fg : s->fb.bg;
				match = get_pixel(s, px, py) == want;
			}
		if (match && c != ' ')
			return (char)c;
		if (match)
			return ' ';
	}
	return 0;
}

/* The screen's row as text, trailing blanks dropped. */
static const char *row_text(const struct shot *s, uint32_t row)
{
	static char line[600];
	uint32_t n = 0;

	for (uint32_t c = 0; c < s->fb.cols && n < sizeof(line) - 1; c++) {
		char ch = read_cell(s, c, row);

		line[n++] = ch ? ch : '#';
	}
	while (n && line[n - 1] == ' ')
		n--;
	line[n] = 0;
	return line;
}

static bool padding_intact(const struct shot *s)
{
	size_t row = (size_t)s->fb.width * s->fb.bytes;

	for (uint32_t y = 0; y < s->fb.height; y++)
		for (size_t i = row; i < s->fb.pitch; i++)
			if (s->mem[(size_t)y * s->fb.pitch + i] != CANARY)
				return false;
	return true;
}

static const struct fb rgb32 = { .bpp = 32, .type = FB_TYPE_RGB,
	.red = { 16, 8 }, .green = { 8, 8 }, .blue = { 0, 8 } };

static void puts_fb(struct shot *s, const char *str)
{
	fb_write(&s->fb, str, strlen(str));
}

TEST(fb_every_pixel_format)
{
	static const uint8_t pal[4][3] = { { 0xff, 0xff, 0xff }, { 0, 0, 0 },
					   { 0xc8, 0xc8, 0xc8 }, { 0x80, 0, 0 } };
	const struct {
		struct fb fmt;
		uint32_t fg, bg;
	} cases[] = {
		{ { .bpp = 8, .type = FB_TYPE_INDEXED }, 7, 0 },
		{ { .bpp = 8, .type = FB_TYPE_INDEXED, .palette = &pal[0][0],
		    .ncolors = 4 }, 2, 1 },
		{ { .bpp = 15, .type = FB_TYPE_RGB, .red = { 10, 5 },
		    .green = { 5, 5 }, .blue = { 0, 5 } },
		  (0x18u << 10) | (0x18u << 5) | 0x18u, 0 },
		{ { .bpp = 16, .type = FB_TYPE_RGB, .red = { 11, 5 },
		    .green = { 5, 6 }, .blue = { 0, 5 } },
		  (0x18u << 11) | (0x30u << 5) | 0x18u, 0 },
		{ { .bpp = 24, .type = FB_TYPE_RGB, .red = { 16, 8 },
		    .green = { 8, 8 }, .blue = { 0, 8 } }, 0xC0C0C0, 0 },
		{ rgb32, 0xC0C0C0, 0 },
		/* BGR order, and a pixel whose top byte is unused. */
		{ { .bpp = 32, .type = FB_TYPE_RGB, .red = { 0, 8 },
		    .green = { 8, 8 }, .blue = { 16, 8 } }, 0xC0C0C0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct shot s;

		CHECK(shot_init(&s, &cases[i].fmt, 80, 33, 7) == 0);
		CHECK_EQ(s.fb.fg, cases[i].fg);
		CHECK_EQ(s.fb.bg, cases[i].bg);
		CHECK_EQ(s.fb.cols, 10);
		CHECK_EQ(s.fb.rows, 2);
		puts_fb(&s, "Hello, fb!\nAZaz09~{|}");
		CHECK_STR(row_text(&s, 0), "Hello, fb!");
		CHECK_STR(row_text(&s, 1), "AZaz09~{|}");
		/* The last pixel row (33 = 2 rows + 1) stays background. */
		for (uint32_t x = 0; x < 80; x++)
			CHECK_EQ(get_pixel(&s, x, 32), cases[i].bg);
		CHECK(padding_intact(&s));
		shot_free(&s);
	}
}

TEST(fb_glyphs_are_distinct)
{
	/* Every printable character reads back as itself: no two glyphs of
	 * the font are the same (the screen tests depend on it). */
	struct shot s;
	char line[FB_FONT_GLYPHS + 1];

	CHECK(shot_init(&s, &rgb32, FB_FONT_GLYPHS * 8, 16, 0) == 0);
	for (int i = 0; i < FB_FONT_GLYPHS; i++)
		line[i] = (char)(FB_FONT_FIRST + i);
	line[FB_FONT_GLYPHS] = 0;
	fb_write(&s.fb, line + 1, FB_FONT_GLYPHS - 1);
	CHECK_STR(row_text(&s, 0), line + 1);
	shot_free(&s);
}

TEST(fb_wrap_and_control_characters)
{
	struct shot s;

	CHECK(shot_init(&s, &rgb32, 32, 64, 0) == 0);   /* 4 x 4 cells */
	puts_fb(&s, "abcdef");
	CHECK_STR(row_text(&s, 0), "abcd");
	CHECK_STR(row_text(&s, 1), "ef");
	/* A line exactly as wide as the screen, then '\n': no blank line. */
	puts_fb(&s, "\nwxyz\nq");
	CHECK_STR(row_text(&s, 2), "wxyz");
	CHECK_STR(row_text(&s, 3), "q");
	fb_clear(&s.fb);
	puts_fb(&s, "ab\rc\n\tx\n1\t");
	CHECK_STR(row_text(&s, 0), "cb");
	/* A tab stops at the line's end (column 8 is past a 4-wide line):
	 * the next character wraps. */
	CHECK_STR(row_text(&s, 1), "");
	CHECK_STR(row_text(&s, 2), "x");
	CHECK_STR(row_text(&s, 3), "1");
	CHECK_EQ(s.fb.cy, 3);
	CHECK_EQ(s.fb.cx, 4);
	puts_fb(&s, "3");
	CHECK_EQ(s.fb.scrolls, 1);
	CHECK_STR(row_text(&s, 0), "");
	CHECK_STR(row_text(&s, 2), "1");
	CHECK_STR(row_text(&s, 3), "3");
	CHECK_EQ(s.fb.cx, 1);
	/* A tab inside a line: to the next multiple of 8. */
	{
		struct shot w;

		CHECK(shot_init(&w, &rgb32, 160, 32, 0) == 0);
		puts_fb(&w, "a\tb\tc\t\td");
		CHECK_STR(row_text(&w, 0), "a       b       c");
		CHECK_STR(row_text(&w, 1), "d");
		CHECK_EQ(w.fb.cx, 1);
		shot_free(&w);
	}
	/* Bytes outside printable ASCII draw as '?'. */
	fb_clear(&s.fb);
	puts_fb(&s, "\x01\x7f\xff");
	CHECK_STR(row_text(&s, 0), "???");
	shot_free(&s);
}

TEST(fb_scrolls)
{
	struct shot s;
	char buf[64];

	CHECK(shot_init(&s, &rgb32, 64, 48, 4) == 0);   /* 8 x 3 cells */
	puts_fb(&s, "one\ntwo\nthree\nfour");
	CHECK_EQ(s.fb.scrolls, 1);
	CHECK_STR(row_text(&s, 0), "two");
	CHECK_STR(row_text(&s, 1), "three");
	CHECK_STR(row_text(&s, 2), "four");
	/* Many lines: the screen shows the last three, each complete. */
	for (int i = 0; i < 200; i++) {
		snprintf(buf, sizeof(buf), "\nline%d", i);
		puts_fb(&s, buf);
	}
	CHECK_STR(row_text(&s, 0), "line197");
	CHECK_STR(row_text(&s, 1), "line198");
	CHECK_STR(row_text(&s, 2), "line199");
	/* Wrapping at the bottom scrolls too. */
	puts_fb(&s, "\nABCDEFGHIJ");
	CHECK_STR(row_text(&s, 0), "line199");
	CHECK_STR(row_text(&s, 1), "ABCDEFGH");
	CHECK_STR(row_text(&s, 2), "IJ");
	CHECK(padding_intact(&s));
	shot_free(&s);
}

TEST(fb_clips_partial_cells)
{
	struct shot s;

	/* 2.5 x 2.5 cells: only whole cells hold text, the rest stays
	 * background, nothing is written past a row or the last row. */
	CHECK(shot_init(&s, &rgb32, 20, 40, 12) == 0);
	CHECK_EQ(s.fb.cols, 2);
	CHECK_EQ(s.fb.rows, 2);
	puts_fb(&s, "WWWWWWWWWW");
	for (uint32_t y = 0; y < 40; y++)
		for (uint32_t x = 0; x < 20; x++)
			if (x >= 16 || y >= 32)
				CHECK_EQ(get_pixel(&s, x, y), s.fb.bg);
	CHECK_STR(row_text(&s, 0), "WW");
	CHECK_STR(row_text(&s, 1), "WW");
	CHECK(padding_intact(&s));
	shot_free(&s);
}

TEST(fb_tiny_screen)
{
	const uint32_t sizes[][2] = { { 5, 10 }, { 1, 1 }, { 8, 3 }, { 3, 16 },
				      { 100, 15 }, { 7, 200 } };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct shot s;
		uint32_t w = sizes[i][0], h = sizes[i][1];

		CHECK(shot_init(&s, &rgb32, w, h, 0) == 0);
		CHECK(s.fb.cols >= 1 && s.fb.rows >= 1);
		puts_fb(&s, "M@\n#\tW\r\n$$$$$$$$$$$$$$$$$$$$$$$");
		/* The top left cell shows the clipped top left of its glyph. */
		fb_clear(&s.fb);
		puts_fb(&s, "M");
		for (uint32_t y = 0; y < h && y < 16; y++)
			for (uint32_t x = 0; x < w && x < 8; x++)
				CHECK_EQ(get_pixel(&s, x, y),
					 fb_font['M' - FB_FONT_FIRST][y] & (0x80 >> x) ?
					 s.fb.fg : s.fb.bg);
		shot_free(&s);
	}
}

TEST(fb_cells_buffer_limits_the_grid)
{
	struct fb f = rgb32;
	uint8_t mem[64 * 4 * 64];
	char cells[10];

	f.base = mem;
	f.width = 64;
	f.height = 64;
	f.pitch = 256;
	CHECK(fb_init(&f, cells, sizeof(cells)) == 0);
	CHECK_EQ(f.cols, 8);
	CHECK_EQ(f.rows, 1);
	CHECK(fb_init(&f, cells, 3) == 0);
	CHECK_EQ(f.cols, 3);
	CHECK_EQ(f.rows, 1);
	CHECK(fb_init(&f, cells, 0) == -1);
	CHECK(fb_init(&f, NULL, 10) == -1);
	/* An unusable fb ignores everything. */
	fb_clear(&f);
	fb_putc(&f, 'x');
	CHECK(1);
}

TEST(fb_bad_modes_refused)
{
	uint8_t mem[16];
	char cells[16];
	struct fb f;

#define REFUSE(...) do {                                                   \
		f = (struct fb){ .base = mem, .width = 1, .height = 1,         \
				 .pitch = 4, .bpp = 32, .type = FB_TYPE_RGB,   \
				 .red = { 16, 8 }, .green = { 8, 8 },          \
				 .blue = { 0, 8 } };                           \
		__VA_ARGS__;                                                   \
		CHECK(fb_init(&f, cells, sizeof(cells)) == -1);                \
		CHECK(f.cells == NULL);                                        \
	} while (0)

	f = (struct fb){ .base = mem, .width = 1, .height = 1, .pitch = 4,
			 .bpp = 32, .type = FB_TYPE_RGB, .red = { 16, 8 },
			 .green = { 8, 8 }, .blue = { 0, 8 } };
	CHECK(fb_init(&f, cells, sizeof(cells)) == 0);
	REFUSE(f.bpp = 12);
	REFUSE(f.bpp = 8);                       /* RGB needs 15..32 */
	REFUSE(f.type = FB_TYPE_INDEXED);        /* indexed needs 8 */
	REFUSE(f.type = FB_TYPE_EGA_TEXT);       /* needs 16 bpp */
	REFUSE(f.type = 3);
	REFUSE(f.pitch = 3);
	REFUSE(f.width = 0);
	REFUSE(f.height = 0);
	REFUSE(f.base = NULL);
	REFUSE(f.red.size = 0);
	REFUSE(f.red.size = 9);
	REFUSE(f.blue.pos = 28);                 /* past bit 31 */
	REFUSE(f.green = (struct fb_field){ 12, 8 });  /* overlaps red */
	REFUSE(f.bpp = 16; f.pitch = 2);         /* 8-bit fields past 16 */
	REFUSE(f.type = FB_TYPE_INDEXED; f.bpp = 8; f.ncolors = 257);
#undef REFUSE
}

TEST(fb_ega_text_mode)
{
	/* 10 x 3 characters, pitch 24 bytes (4 bytes of padding). */
	const struct fb text = { .bpp = 16, .type = FB_TYPE_EGA_TEXT };
	struct shot s;

	CHECK(shot_init(&s, &text, 10, 3, 4) == 0);
	CHECK_EQ(s.fb.cols, 10);
	CHECK_EQ(s.fb.rows, 3);
	CHECK_EQ(fb_cells_wanted(&s.fb), 30);
	for (uint32_t y = 0; y < 3; y++)
		for (uint32_t x = 0; x < 10; x++)
			CHECK_EQ(get_pixel(&s, x, y), 0x0720);
	puts_fb(&s, "hv: one\nhv: two\nhv: three\nfour\tx\x01");
	CHECK_EQ(s.fb.scrolls, 1);
	CHECK_EQ(get_pixel(&s, 0, 0), 0x0700 | 'h');
	CHECK_EQ(get_pixel(&s, 6, 0), 0x0700 | 'o');
	CHECK_EQ(get_pixel(&s, 8, 1), 0x0700 | 'e');
	CHECK_EQ(get_pixel(&s, 0, 2), 0x0700 | 'f');
	CHECK_EQ(get_pixel(&s, 8, 2), 0x0700 | 'x');
	CHECK_EQ(get_pixel(&s, 9, 2), 0x0700 | '?');
	CHECK_EQ(get_pixel(&s, 7, 2), 0x0720);
	CHECK(padding_intact(&s));
	shot_free(&s);
}

/* ---- the Multiboot2 tag (kernel/mb2.c) feeding the renderer ---------- */

static uint8_t mbi[4096] __attribute__((aligned(8)));

/* An information block: a memory map (usable 1 MiB..2 GiB) and one
 * framebuffer tag with @extra bytes of colour information. */
static uint32_t build_mbi(uint64_t addr, uint32_t pitch, uint32_t w,
			  uint32_t h, uint8_t bpp, uint8_t type,
			  const uint8_t *extra, uint32_t nextra)
{
	struct mb2_tag_framebuffer f = { { MB2_TAG_FRAMEBUFFER,
		(uint32_t)sizeof(f) + nextra }, addr, pitch, w, h, bpp, type, 0 };
	struct mb2_tag_mmap mm = { { MB2_TAG_MMAP, 16 + 24 }, 24, 0 };
	struct mb2_mmap_entry e = { 0x100000, 0x7FF00000, 1, 0 };
	struct mb2_tag end = { 0, 8 };
	uint32_t off = 8;

	memset(mbi, 0, sizeof(mbi));
	memcpy(mbi + off, &mm, sizeof(mm));
	memcpy(mbi + off + sizeof(mm), &e, sizeof(e));
	off += 40;
	memcpy(mbi + off, &f, sizeof(f));
	memcpy(mbi + off + sizeof(f), extra, nextra);
	off += (f.hdr.size + 7) & ~7u;
	memcpy(mbi + off, &end, 8);
	off += 8;
	memcpy(mbi, &off, 4);
	return off;
}

static const uint8_t rgb_fields[6] = { 16, 8, 8, 8, 0, 8 };

TEST(fb_tags_from_mb2)
{
	static struct bootinfo bi;
	char err[128];
	uint32_t len;
	struct shot s;
	struct fb fmt;

	/* QEMU's std VGA under GRUB: accepted and drawable. */
	len = build_mbi(0xFD000000, 4096, 1024, 768, 32, 1, rgb_fields, 6);
	CHECK(mb2_parse(mbi, len, 0x10000, &bi, err, sizeof(err)) == 0);
	CHECK_EQ(bi.fb_status, BOOT_FB_OK);
	fmt = (struct fb){ .bpp = bi.fb.bpp, .type = bi.fb.type,
		.red = { bi.fb.red_pos, bi.fb.red_size },
		.green = { bi.fb.green_pos, bi.fb.green_size },
		.blue = { bi.fb.blue_pos, bi.fb.blue_size } };
	CHECK(shot_init(&s, &fmt, 64, 32, 0) == 0);
	puts_fb(&s, "hv: ok");
	CHECK_STR(row_text(&s, 0), "hv: ok");
	shot_free(&s);

	/* Bad tags: the boot goes on, without a framebuffer. */
	len = build_mbi(0xFD000000, 4000, 1024, 768, 32, 1, rgb_fields, 6);
	CHECK(mb2_parse(mbi, len, 0x10000, &bi, err, sizeof(err)) == 0);
	CHECK_EQ(bi.fb_status, BOOT_FB_REJECTED);
	CHECK(strstr(bi.fb_why, "pitch 4000") != NULL);
	len = build_mbi(0x40000000, 4096, 1024, 768, 32, 1, rgb_fields, 6);
	CHECK(mb2_parse(mbi, len, 0x10000, &bi, err, sizeof(err)) == 0);
	CHECK_EQ(bi.fb_status, BOOT_FB_REJECTED);
	CHECK(strstr(bi.fb_why, "overlaps usable RAM") != NULL);
	len = build_mbi(0xFD000000, 4096, 1024, 768, 32, 1, rgb_fields, 4);
	CHECK(mb2_parse(mbi, len, 0x10000, &bi, err, sizeof(err)) == 0);
	CHECK_EQ(bi.fb_status, BOOT_FB_REJECTED);
	CHECK(bi.fb.addr == 0 && bi.fb.width == 0);
}
