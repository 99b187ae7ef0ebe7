/*
 * loader/linux.c - a Linux bzImage as the guest: the setup header checked
 * field by field, the kernel's place, the command line and boot_params
 * with the guest's e820 map (the x86 boot protocol, the kernel's
 * Documentation/arch/x86/boot.rst and zero-page.rst; docs/linux.md).
 * Pure: host-tested (tests/unit/test_linux.c) and fuzzed
 * (tests/fuzz/fuzz_linux.c).
 */
#include "loader/formats.h"
#include "lib/lib.h"

#define FOUR_GIB (4 * GiB)
#define SECTOR   512

static uint16_t rd16(const uint8_t *p, size_t off)
{
	return (uint16_t)(p[off] | p[off + 1] << 8);
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
	return (uint32_t)rd16(p, off) | (uint32_t)rd16(p, off + 2) << 16;
}

bool loader_is_linux(const void *image, size_t size)
{
	return size >= LINUX_HDR_AT(header) + 4 &&
	       rd32(image, LINUX_HDR_AT(header)) == LINUX_HDRS_MAGIC;
}

static bool pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

int loader_linux_header(const void *image, size_t size,
			struct linux_info *li, struct loader_err *err)
{
	const uint8_t *img = image;
	struct linux_setup_header h;
	size_t hdr_end;
	uint64_t setup, body;

	if (!loader_is_linux(image, size))
		return loader_fail(err, LOADER_E_NOHDR,
			"linux: no \"HdrS\" at 0x202 (not a bzImage)");
	/* The header ends at 0x202 + the byte at 0x201 (boot.rst, "The
	 * real-mode kernel header"); 2.12 needs up to init_size and
	 * handover_offset (0x268). */
	hdr_end = 0x202 + (size_t)img[0x201];
	if (hdr_end > size)
		return loader_fail(err, LOADER_E_HDR,
			"linux: header end 0x%zx (jump at 0x200) beyond the "
			"image (0x%zx bytes)", hdr_end, size);
	/* The version is read only when the header holds it: an image may
	 * end right after "HdrS" with a jump byte of 0..3. */
	if (hdr_end < LINUX_HDR_AT(version) + 2)
		return loader_fail(err, LOADER_E_HDR,
			"linux: header ends at 0x%zx (jump at 0x200), before "
			"the field version (0x206)", hdr_end);
	if (rd16(img, LINUX_HDR_AT(version)) < LINUX_MIN_VERSION)
		return loader_fail(err, LOADER_E_UNSUPPORTED,
			"linux: field version (0x206) is %u.%02u; boot protocol "
			"2.12 or later required",
			rd16(img, LINUX_HDR_AT(version)) >> 8,
			rd16(img, LINUX_HDR_AT(version)) & 0xFF);
	if (hdr_end < LINUX_HDR_AT(handover_offset) + 4)
		return loader_fail(err, LOADER_E_HDR,
			"linux: header ends at 0x%zx (jump at 0x200), before "
			"init_size and handover_offset of 2.12", hdr_end);
	memset(&h, 0, sizeof(h));
	memcpy(&h, img + LINUX_HDR_OFFSET,
	       MIN(hdr_end, (size_t)LINUX_HDR_OFFSET + sizeof(h)) - LINUX_HDR_OFFSET);
	if (h.boot_flag != LINUX_BOOT_FLAG)
		return loader_fail(err, LOADER_E_HDR,
			"linux: field boot_flag (0x1fe) is 0x%x, not 0xaa55",
			h.boot_flag);
	if (!(h.loadflags & LINUX_LOADED_HIGH))
		return loader_fail(err, LOADER_E_UNSUPPORTED,
			"linux: field loadflags (0x211) lacks LOADED_HIGH: a "
			"zImage, only bzImages are supported");
	setup = ((uint64_t)(h.setup_sects ? h.setup_sects : 4) + 1) * SECTOR;
	if (setup < hdr_end || setup >= size)
		return loader_fail(err, LOADER_E_HDR,
			"linux: field setup_sects (0x1f1) %u: setup 0x%lx bytes "
			"does not fit the header and the image (0x%zx bytes)",
			h.setup_sects, setup, size);
	body = size - setup;
	if ((uint64_t)h.syssize * 16 > body || h.syssize == 0)
		return loader_fail(err, LOADER_E_HDR,
			"linux: field syssize (0x1f4) 0x%x paragraphs; the image "
			"has 0x%lx bytes after setup", h.syssize, body);
	if (!pow2(h.kernel_alignment) || h.kernel_alignment < 4 * KiB)
		return loader_fail(err, LOADER_E_HDR,
			"linux: field kernel_alignment (0x230) 0x%x is not a "
			"power of two >= 4 KiB", h.kernel_alignment);
	if (h.relocatable_kernel > 1)
		return loader_fail(err, LOADER_E_HDR,
			"linux: field relocatable_kernel (0x234) is %u, not 0 "
			"or 1", h.relocatable_kernel);
	if (h.min_alignment < 12 || h.min_alignment > 31 ||
	    (1u << h.min_alignment) > h.kernel_alignment)
		return loader_fail(err, LOADER_E_HDR,
			"linux: field min_alignment (0x235) 2^%u: not from 4 KiB "
			"to kernel_alignment 0x%x", h.min_alignment,
			h.kernel_alignment);
	if (h.pref_address & (h.kernel_alignment - 1) ||
	    h.pref_address < 1 * MiB || h.pref_address >= FOUR_GIB)
		return loader_fail(err, LOADER_E_HDR,
			"linux: field pref_address (0x258) 0x%lx: not "
			"kernel_alignment-aligned in [1 MiB, 4 GiB)",
			(uint64_t)h.pref_address);
	if (h.init_size < body || h.init_size == 0)
		return loader_fail(err, LOADER_E_HDR,
			"linux: field init_size (0x260) 0x%x is smaller than "
			"the protected-mode kernel (0x%lx bytes)", h.init_size,
			body);
	if (h.payload_length &&
	    ((uint64_t)h.payload_offset + h.payload_length > body))
		return loader_fail(err, LOADER_E_HDR,
			"linux: fields payload_offset/payload_length (0x248) "
			"0x%x+0x%x beyond the kernel (0x%lx bytes)",
			h.payload_offset, h.payload_length, body);
	if (h.version >= 0x020F && hdr_end >= LINUX_HDR_AT(kernel_info_offset) + 4 &&
	    h.kernel_info_offset && (uint64_t)h.kernel_info_offset + 8 > body)
		return loader_fail(err, LOADER_E_HDR,
			"linux: field kernel_info_offset (0x268) 0x%x beyond the "
			"kernel (0x%lx bytes)", h.kernel_info_offset, body);
	if (h.cmdline_size == 0)
		return loader_fail(err, LOADER_E_HDR,
			"linux: field cmdline_size (0x238) is 0");
	if (h.initrd_addr_max < 1 * MiB)
		return loader_fail(err, LOADER_E_HDR,
			"linux: field initrd_addr_max (0x22c) 0x%x is below "
			"1 MiB", h.initrd_addr_max);

	*li = (struct linux_info){
		.version = h.version,
		.setup_size = (uint32_t)setup,
		.kernel_size = body,
		.init_size = h.init_size,
		.align = h.kernel_alignment,
		.pref_address = h.pref_address,
		.relocatable = h.relocatable_kernel != 0,
		.entry64 = (h.xloadflags & LINUX_XLF_KERNEL_64) != 0,
		.above_4g = (h.xloadflags & LINUX_XLF_ABOVE_4G) != 0,
		.initrd_addr_max = h.initrd_addr_max,
		.cmdline_size = h.cmdline_size,
	};
	return LOADER_OK;
}

static bool fits(const struct loader_memmap *map, uint64_t base, uint64_t len)
{
	return base < FOUR_GIB && len <= FOUR_GIB - base &&
	       loader_check_ram(map, base, base + len, "kernel", NULL) == 0;
}

int loader_linux_plan(const struct linux_info *li,
		      const struct loader_memmap *map,
		      struct loader_plan *plan, struct loader_err *err)
{
	uint64_t at = li->pref_address;

	if (!fits(map, at, li->init_size)) {
		if (!li->relocatable)
			return loader_fail(err, LOADER_E_MEMORY,
				"linux: not relocatable, and [pref_address 0x%lx, "
				"+init_size 0x%x) is not guest RAM",
				li->pref_address, li->init_size);
		/* At most 4 GiB / 4 KiB candidates; each a map walk. */
		for (at = ALIGN_UP(1 * MiB, (uint64_t)li->align);
		     at < FOUR_GIB && !fits(map, at, li->init_size);
		     at += li->align)
			;
		if (at >= FOUR_GIB)
			return loader_fail(err, LOADER_E_NOSPACE,
				"linux: no 0x%x-aligned guest RAM below 4 GiB for "
				"init_size 0x%x", li->align, li->init_size);
	}
	memset(plan, 0, sizeof(*plan));
	plan->seg[0].base = at;
	plan->seg[0].end = at + li->init_size;
	plan->nseg = 1;
	plan->ops[0] = (struct loader_op){ LOADER_OP_COPY, at,
					   li->setup_size, li->kernel_size };
	plan->nops = 1;
	plan->load_end = at + li->init_size;
	plan->entry = (uint32_t)at;
	return LOADER_OK;
}

int loader_linux_cmdline(const struct linux_info *li, const char *args,
			 uint64_t rsdp, char *out, size_t cap,
			 struct loader_err *err)
{
	size_t n;

	if (!cap)
		return loader_fail(err, LOADER_E_TOOSMALL, "linux: no room");
	/* 2.14 is "burnt" (boot.rst): from it on boot_params carries the
	 * RSDP; before, only the command line can. */
	if (rsdp && li->version < 0x020E)
		n = (size_t)ksnprintf(out, cap, "%s%sacpi_rsdp=0x%lx", args,
				      *args ? " " : "", rsdp);
	else
		n = (size_t)ksnprintf(out, cap, "%s", args);
	if (n >= cap || n > li->cmdline_size)
		return loader_fail(err, LOADER_E_TOOSMALL,
			"linux: command line of %zu bytes exceeds cmdline_size "
			"(0x238) %u or our %zu", n, li->cmdline_size, cap - 1);
	return LOADER_OK;
}

/* The guest's map has more entries than the zero page holds? */
static size_t ext_e820_size(const struct loader_memmap *map)
{
	size_t n = loader_guest_mmap(map, NULL, 0);

	if (n <= LINUX_E820_MAX_ZP)
		return 0;
	return sizeof(struct linux_setup_data) +
	       (n - LINUX_E820_MAX_ZP) * sizeof(struct linux_e820);
}

static size_t rsdp_node_size(size_t rsdp_len)
{
	return rsdp_len ? ALIGN_UP(sizeof(struct linux_setup_data) + rsdp_len, 16) : 0;
}

size_t loader_linux_setup_data_size(const struct loader_memmap *map,
				    size_t rsdp_len)
{
	return rsdp_node_size(rsdp_len) + ext_e820_size(map);
}

struct e820_out {
	struct linux_boot_params *bp;
	struct linux_e820 *extra;   /* entries from 128 on, or NULL */
};

/* Entries 0-127 in the zero page, the rest in SETUP_E820_EXT (whose size
 * loader_linux_ext_size computed from the same sweep). */
static void put_e820(void *ctx, size_t i, const struct mem_range *r)
{
	struct e820_out *e = ctx;
	struct linux_e820 x = { r->base, r->len, r->raw_type };

	if (i < LINUX_E820_MAX_ZP)
		e->bp->e820_table[i] = x;
	else if (e->extra)
		e->extra[i - LINUX_E820_MAX_ZP] = x;
}

static int no_screen(struct linux_screen_info *si, char *why, size_t n,
		     const char *what)
{
	memset(si, 0, sizeof(*si));
	if (why && n)
		ksnprintf(why, n, "%s", what);
	return 0;
}

int loader_linux_screen_info(const struct boot_framebuffer *fb, bool efi,
			     struct linux_screen_info *si, char *why,
			     size_t whylen)
{
	uint64_t bytes;
	unsigned top = 0;

	memset(si, 0, sizeof(*si));
	if (why && whylen)
		why[0] = 0;
	if (!fb)
		return no_screen(si, why, whylen, "no display from the boot loader");
	if (fb->type == MB2_FB_EGA_TEXT) {
		/* vgacon (drivers/video/console/vgacon.c) draws at 0xB8000
		 * in colour modes, whatever the tag says. */
		if (fb->addr != 0xB8000)
			return no_screen(si, why, whylen, "EGA text not at 0xB8000");
		if (!fb->width || fb->width > 255 || !fb->height ||
		    fb->height > 255)
			return no_screen(si, why, whylen,
					 "EGA text beyond 255 columns or lines");
		si->orig_video_mode = 3;          /* 80x25 colour text */
		si->orig_video_cols = (uint8_t)fb->width;
		si->orig_video_lines = (uint8_t)fb->height;
		si->orig_video_isVGA = LINUX_VIDEO_TEXT;
		si->orig_video_points = 16;       /* the BIOS's 8x16 font */
		si->orig_x = 0;                   /* below the hypervisor's log */
		si->orig_y = (uint8_t)(fb->height - 1);
		return 1;
	}
	if (fb->type != MB2_FB_RGB)
		return no_screen(si, why, whylen, "an indexed-colour framebuffer");
	bytes = (uint64_t)fb->pitch * fb->height;
	if (!fb->addr || !fb->width || !fb->height || fb->width > 0xFFFF ||
	    fb->height > 0xFFFF || fb->pitch > 0xFFFF || bytes > 0xFFFFFFFFu ||
	    (fb->bpp != 15 && fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32))
		return no_screen(si, why, whylen, "a framebuffer beyond "
				 "screen_info's fields");
	si->orig_video_isVGA = efi ? LINUX_VIDEO_TYPE_EFI : LINUX_VIDEO_TYPE_VLFB;
	si->lfb_width = (uint16_t)fb->width;
	si->lfb_height = (uint16_t)fb->height;
	si->lfb_depth = fb->bpp;
	si->lfb_linelength = (uint16_t)fb->pitch;
	si->lfb_base = (uint32_t)fb->addr;
	si->ext_lfb_base = (uint32_t)(fb->addr >> 32);
	if (fb->addr >> 32)
		si->capabilities |= LINUX_VIDEO_CAP_64BIT_BASE;
	/* vesafb counts 64 KiB units, efifb bytes. */
	si->lfb_size = efi ? (uint32_t)bytes : (uint32_t)((bytes + 0xFFFF) >> 16);
	si->red_size = fb->red_size;
	si->red_pos = fb->red_pos;
	si->green_size = fb->green_size;
	si->green_pos = fb->green_pos;
	si->blue_size = fb->blue_size;
	si->blue_pos = fb->blue_pos;
	top = MAX(MAX(fb->red_pos + fb->red_size, fb->green_pos + fb->green_size),
		  fb->blue_pos + fb->blue_size);
	if (fb->bpp > top) {          /* the bits above the colours */
		si->rsvd_pos = (uint8_t)top;
		si->rsvd_size = (uint8_t)(fb->bpp - top);
	}
	si->pages = 1;
	return 1;
}

int loader_linux_boot_params(const struct linux_bp_input *in, void *bp_out,
			     struct loader_err *err)
{
	const struct linux_info *li = in->li;
	const uint8_t *img = in->image;
	struct linux_boot_params *bp = bp_out;
	size_t hdr_end, n, ext_need = ext_e820_size(in->map);
	size_t rsdp_need = rsdp_node_size(in->rsdp_len);
	uint8_t *sd_area = in->setup_data;
	struct linux_setup_data *node;
	uint64_t rsdp_addr = 0, at;
	void *link;
	struct e820_out e;

	/* Check. */
	if (in->size < li->setup_size)
		return loader_fail(err, LOADER_E_INVAL, "linux: image shrank");
	if ((ext_need || rsdp_need) &&
	    (!sd_area || in->setup_data_cap < ext_need + rsdp_need ||
	     !in->setup_data_addr || in->setup_data_addr >= FOUR_GIB ||
	     (in->setup_data_addr & 15)))
		return loader_fail(err, LOADER_E_TOOSMALL,
			"linux: setup_data needs 0x%zx bytes, 16-byte aligned "
			"below 4 GiB", ext_need + rsdp_need);
	if (in->rsdp_len && (!in->rsdp || in->rsdp_len < 20 ||
			     in->rsdp_len > 4096))
		return loader_fail(err, LOADER_E_INVAL,
			"linux: RSDP copy of %zu bytes", in->rsdp_len);
	if (in->initrd_size) {
		if (in->initrd_addr > li->initrd_addr_max ||
		    in->initrd_size - 1 > li->initrd_addr_max - in->initrd_addr)
			return loader_fail(err, LOADER_E_MEMORY,
				"linux: initrd [0x%lx, +0x%lx) above initrd_addr_max "
				"(0x22c) 0x%x", in->initrd_addr, in->initrd_size,
				li->initrd_addr_max);
		if (loader_check_ram(in->map, in->initrd_addr,
				     in->initrd_addr + in->initrd_size, "initrd",
				     err))
			return LOADER_E_MEMORY;
	}
	if (in->cmdline_addr >= FOUR_GIB || in->load_addr >= FOUR_GIB)
		return loader_fail(err, LOADER_E_INVAL,
			"linux: command line or kernel above 4 GiB");

	/* Act. */
	memset(bp, 0, sizeof(*bp));
	hdr_end = 0x202 + (size_t)img[0x201];
	memcpy((uint8_t *)bp + LINUX_HDR_OFFSET, img + LINUX_HDR_OFFSET,
	       MIN(hdr_end, (size_t)LINUX_HDR_AT(kernel_info_offset) + 4) -
	       LINUX_HDR_OFFSET);
	bp->hdr.type_of_loader = 0xFF;   /* no assigned boot loader id */
	bp->hdr.loadflags = (uint8_t)((bp->hdr.loadflags & ~(LINUX_KEEP_SEGMENTS |
				       LINUX_CAN_USE_HEAP)) | LINUX_LOADED_HIGH);
	bp->hdr.code32_start = (uint32_t)in->load_addr;
	bp->hdr.cmd_line_ptr = (uint32_t)in->cmdline_addr;
	bp->hdr.ramdisk_image = (uint32_t)in->initrd_addr;
	bp->hdr.ramdisk_size = (uint32_t)in->initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(in->initrd_addr >> 32);
	bp->ext_ramdisk_size = (uint32_t)(in->initrd_size >> 32);
	bp->hdr.hardware_subarch = 0;    /* a PC */
	bp->hdr.hardware_subarch_data = 0;
	/* setup_data: the RSDP's copy, then the e820 overflow. Linux
	 * reserves every node before it allocates (memblock), and its
	 * decompressor keeps KASLR away from them, so the copy survives
	 * until ACPI reads it; the firmware's RSDP may be in memory the
	 * guest owns (GRUB's copy in its information block always is). */
	bp->hdr.setup_data = 0;
	link = (uint8_t *)bp + LINUX_HDR_AT(setup_data);
	if (rsdp_need) {
		node = (struct linux_setup_data *)sd_area;
		*node = (struct linux_setup_data){ 0, 0 /* SETUP_NONE */,
			(uint32_t)(rsdp_need - sizeof(*node)) };
		memset(node + 1, 0, rsdp_need - sizeof(*node));
		memcpy(node + 1, in->rsdp, in->rsdp_len);
		rsdp_addr = in->setup_data_addr + sizeof(*node);
		memcpy(link, &in->setup_data_addr, 8);
		link = node;            /* next is its first field */
	}
	if (ext_need) {
		node = (struct linux_setup_data *)(sd_area + rsdp_need);
		*node = (struct linux_setup_data){ 0, LINUX_SETUP_E820_EXT,
			(uint32_t)(ext_need - sizeof(*node)) };
		at = in->setup_data_addr + rsdp_need;
		memcpy(link, &at, 8);
	}
	if (li->version >= 0x020E)
		bp->acpi_rsdp_addr = rsdp_addr;
	if (in->fb)
		(void)loader_linux_screen_info(in->fb, in->fb_efi,
					       &bp->screen_info, NULL, 0);

	e.bp = bp;
	e.extra = ext_need ? (struct linux_e820 *)(sd_area + rsdp_need +
			      sizeof(struct linux_setup_data)) : NULL;
	n = loader_guest_mmap_visit(in->map, put_e820, &e);
	bp->e820_entries = (uint8_t)MIN(n, (size_t)LINUX_E820_MAX_ZP);
	return LOADER_OK;
}

int loader_linux_identity_pt(void *buf, uint64_t gpa, struct loader_err *err)
{
	uint64_t *t = buf;

	if (gpa & 0xFFF || gpa >= FOUR_GIB - LOADER_LINUX_PT_SIZE)
		return loader_fail(err, LOADER_E_INVAL,
			"linux: page tables at 0x%lx: not 4 KiB aligned below 4 GiB",
			gpa);
	memset(buf, 0, LOADER_LINUX_PT_SIZE);
	/* P | RW (| PS for 2 MiB leaves): APM Vol. 2, 5.3 (long mode). */
	t[0] = (gpa + 0x1000) | 0x3;
	for (uint64_t i = 0; i < 4; i++)
		t[512 + i] = (gpa + 0x2000 + i * 0x1000) | 0x3;
	for (uint64_t i = 0; i < 4 * 512; i++)
		t[1024 + i] = (i * 2 * MiB) | 0x83;
	return LOADER_OK;
}
