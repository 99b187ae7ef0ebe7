/*
 * tests/unit/test_linux.c - loader/linux.c: the Linux setup header
 * (valid, every protocol version from 2.00, truncated, each field wrong),
 * the kernel's placement, the command line, boot_params with small and
 * huge (> 128 entries, SETUP_E820_EXT) e820 maps and the RSDP copy,
 * screen_info from the display GRUB gave.
 */
#include "test.h"

#include <stdlib.h>

#include "loader/formats.h"

#define IMG_SIZE (64 * 1024)

static const struct mem_range ranges[] = {
	{ 0x0, 0x9FC00, MEM_USABLE, 1 },
	{ 0x9FC00, 0x400, MEM_RESERVED, 2 },
	{ 0xF0000, 0x10000, MEM_RESERVED, 2 },
	{ 0x100000, 0x7FE00000 - 0x100000, MEM_USABLE, 1 },
	{ 0x7FE00000, 0x200000, MEM_ACPI_RECLAIM, 3 },
	{ 0x100000000ull, 0x80000000ull, MEM_USABLE, 1 },
};
static const struct loader_memmap map = {
	ranges, ARRAY_SIZE(ranges), false, 0x7C000000ull, 0x7E000000ull, 0, 0
};

static void put16(uint8_t *p, size_t off, uint16_t v) { memcpy(p + off, &v, 2); }
static void put32(uint8_t *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void put64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }

/* A plausible 2.15 bzImage: 4 setup sectors + 1, 0x8000 bytes of kernel. */
static uint8_t *make_image(uint16_t version)
{
	uint8_t *img = calloc(1, IMG_SIZE);

	img[0x1F1] = 4;                                 /* setup_sects */
	put32(img, 0x1F4, (IMG_SIZE - 5 * 512) / 16);   /* syssize */
	put16(img, 0x1FE, 0xAA55);
	img[0x200] = 0xEB;
	img[0x201] = 0x6A;                              /* header to 0x26C */
	put32(img, 0x202, LINUX_HDRS_MAGIC);
	put16(img, 0x206, version);
	img[0x211] = LINUX_LOADED_HIGH;
	put32(img, 0x214, 0x100000);
	put32(img, 0x22C, 0x7FFFFFFF);                  /* initrd_addr_max */
	put32(img, 0x230, 0x200000);                    /* kernel_alignment */
	img[0x234] = 1;                                 /* relocatable */
	img[0x235] = 21;                                /* min_alignment */
	put16(img, 0x236, LINUX_XLF_KERNEL_64 | LINUX_XLF_ABOVE_4G);
	put32(img, 0x238, 0x7FF);                       /* cmdline_size */
	put64(img, 0x258, 0x1000000);                   /* pref_address */
	put32(img, 0x260, 0x4000000);                   /* init_size */
	return img;
}

static int parse(const uint8_t *img, size_t size, struct linux_info *li,
		 struct loader_err *err)
{
	/* an exact-size copy so ASan sees any read past the end */
	uint8_t *copy = malloc(size ? size : 1);
	int rc;

	memcpy(copy, img, size);
	rc = loader_linux_header(copy, size, li, err);
	free(copy);
	return rc;
}

TEST(linux_header_valid)
{
	uint8_t *img = make_image(0x020F);
	struct linux_info li;
	struct loader_err err;

	CHECK(loader_is_linux(img, IMG_SIZE));
	CHECK_EQ(parse(img, IMG_SIZE, &li, &err), LOADER_OK);
	CHECK_EQ(li.version, 0x020F);
	CHECK_EQ(li.setup_size, 5 * 512);
	CHECK_EQ(li.kernel_size, IMG_SIZE - 5 * 512);
	CHECK_EQ(li.align, 0x200000);
	CHECK(li.relocatable && li.entry64 && li.above_4g);
	/* setup_sects 0 means 4 */
	img[0x1F1] = 0;
	CHECK_EQ(parse(img, IMG_SIZE, &li, &err), LOADER_OK);
	CHECK_EQ(li.setup_size, 5 * 512);
	free(img);
}

TEST(linux_every_version)
{
	uint8_t *img = make_image(0);
	struct linux_info li;
	struct loader_err err;

	for (unsigned v = 0x0200; v <= 0x02FF; v++) {
		put16(img, 0x206, (uint16_t)v);
		if (v < 0x020C) {
			CHECK_EQ(parse(img, IMG_SIZE, &li, &err),
				 LOADER_E_UNSUPPORTED);
			CHECK(strstr(err.msg, "version") != NULL);
			CHECK(strstr(err.msg, "2.12") != NULL);
		} else {
			CHECK_EQ(parse(img, IMG_SIZE, &li, &err), LOADER_OK);
		}
	}
	free(img);
}

TEST(linux_truncated_everywhere)
{
	uint8_t *img = make_image(0x020F);
	struct linux_info li;
	struct loader_err err;

	/* every length short of the setup sectors and one kernel byte */
	for (size_t n = 0; n <= 5 * 512; n++)
		CHECK(parse(img, n, &li, &err) != LOADER_OK);
	CHECK(!loader_is_linux(img, 0x205));
	/* an image that ends with its header, the jump byte anything: the
	 * version at 0x206 is read only when the header reaches it (a
	 * fuzzer found "HdrS" at the image's end, jump byte 4, and the
	 * version read two bytes past it) */
	for (unsigned j = 0; j <= 0x6A; j++) {
		img[0x201] = (uint8_t)j;
		for (size_t n = 0x206; n <= 0x202 + j + 2; n++)
			CHECK(parse(img, n, &li, &err) != LOADER_OK);
	}
	img[0x201] = 0x6A;
	/* a header that ends (jump byte) before 2.12's fields */
	img[0x201] = 0x5E;
	CHECK_EQ(parse(img, IMG_SIZE, &li, &err), LOADER_E_HDR);
	CHECK(strstr(err.msg, "header ends") != NULL);
	free(img);
}

struct bad_field {
	size_t off, width;
	uint64_t value;
	const char *name;
};

TEST(linux_each_field_refused_by_name)
{
	static const struct bad_field bad[] = {
		{ 0x1FE, 2, 0x1234, "boot_flag" },
		{ 0x211, 1, 0, "loadflags" },
		{ 0x1F1, 1, 200, "setup_sects" },
		{ 0x1F4, 4, 0, "syssize" },
		{ 0x1F4, 4, 0x100000, "syssize" },
		{ 0x230, 4, 0x300000, "kernel_alignment" },
		{ 0x230, 4, 0x800, "kernel_alignment" },
		{ 0x234, 1, 7, "relocatable_kernel" },
		{ 0x235, 1, 22, "min_alignment" },
		{ 0x235, 1, 3, "min_alignment" },
		{ 0x258, 8, 0x1001000, "pref_address" },
		{ 0x258, 8, 0x100000000ull, "pref_address" },
		{ 0x260, 4, 0x100, "init_size" },
		{ 0x248, 4, 0xFFFFFF00, "payload" },
		{ 0x268, 4, 0xFFFFFFF0, "kernel_info_offset" },
		{ 0x238, 4, 0, "cmdline_size" },
		{ 0x22C, 4, 0x1000, "initrd_addr_max" },
	};
	struct linux_info li;
	struct loader_err err;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t *img = make_image(0x020F);

		if (bad[i].off == 0x248)
			put32(img, 0x24C, 0x1000);  /* payload_length */
		memcpy(img + bad[i].off, &bad[i].value, bad[i].width);
		CHECK(parse(img, IMG_SIZE, &li, &err) != LOADER_OK);
		if (!strstr(err.msg, bad[i].name))
			fprintf(stderr, "field %s: message \"%s\"\n",
				bad[i].name, err.msg);
		CHECK(strstr(err.msg, bad[i].name) != NULL);
		free(img);
	}
}

TEST(linux_plan_pref_fallback_fixed)
{
	uint8_t *img = make_image(0x020F);
	struct linux_info li;
	struct loader_plan plan;
	struct loader_err err;
	/* RAM with a hole at 16 MiB: pref_address does not fit */
	static const struct mem_range holey[] = {
		{ 0x100000, 0xF00000, MEM_USABLE, 1 },
		{ 0x1000000, 0x100000, MEM_RESERVED, 2 },
		{ 0x1100000, 0x10000000, MEM_USABLE, 1 },
	};
	struct loader_memmap hm = { holey, ARRAY_SIZE(holey), false,
				    0x8000000, 0x9000000, 0, 0 };

	CHECK_EQ(parse(img, IMG_SIZE, &li, &err), LOADER_OK);
	CHECK_EQ(loader_linux_plan(&li, &map, &plan, &err), LOADER_OK);
	CHECK_EQ(plan.seg[0].base, 0x1000000);
	CHECK_EQ(plan.entry, 0x1000000);
	CHECK_EQ(plan.ops[0].src, 5 * 512);
	CHECK_EQ(plan.ops[0].len, IMG_SIZE - 5 * 512);
	CHECK_EQ(plan.load_end, 0x5000000);
	/* relocatable: first 2 MiB-aligned place clear of the hole */
	CHECK_EQ(loader_linux_plan(&li, &hm, &plan, &err), LOADER_OK);
	CHECK_EQ(plan.seg[0].base, 0x1200000);
	/* ... and of the hypervisor */
	hm.hv_base = 0x2000000;
	CHECK_EQ(loader_linux_plan(&li, &hm, &plan, &err), LOADER_OK);
	CHECK_EQ(plan.seg[0].base, 0x9000000);
	CHECK_EQ(plan.seg[0].base % li.align, 0);
	/* not relocatable: refused */
	li.relocatable = false;
	CHECK_EQ(loader_linux_plan(&li, &hm, &plan, &err), LOADER_E_MEMORY);
	CHECK(strstr(err.msg, "pref_address") != NULL);
	/* too big for anything below 4 GiB */
	li.relocatable = true;
	li.init_size = 0xF0000000u;
	CHECK_EQ(loader_linux_plan(&li, &map, &plan, &err), LOADER_E_NOSPACE);
	free(img);
}

TEST(linux_cmdline)
{
	uint8_t *img = make_image(0x020D);
	struct linux_info li;
	struct loader_err err;
	char buf[64];

	CHECK_EQ(parse(img, IMG_SIZE, &li, &err), LOADER_OK);
	/* 2.13: the RSDP goes on the command line */
	CHECK_EQ(loader_linux_cmdline(&li, "console=ttyS0", 0x4F99230, buf,
				      sizeof(buf), &err), LOADER_OK);
	CHECK_STR(buf, "console=ttyS0 acpi_rsdp=0x4f99230");
	CHECK_EQ(loader_linux_cmdline(&li, "", 0xE0000, buf, sizeof(buf),
				      &err), LOADER_OK);
	CHECK_STR(buf, "acpi_rsdp=0xe0000");
	/* 2.14 on: in boot_params instead */
	li.version = 0x020E;
	CHECK_EQ(loader_linux_cmdline(&li, "quiet", 0x4F99230, buf,
				      sizeof(buf), &err), LOADER_OK);
	CHECK_STR(buf, "quiet");
	/* longer than cmdline_size or the buffer */
	li.cmdline_size = 3;
	CHECK_EQ(loader_linux_cmdline(&li, "quiet", 0, buf, sizeof(buf),
				      &err), LOADER_E_TOOSMALL);
	CHECK(strstr(err.msg, "cmdline_size") != NULL);
	li.cmdline_size = 0x7FF;
	CHECK_EQ(loader_linux_cmdline(&li, "0123456789", 0, buf, 8, &err),
		 LOADER_E_TOOSMALL);
	free(img);
}

static uint64_t rd64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

TEST(linux_boot_params_small_map)
{
	uint8_t *img = make_image(0x020F);
	struct linux_info li;
	struct loader_err err;
	struct linux_boot_params *bp = calloc(1, sizeof(*bp));
	uint8_t rsdp[36] = "RSD PTR ";
	uint8_t sd[256] __attribute__((aligned(16)));
	struct linux_bp_input in;
	size_t need;

	CHECK_EQ(parse(img, IMG_SIZE, &li, &err), LOADER_OK);
	need = loader_linux_setup_data_size(&map, sizeof(rsdp));
	CHECK_EQ(need, 64);  /* 16 + 36 rounded to 16 */
	CHECK_EQ(loader_linux_setup_data_size(&map, 0), 0);
	in = (struct linux_bp_input){ &li, img, IMG_SIZE, &map, 0x1000000,
		0x5001000, 0x6000000, 0x200000, rsdp, sizeof(rsdp), sd,
		sizeof(sd), 0x5002000, NULL, false };
	memset(bp, 0xA5, sizeof(*bp));
	CHECK_EQ(loader_linux_boot_params(&in, bp, &err), LOADER_OK);
	CHECK_EQ(bp->hdr.type_of_loader, 0xFF);
	CHECK_EQ(bp->hdr.version, 0x020F);
	CHECK_EQ(bp->hdr.loadflags & LINUX_LOADED_HIGH, LINUX_LOADED_HIGH);
	CHECK_EQ(bp->hdr.cmd_line_ptr, 0x5001000);
	CHECK_EQ(bp->hdr.ramdisk_image, 0x6000000);
	CHECK_EQ(bp->hdr.ramdisk_size, 0x200000);
	CHECK_EQ(bp->hdr.code32_start, 0x1000000);
	CHECK_EQ(bp->sentinel, 0);
	CHECK_EQ(bp->hdr.setup_data, 0x5002000);
	CHECK_EQ(bp->acpi_rsdp_addr, 0x5002010);
	CHECK_EQ(rd64(sd), 0);                 /* the only node */
	CHECK(memcmp(sd + 16, "RSD PTR ", 8) == 0);
	/* e820: the map with the hypervisor's range reserved */
	CHECK_EQ(bp->e820_entries, ARRAY_SIZE(ranges) + 2);
	CHECK_EQ(bp->e820_table[3].addr, 0x100000);
	CHECK_EQ(bp->e820_table[3].size, 0x7C000000 - 0x100000);
	CHECK_EQ(bp->e820_table[4].addr, 0x7C000000);
	CHECK_EQ(bp->e820_table[4].type, 2);
	CHECK_EQ(bp->e820_table[5].type, 1);
	/* 2.13: no acpi_rsdp_addr (it goes on the command line) */
	li.version = 0x020D;
	CHECK_EQ(loader_linux_boot_params(&in, bp, &err), LOADER_OK);
	CHECK_EQ(bp->acpi_rsdp_addr, 0);
	li.version = 0x020F;

	/* refused: initrd above initrd_addr_max, in the hypervisor, no room
	 * for setup_data, misaligned setup_data */
	in.initrd_addr = 0x7FFF0000;
	CHECK_EQ(loader_linux_boot_params(&in, bp, &err), LOADER_E_MEMORY);
	CHECK(strstr(err.msg, "initrd_addr_max") != NULL);
	in.initrd_addr = 0x7C100000;
	CHECK_EQ(loader_linux_boot_params(&in, bp, &err), LOADER_E_MEMORY);
	CHECK(strstr(err.msg, "hypervisor") != NULL);
	in.initrd_addr = 0x6000000;
	in.setup_data_cap = 32;
	CHECK_EQ(loader_linux_boot_params(&in, bp, &err), LOADER_E_TOOSMALL);
	in.setup_data_cap = sizeof(sd);
	in.setup_data_addr = 0x5002008;
	CHECK_EQ(loader_linux_boot_params(&in, bp, &err), LOADER_E_TOOSMALL);
	free(bp);
	free(img);
}

TEST(linux_boot_params_huge_map)
{
	uint8_t *img = make_image(0x020F);
	struct linux_info li;
	struct loader_err err;
	struct linux_boot_params *bp = calloc(1, sizeof(*bp));
	struct mem_range *many = calloc(300, sizeof(*many));
	struct loader_memmap hm = { many, 300, false, 0, 0, 0, 0 };
	struct linux_bp_input in;
	size_t need, n;
	uint8_t *sd;
	struct linux_setup_data node;
	struct linux_e820 e;

	/* 300 alternating usable/reserved 1 MiB ranges, given backwards */
	for (size_t i = 0; i < 300; i++)
		many[299 - i] = (struct mem_range){ (1 + i) * MiB, MiB,
			i & 1 ? MEM_RESERVED : MEM_USABLE, i & 1 ? 2 : 1 };
	n = loader_guest_mmap(&hm, NULL, 0);
	CHECK_EQ(n, 300);
	CHECK_EQ(parse(img, IMG_SIZE, &li, &err), LOADER_OK);
	need = loader_linux_setup_data_size(&hm, 20);
	CHECK_EQ(need, 48 + 16 + (300 - 128) * 20);
	sd = aligned_alloc(16, ALIGN_UP(need, 16));
	in = (struct linux_bp_input){ &li, img, IMG_SIZE, &hm, 0x1000000,
		0x1000, 0, 0, "RSD PTR 0123456789ab", 20, sd, need, 0x2000,
		NULL, false };
	CHECK_EQ(loader_linux_boot_params(&in, bp, &err), LOADER_OK);
	CHECK_EQ(bp->e820_entries, 128);
	CHECK_EQ(bp->e820_table[0].addr, 1 * MiB);
	CHECK_EQ(bp->e820_table[127].addr, 128 * MiB);
	/* chain: RSDP node -> E820_EXT node */
	CHECK_EQ(bp->hdr.setup_data, 0x2000);
	memcpy(&node, sd, sizeof(node));
	CHECK_EQ(node.next, 0x2000 + 48);
	CHECK_EQ(node.type, 0);
	memcpy(&node, sd + 48, sizeof(node));
	CHECK_EQ(node.next, 0);
	CHECK_EQ(node.type, LINUX_SETUP_E820_EXT);
	CHECK_EQ(node.len, (300 - 128) * 20);
	memcpy(&e, sd + 48 + 16, sizeof(e));
	CHECK_EQ(e.addr, 129 * MiB);
	CHECK_EQ(e.type, 1);
	memcpy(&e, sd + 48 + 16 + 171 * 20, sizeof(e));
	CHECK_EQ(e.addr, 300 * MiB);
	CHECK_EQ(e.type, 2);
	/* too little room for the overflow */
	in.setup_data_cap = need - 1;
	CHECK_EQ(loader_linux_boot_params(&in, bp, &err), LOADER_E_TOOSMALL);
	/* without a setup_data area at all */
	in.setup_data = NULL;
	CHECK_EQ(loader_linux_boot_params(&in, bp, &err), LOADER_E_TOOSMALL);
	free(sd);
	free(many);
	free(bp);
	free(img);
}

TEST(linux_identity_page_tables)
{
	uint64_t *pt = aligned_alloc(4096, LOADER_LINUX_PT_SIZE);
	struct loader_err err;

	CHECK_EQ(loader_linux_identity_pt(pt, 0x5000000, &err), LOADER_OK);
	CHECK_EQ(pt[0], 0x5001003);                    /* PML4[0] -> PDPT */
	CHECK_EQ(pt[1], 0);
	CHECK_EQ(pt[512 + 3], 0x5005003);              /* PDPT[3] -> PD 3 */
	CHECK_EQ(pt[512 + 4], 0);
	CHECK_EQ(pt[1024], 0x83);                      /* 0: 2 MiB, P RW PS */
	CHECK_EQ(pt[1024 + 2047], 0xFFE00000ull | 0x83);
	CHECK_EQ(loader_linux_identity_pt(pt, 0x5000800, &err), LOADER_E_INVAL);
	CHECK_EQ(loader_linux_identity_pt(pt, 0xFFFFF000, &err), LOADER_E_INVAL);
	free(pt);
}

/* screen_info from GRUB's display: what vgacon, vesafb and efifb read. */
TEST(linux_screen_info)
{
	struct boot_framebuffer fb = { 0xB8000, 160, 80, 25, 16, MB2_FB_EGA_TEXT,
				       0, 0, 0, 0, 0, 0, 0, { { 0 } } };
	struct linux_screen_info si;
	char why[64];

	CHECK_EQ(loader_linux_screen_info(&fb, false, &si, why, sizeof(why)), 1);
	CHECK_EQ(si.orig_video_isVGA, LINUX_VIDEO_TEXT);
	CHECK_EQ(si.orig_video_mode, 3);
	CHECK_EQ(si.orig_video_cols, 80);
	CHECK_EQ(si.orig_video_lines, 25);
	CHECK_EQ(si.orig_video_points, 16);
	CHECK_EQ(si.orig_x, 0);
	CHECK_EQ(si.orig_y, 24);
	CHECK_EQ(si.lfb_base, 0);
	CHECK_EQ(why[0], 0);
	fb.addr = 0xB0000;                       /* monochrome: not offered */
	CHECK_EQ(loader_linux_screen_info(&fb, false, &si, why, sizeof(why)), 0);
	CHECK(strstr(why, "0xB8000") != NULL);
	CHECK_EQ(si.orig_video_isVGA, 0);
	fb.addr = 0xB8000;
	fb.width = 256;
	CHECK_EQ(loader_linux_screen_info(&fb, false, &si, why, sizeof(why)), 0);

	/* An RGB framebuffer under BIOS: VESA, its size in 64 KiB units. */
	fb = (struct boot_framebuffer){ 0xFD000000, 4096, 1024, 768, 32,
		MB2_FB_RGB, 16, 8, 8, 8, 0, 8, 0, { { 0 } } };
	CHECK_EQ(loader_linux_screen_info(&fb, false, &si, why, sizeof(why)), 1);
	CHECK_EQ(si.orig_video_isVGA, LINUX_VIDEO_TYPE_VLFB);
	CHECK_EQ(si.lfb_width, 1024);
	CHECK_EQ(si.lfb_height, 768);
	CHECK_EQ(si.lfb_depth, 32);
	CHECK_EQ(si.lfb_linelength, 4096);
	CHECK_EQ(si.lfb_base, 0xFD000000);
	CHECK_EQ(si.lfb_size, 48);               /* 3 MiB */
	CHECK_EQ(si.red_pos, 16);
	CHECK_EQ(si.red_size, 8);
	CHECK_EQ(si.green_pos, 8);
	CHECK_EQ(si.blue_pos, 0);
	CHECK_EQ(si.rsvd_pos, 24);
	CHECK_EQ(si.rsvd_size, 8);
	CHECK_EQ(si.capabilities, 0);
	CHECK_EQ(si.pages, 1);
	/* Under UEFI: EFI graphics output, bytes; a base above 4 GiB. */
	fb.addr = 0x80C0000000ULL;
	fb.bpp = 24;
	fb.pitch = 3072;
	CHECK_EQ(loader_linux_screen_info(&fb, true, &si, why, sizeof(why)), 1);
	CHECK_EQ(si.orig_video_isVGA, LINUX_VIDEO_TYPE_EFI);
	CHECK_EQ(si.lfb_base, 0xC0000000);
	CHECK_EQ(si.ext_lfb_base, 0x80);
	CHECK_EQ(si.capabilities, LINUX_VIDEO_CAP_64BIT_BASE);
	CHECK_EQ(si.lfb_size, 3072 * 768);
	CHECK_EQ(si.rsvd_size, 0);               /* 24 bits: no spare */
	/* Refused: a pitch past 16 bits, indexed colour, nothing at all. */
	fb.pitch = 0x10000;
	CHECK_EQ(loader_linux_screen_info(&fb, true, &si, why, sizeof(why)), 0);
	CHECK(why[0] != 0);
	CHECK_EQ(si.lfb_base, 0);
	fb.pitch = 3072;
	fb.type = MB2_FB_INDEXED;
	fb.bpp = 8;
	CHECK_EQ(loader_linux_screen_info(&fb, true, &si, why, sizeof(why)), 0);
	CHECK(strstr(why, "indexed") != NULL);
	CHECK_EQ(loader_linux_screen_info(NULL, false, &si, NULL, 0), 0);
}

TEST(linux_boot_params_screen_info)
{
	static const struct boot_framebuffer fb = { 0xB8000, 160, 80, 50, 16,
		MB2_FB_EGA_TEXT, 0, 0, 0, 0, 0, 0, 0, { { 0 } } };
	uint8_t *img = make_image(0x020F);
	struct linux_info li;
	struct loader_err err;
	struct linux_boot_params *bp = calloc(1, sizeof(*bp));
	uint8_t sd[256] __attribute__((aligned(16)));
	struct linux_bp_input in;

	CHECK_EQ(parse(img, IMG_SIZE, &li, &err), LOADER_OK);
	in = (struct linux_bp_input){ &li, img, IMG_SIZE, &map, 0x1000000,
		0x5001000, 0, 0, NULL, 0, sd, sizeof(sd), 0x5002000, &fb,
		false };
	memset(bp, 0xA5, sizeof(*bp));
	CHECK_EQ(loader_linux_boot_params(&in, bp, &err), LOADER_OK);
	CHECK_EQ(bp->screen_info.orig_video_isVGA, LINUX_VIDEO_TEXT);
	CHECK_EQ(bp->screen_info.orig_video_lines, 50);
	in.fb = NULL;                            /* none: all zero */
	CHECK_EQ(loader_linux_boot_params(&in, bp, &err), LOADER_OK);
	for (size_t i = 0; i < sizeof(bp->screen_info); i++)
		CHECK_EQ(((uint8_t *)&bp->screen_info)[i], 0);
	free(bp);
	free(img);
}
