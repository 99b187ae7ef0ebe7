/*
 * kernel/mb2_fb.c - the Multiboot2 framebuffer tag (type 8, spec 3.6.12),
 * for kernel/mb2.c: every field validated, the range checked against the
 * memory maps. A tag that cannot be trusted costs the screen (fb/), not
 * the boot. Built for the kernel and the host tests like mb2.c.
 */
#include "boot/multiboot2.h"
#include "kernel/kernel.h"
#include "kernel/private.h"
#include "lib/lib.h"

/* A framebuffer tag that cannot be trusted costs the screen, not the
 * boot: the reason goes to bi->fb_why and the log says it (fb/). */
static void fb_reject(struct bootinfo *bi, const char *fmt, ...) __printf(2, 3);
static void fb_reject(struct bootinfo *bi, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(bi->fb_why, sizeof(bi->fb_why), fmt, ap);
	va_end(ap);
	bi->fb_status = BOOT_FB_REJECTED;
	memset(&bi->fb, 0, sizeof(bi->fb));
}

static bool fb_field_ok(uint8_t pos, uint8_t size, unsigned bits)
{
	return size >= 1 && size <= 8 && pos + size <= bits;
}

/* Tag 8 (spec 3.6.12, GRUB's layout: boot/multiboot2.h): every field
 * checked here, the range against the memory map in
 * mb2_check_framebuffer once every tag is read. */
void mb2_parse_framebuffer(const uint8_t *t, uint32_t size,
			   struct bootinfo *bi)
{
	struct mb2_tag_framebuffer f;
	struct boot_framebuffer *o = &bi->fb;
	uint64_t bytes, span;

	if (bi->fb_status != BOOT_FB_NONE) {
		fb_reject(bi, "a second framebuffer tag");
		return;
	}
	if (size < sizeof(f)) {
		fb_reject(bi, "tag size %u, at least %zu needed", size, sizeof(f));
		return;
	}
	memcpy(&f, t, sizeof(f));
	if (f.fb_type == MB2_FB_EGA_TEXT) {
		/* Width and height count characters, 2 bytes each. */
		if (f.bpp != 16) {
			fb_reject(bi, "EGA text with %u bits per cell (16 expected)",
				  f.bpp);
			return;
		}
	} else if (f.fb_type == MB2_FB_INDEXED) {
		uint16_t n;

		if (f.bpp != 8) {
			fb_reject(bi, "indexed with %u bits per pixel (8 supported)", f.bpp);
			return;
		}
		if (size < MB2_FB_PALETTE_OFF) {
			fb_reject(bi, "indexed, tag size %u holds no palette count", size);
			return;
		}
		memcpy(&n, t + sizeof(f), 2);
		if (n > 256 || size < MB2_FB_PALETTE_OFF + 3u * n) {
			fb_reject(bi, "palette of %u colours in a tag of %u bytes", n, size);
			return;
		}
		memcpy(o->palette, t + MB2_FB_PALETTE_OFF, 3u * n);
		o->ncolors = n;
	} else if (f.fb_type == MB2_FB_RGB) {
		struct mb2_fb_rgb c;

		if (f.bpp != 15 && f.bpp != 16 && f.bpp != 24 && f.bpp != 32) {
			fb_reject(bi, "RGB with %u bits per pixel (15, 16, 24, 32 "
				  "supported)", f.bpp);
			return;
		}
		if (size < sizeof(f) + sizeof(c)) {
			fb_reject(bi, "RGB, tag size %u holds no colour fields", size);
			return;
		}
		memcpy(&c, t + sizeof(f), sizeof(c));
		if (!fb_field_ok(c.red_pos, c.red_size, f.bpp) ||
		    !fb_field_ok(c.green_pos, c.green_size, f.bpp) ||
		    !fb_field_ok(c.blue_pos, c.blue_size, f.bpp)) {
			fb_reject(bi, "colour fields %u:%u %u:%u %u:%u do not fit "
				  "%u bits", c.red_pos, c.red_size, c.green_pos,
				  c.green_size, c.blue_pos, c.blue_size, f.bpp);
			return;
		}
		o->red_pos = c.red_pos;
		o->red_size = c.red_size;
		o->green_pos = c.green_pos;
		o->green_size = c.green_size;
		o->blue_pos = c.blue_pos;
		o->blue_size = c.blue_size;
	} else {
		fb_reject(bi, "unknown framebuffer type %u", f.fb_type);
		return;
	}
	bytes = (f.bpp + 7u) / 8u;
	span = (uint64_t)f.pitch * f.height;
	if (!f.width || !f.height || (uint64_t)f.pitch < f.width * bytes) {
		fb_reject(bi, "%ux%u with pitch %u (%llu bytes per pixel)", f.width,
			  f.height, f.pitch, (unsigned long long)bytes);
		return;
	}
	if (span > BOOT_FB_MAX_BYTES) {
		fb_reject(bi, "%llu bytes, more than the %llu MiB supported",
			  (unsigned long long)span,
			  (unsigned long long)(BOOT_FB_MAX_BYTES >> 20));
		return;
	}
	if (!f.addr || f.addr > BOOT_FB_MAX_END - span) {
		fb_reject(bi, "at 0x%llx+0x%llx, outside 1..64 TiB",
			  (unsigned long long)f.addr, (unsigned long long)span);
		return;
	}
	o->addr = f.addr;
	o->pitch = f.pitch;
	o->width = f.width;
	o->height = f.height;
	o->bpp = f.bpp;
	o->type = f.fb_type;
	bi->fb_status = BOOT_FB_OK;
}

/* The pixels are device memory (or firmware-reserved RAM): a framebuffer
 * over RAM the maps call usable would have us draw over memory that is
 * the hypervisor's or the guest's. */
void mb2_check_framebuffer(struct bootinfo *bi)
{
	uint64_t b = bi->fb.addr, e = b + (uint64_t)bi->fb.pitch * bi->fb.height;
	const struct mem_range *maps[2] = { bi->mmap, bi->efimap };
	size_t counts[2] = { bi->nmmap, bi->nefimap };

	if (bi->fb_status != BOOT_FB_OK)
		return;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < counts[k]; i++) {
			const struct mem_range *r = &maps[k][i];

			if (r->type == MEM_USABLE && r->len && b < r->base + r->len &&
			    r->base < e) {
				fb_reject(bi, "at 0x%llx+0x%llx overlaps usable RAM "
					  "at 0x%llx", (unsigned long long)b,
					  (unsigned long long)(e - b),
					  (unsigned long long)r->base);
				return;
			}
		}
}
