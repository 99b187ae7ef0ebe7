/* Host tests for kernel/mb2.c and kernel/cmdline.c: good Multiboot2
 * information blocks as GRUB builds them (BIOS and UEFI), and broken ones. */
#include "test.h"

#include <stdlib.h>

#include "kernel/kernel.h"
#include "mm/mm.h"
#include "net/net.h"
#include "pci/pci.h"

/* A little builder for Multiboot2 information blocks. */
struct mbi {
	uint8_t buf[32768] __attribute__((aligned(8)));
	uint32_t len;
};

static void mbi_start(struct mbi *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8;
}

static uint8_t *mbi_tag(struct mbi *m, uint32_t type, uint32_t size)
{
	uint8_t *t = m->buf + m->len;

	memcpy(t, &type, 4);
	memcpy(t + 4, &size, 4);
	m->len += (size + 7) & ~7u;
	return t;
}

static void mbi_string(struct mbi *m, uint32_t type, const char *s)
{
	uint8_t *t = mbi_tag(m, type, 8 + (uint32_t)strlen(s) + 1);

	memcpy(t + 8, s, strlen(s) + 1);
}

static void mbi_mmap(struct mbi *m, const uint64_t (*e)[3], int n)
{
	uint8_t *t = mbi_tag(m, 6, 16 + 24 * (uint32_t)n);
	uint32_t es = 24, ev = 0;

	memcpy(t + 8, &es, 4);
	memcpy(t + 12, &ev, 4);
	for (int i = 0; i < n; i++) {
		uint32_t type = (uint32_t)e[i][2], rsv = 0;

		memcpy(t + 16 + 24 * i, &e[i][0], 8);
		memcpy(t + 16 + 24 * i + 8, &e[i][1], 8);
		memcpy(t + 16 + 24 * i + 16, &type, 4);
		memcpy(t + 16 + 24 * i + 20, &rsv, 4);
	}
}

static void mbi_module(struct mbi *m, uint32_t start, uint32_t end, const char *s)
{
	uint8_t *t = mbi_tag(m, 3, 16 + (uint32_t)strlen(s) + 1);

	memcpy(t + 8, &start, 4);
	memcpy(t + 12, &end, 4);
	memcpy(t + 16, s, strlen(s) + 1);
}

static void mbi_end(struct mbi *m)
{
	mbi_tag(m, 0, 8);
	memcpy(m->buf, &m->len, 4);
}

static const uint64_t bios_map[][3] = {
	{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
	{ 0x100000, 0x7fedf000, 1 }, { 0x7ffdf000, 0x21000, 2 },
	{ 0xb0000000, 0x10000000, 2 }, { 0xfd00000000ULL, 0x300000000ULL, 12 },
};

static struct bootinfo bi;
static char err[256];

static void good_bios(struct mbi *m)
{
	uint8_t rsdp[20] = "RSD PTR ";

	mbi_start(m);
	mbi_string(m, 1, "hv_mem=64M shutdown");
	mbi_string(m, 2, "GRUB 2.06");
	mbi_module(m, 0x200000, 0x280000, "guest exit");
	mbi_mmap(m, bios_map, 7);
	memcpy(mbi_tag(m, 14, 8 + 20) + 8, rsdp, 20);
	mbi_end(m);
}

TEST(mb2_good_bios)
{
	struct mbi m;

	good_bios(&m);
	CHECK(mb2_parse(m.buf, m.len, 0x10000, &bi, err, sizeof(err)) == 0);
	CHECK_STR(bi.cmdline, "hv_mem=64M shutdown");
	CHECK_STR(bi.loader_name, "GRUB 2.06");
	CHECK(!bi.uefi);
	CHECK_EQ(bi.nmmap, 7);
	CHECK_EQ(bi.mmap[3].base, 0x100000);
	CHECK_EQ(bi.mmap[3].type, MEM_USABLE);
	CHECK_EQ(bi.mmap[6].type, MEM_RESERVED); /* type 12 kept raw */
	CHECK_EQ(bi.mmap[6].raw_type, 12);
	CHECK_EQ(bi.nmods, 1);
	CHECK_EQ(bi.mods[0].start, 0x200000);
	CHECK_STR(bi.mods[0].string, "guest exit");
	CHECK(bi.rsdp_old != NULL && bi.rsdp_new == NULL);
	CHECK_EQ(bi.nefimap, 0);
}

TEST(mb2_good_uefi)
{
	struct mbi m;
	uint8_t *t;
	uint32_t ds = 48, dv = 1;
	uint64_t st = 0x7f000000;
	/* EFI types: 7 conventional, 9 ACPI reclaim, 5 runtime code, 11 MMIO */
	const uint32_t types[4] = { 7, 9, 5, 11 };
	size_t n;

	mbi_start(&m);
	memcpy(mbi_tag(&m, 12, 16) + 8, &st, 8);
	t = mbi_tag(&m, 17, 16 + 48 * 4);
	memcpy(t + 8, &ds, 4);
	memcpy(t + 12, &dv, 4);
	for (int i = 0; i < 4; i++) {
		uint64_t start = 0x100000ULL * (uint64_t)(i + 1), pages = 16;

		memcpy(t + 16 + 48 * i, &types[i], 4);
		memcpy(t + 16 + 48 * i + 8, &start, 8);
		memcpy(t + 16 + 48 * i + 24, &pages, 8);
	}
	mbi_mmap(&m, bios_map, 2);
	mbi_end(&m);
	CHECK(mb2_parse(m.buf, m.len, 0x10000, &bi, err, sizeof(err)) == 0);
	CHECK(bi.uefi);
	CHECK_EQ(bi.nefimap, 4);
	CHECK_EQ(bi.efimap[0].type, MEM_USABLE);
	CHECK_EQ(bi.efimap[1].type, MEM_ACPI_RECLAIM);
	CHECK_EQ(bi.efimap[2].type, MEM_EFI_RUNTIME);
	CHECK_EQ(bi.efimap[3].type, MEM_MMIO);
	CHECK_EQ(bi.efimap[3].len, 0x10000);
	CHECK(bootinfo_ram_map(&bi, &n) == bi.efimap && n == 4);
	CHECK_STR(bi.cmdline, "");
}

#define EXPECT_BAD(m, substr)                                                \
	do {                                                                 \
		CHECK(mb2_parse((m)->buf, (m)->len, 0x10000, &bi, err,       \
				sizeof(err)) == -1);                         \
		if (!strstr(err, substr)) {                                  \
			test_fail(__FILE__, __LINE__, "error \"%s\" lacks \"%s\"", \
				  err, substr);                              \
			return;                                              \
		}                                                            \
	} while (0)

TEST(mb2_malformed)
{
	struct mbi m;
	uint32_t v;

	/* Total size larger than the readable bytes. */
	good_bios(&m);
	CHECK(mb2_parse(m.buf, m.len - 8, 0x10000, &bi, err, sizeof(err)) == -1);
	CHECK(strstr(err, "total size") != NULL);
	/* Total size too small, and absurd. */
	good_bios(&m);
	v = 8;
	memcpy(m.buf, &v, 4);
	EXPECT_BAD(&m, "total size");
	/* Misaligned block. */
	good_bios(&m);
	CHECK(mb2_parse(m.buf, m.len, 0x10004, &bi, err, sizeof(err)) == -1);
	CHECK(strstr(err, "aligned") != NULL);
	/* A tag whose size runs past the end. */
	good_bios(&m);
	v = 5000;
	memcpy(m.buf + 8 + 4, &v, 4);
	EXPECT_BAD(&m, "command line tag (type 1) at offset 8: size 5000 runs past");
	/* A tag with size < 8 (would loop forever). */
	good_bios(&m);
	v = 4;
	memcpy(m.buf + 8 + 4, &v, 4);
	EXPECT_BAD(&m, "runs past");
	/* Unterminated command line. */
	mbi_start(&m);
	memcpy(mbi_tag(&m, 1, 8 + 4) + 8, "abcd", 4);
	mbi_mmap(&m, bios_map, 1);
	mbi_end(&m);
	EXPECT_BAD(&m, "command line tag: string not terminated");
	/* No end tag. */
	good_bios(&m);
	m.len -= 8;
	memcpy(m.buf, &m.len, 4);
	EXPECT_BAD(&m, "end tag missing");
	/* No memory map. */
	mbi_start(&m);
	mbi_string(&m, 1, "x");
	mbi_end(&m);
	EXPECT_BAD(&m, "memory map tag missing");
	/* Bad mmap entry size. */
	mbi_start(&m);
	{
		uint8_t *t = mbi_tag(&m, 6, 16 + 24);
		uint32_t es = 20;
		memcpy(t + 8, &es, 4);
	}
	mbi_end(&m);
	EXPECT_BAD(&m, "bad entry size 20");
	/* Module ending before it starts. */
	mbi_start(&m);
	mbi_module(&m, 0x300000, 0x200000, "guest");
	mbi_mmap(&m, bios_map, 1);
	mbi_end(&m);
	EXPECT_BAD(&m, "module tag 'guest': end 0x200000 before start 0x300000");
	/* Duplicate command line. */
	mbi_start(&m);
	mbi_string(&m, 1, "a");
	mbi_string(&m, 1, "b");
	mbi_mmap(&m, bios_map, 1);
	mbi_end(&m);
	EXPECT_BAD(&m, "appears twice");
	/* A memory map entry that wraps around. */
	{
		const uint64_t wrap[][3] = { { 0xfffffffffffff000ULL, 0x2000, 1 } };
		mbi_start(&m);
		mbi_mmap(&m, wrap, 1);
		mbi_end(&m);
		EXPECT_BAD(&m, "wraps around");
	}
	/* A truncated new-RSDP tag. */
	good_bios(&m);
	m.len -= 8;
	mbi_tag(&m, 15, 8 + 20);
	mbi_end(&m);
	EXPECT_BAD(&m, "ACPI new RSDP tag");
}

/* A framebuffer tag (8) after the BIOS block's other tags, with @n
 * bytes of colour information. */
static void bios_with_fb(struct mbi *m, uint64_t addr, uint32_t pitch,
			 uint32_t w, uint32_t h, uint8_t bpp, uint8_t type,
			 const void *color, uint32_t n)
{
	uint8_t *t;

	good_bios(m);
	m->len -= 8;                       /* drop the end tag */
	t = mbi_tag(m, 8, 32 + n);
	memcpy(t + 8, &addr, 8);
	memcpy(t + 16, &pitch, 4);
	memcpy(t + 20, &w, 4);
	memcpy(t + 24, &h, 4);
	t[28] = bpp;
	t[29] = type;
	if (n)
		memcpy(t + 32, color, n);
	mbi_end(m);
}

static const uint8_t fb_rgb[6] = { 16, 8, 8, 8, 0, 8 };

/* The boot goes on; the framebuffer is refused with @why. */
#define EXPECT_FB_REFUSED(m, why)                                            \
	do {                                                                 \
		CHECK(mb2_parse((m)->buf, (m)->len, 0x10000, &bi, err,       \
				sizeof(err)) == 0);                          \
		CHECK_EQ(bi.fb_status, BOOT_FB_REJECTED);                    \
		if (!strstr(bi.fb_why, why)) {                               \
			test_fail(__FILE__, __LINE__, "fb_why \"%s\" lacks \"%s\"", \
				  bi.fb_why, why);                           \
			return;                                              \
		}                                                            \
		CHECK_EQ(bi.fb.addr, 0);                                     \
	} while (0)

TEST(mb2_framebuffer_good)
{
	struct mbi m;
	uint8_t pal[2 + 3 * 16];
	uint16_t n = 16;

	/* No tag: no framebuffer. */
	good_bios(&m);
	CHECK(mb2_parse(m.buf, m.len, 0x10000, &bi, err, sizeof(err)) == 0);
	CHECK_EQ(bi.fb_status, BOOT_FB_NONE);
	/* GRUB on QEMU's std VGA, 1024x768x32. */
	bios_with_fb(&m, 0xFD000000, 4096, 1024, 768, 32, 1, fb_rgb, 6);
	CHECK(mb2_parse(m.buf, m.len, 0x10000, &bi, err, sizeof(err)) == 0);
	CHECK_EQ(bi.fb_status, BOOT_FB_OK);
	CHECK_EQ(bi.fb.addr, 0xFD000000);
	CHECK_EQ(bi.fb.pitch, 4096);
	CHECK_EQ(bi.fb.width, 1024);
	CHECK_EQ(bi.fb.height, 768);
	CHECK_EQ(bi.fb.bpp, 32);
	CHECK_EQ(bi.fb.type, 1);
	CHECK_EQ(bi.fb.red_pos, 16);
	CHECK_EQ(bi.fb.green_size, 8);
	CHECK_EQ(bi.fb.blue_pos, 0);
	/* 15 bpp (two bytes per pixel), a padded pitch, above 4 GiB. */
	{
		const uint8_t f15[6] = { 10, 5, 5, 5, 0, 5 };

		bios_with_fb(&m, 0x4000000000ULL, 2048, 800, 600, 15, 1, f15, 6);
		CHECK(mb2_parse(m.buf, m.len, 0x10000, &bi, err, sizeof(err)) == 0);
		CHECK_EQ(bi.fb_status, BOOT_FB_OK);
	}
	/* Indexed with a 16-colour palette (GRUB: 16-bit count). */
	memcpy(pal, &n, 2);
	for (int i = 0; i < 16; i++)
		pal[2 + 3 * i] = pal[3 + 3 * i] = pal[4 + 3 * i] = (uint8_t)(i * 16);
	bios_with_fb(&m, 0xA0000000, 640, 640, 480, 8, 0, pal, sizeof(pal));
	CHECK(mb2_parse(m.buf, m.len, 0x10000, &bi, err, sizeof(err)) == 0);
	CHECK_EQ(bi.fb_status, BOOT_FB_OK);
	CHECK_EQ(bi.fb.ncolors, 16);
	CHECK_EQ(bi.fb.palette[15][1], 240);
	/* EGA text (BIOS text mode): 80 x 25 characters of 2 bytes. */
	bios_with_fb(&m, 0xB8000, 160, 80, 25, 16, 2, NULL, 0);
	CHECK(mb2_parse(m.buf, m.len, 0x10000, &bi, err, sizeof(err)) == 0);
	CHECK_EQ(bi.fb_status, BOOT_FB_OK);
	CHECK_EQ(bi.fb.type, 2);
	CHECK_EQ(bi.fb.width, 80);
	CHECK_EQ(bi.fb.addr, 0xB8000);
}

TEST(mb2_framebuffer_refused)
{
	struct mbi m;
	uint8_t pal[2 + 3 * 4] = { 4, 0 };
	uint16_t big = 300;

	bios_with_fb(&m, 0xFD000000, 4095, 1024, 768, 32, 1, fb_rgb, 6);
	EXPECT_FB_REFUSED(&m, "1024x768 with pitch 4095");
	bios_with_fb(&m, 0xFD000000, 4096, 0, 768, 32, 1, fb_rgb, 6);
	EXPECT_FB_REFUSED(&m, "0x768");
	bios_with_fb(&m, 0xFD000000, 4096, 1024, 0, 32, 1, fb_rgb, 6);
	EXPECT_FB_REFUSED(&m, "1024x0");
	bios_with_fb(&m, 0xFD000000, 4096, 1024, 768, 12, 1, fb_rgb, 6);
	EXPECT_FB_REFUSED(&m, "RGB with 12 bits");
	bios_with_fb(&m, 0xFD000000, 4096, 1024, 768, 32, 1, fb_rgb, 5);
	EXPECT_FB_REFUSED(&m, "holds no colour fields");
	{
		const uint8_t past[6] = { 16, 8, 8, 8, 28, 8 };
		const uint8_t zero[6] = { 16, 0, 8, 8, 0, 8 };

		bios_with_fb(&m, 0xFD000000, 4096, 1024, 768, 32, 1, past, 6);
		EXPECT_FB_REFUSED(&m, "do not fit 32 bits");
		bios_with_fb(&m, 0xFD000000, 4096, 1024, 768, 32, 1, zero, 6);
		EXPECT_FB_REFUSED(&m, "do not fit");
	}
	bios_with_fb(&m, 0xFD000000, 1024, 1024, 768, 4, 0, pal, sizeof(pal));
	EXPECT_FB_REFUSED(&m, "indexed with 4 bits");
	bios_with_fb(&m, 0xFD000000, 1024, 1024, 768, 8, 0, pal, 1);
	EXPECT_FB_REFUSED(&m, "no palette count");
	bios_with_fb(&m, 0xFD000000, 1024, 1024, 768, 8, 0, pal, sizeof(pal) - 1);
	EXPECT_FB_REFUSED(&m, "palette of 4 colours in a tag of 45 bytes");
	memcpy(pal, &big, 2);
	bios_with_fb(&m, 0xFD000000, 1024, 1024, 768, 8, 0, pal, sizeof(pal));
	EXPECT_FB_REFUSED(&m, "palette of 300");
	bios_with_fb(&m, 0xFD000000, 4096, 1024, 768, 32, 3, fb_rgb, 6);
	EXPECT_FB_REFUSED(&m, "unknown framebuffer type 3");
	bios_with_fb(&m, 0xB8000, 160, 80, 25, 8, 2, NULL, 0);
	EXPECT_FB_REFUSED(&m, "EGA text with 8 bits");
	bios_with_fb(&m, 0xB8000, 159, 80, 25, 16, 2, NULL, 0);
	EXPECT_FB_REFUSED(&m, "80x25 with pitch 159");
	bios_with_fb(&m, 0xFD000000, 4096, 1024, 768, 32, 1, fb_rgb, 0);
	m.len -= 8;   /* a tag of 24 bytes: shorter than the fixed part */
	{
		uint8_t *t = m.buf + m.len - 32;
		uint32_t sz = 24;

		memcpy(t + 4, &sz, 4);
		m.len -= 8;
		mbi_end(&m);
	}
	EXPECT_FB_REFUSED(&m, "tag size 24");
	/* Too big, at 0, past what we map, wrapping around. */
	bios_with_fb(&m, 0xFD000000, 65536, 16384, 2048, 32, 1, fb_rgb, 6);
	EXPECT_FB_REFUSED(&m, "more than the 64 MiB");
	bios_with_fb(&m, 0, 4096, 1024, 768, 32, 1, fb_rgb, 6);
	EXPECT_FB_REFUSED(&m, "outside 1..64 TiB");
	bios_with_fb(&m, (64ULL << 40) - 4096, 4096, 1024, 768, 32, 1, fb_rgb, 6);
	EXPECT_FB_REFUSED(&m, "outside 1..64 TiB");
	bios_with_fb(&m, 0xFFFFFFFFFFFFF000ULL, 4096, 1024, 768, 32, 1, fb_rgb, 6);
	EXPECT_FB_REFUSED(&m, "outside 1..64 TiB");
	/* Over RAM the memory map calls usable (the hypervisor's or the
	 * guest's): refused, wherever the tag is in the block. */
	bios_with_fb(&m, 0x7f000000, 4096, 1024, 768, 32, 1, fb_rgb, 6);
	EXPECT_FB_REFUSED(&m, "overlaps usable RAM at 0x100000");
	/* Two framebuffer tags. */
	bios_with_fb(&m, 0xFD000000, 4096, 1024, 768, 32, 1, fb_rgb, 6);
	{
		uint8_t copy[40];

		memcpy(copy, m.buf + m.len - 8 - 40, 40);
		m.len -= 8;
		memcpy(mbi_tag(&m, 8, 38), copy, 40);
		mbi_end(&m);
	}
	EXPECT_FB_REFUSED(&m, "a second framebuffer tag");
}

TEST(mb2_repeated_unused_tags_are_fine)
{
	struct mbi m;

	/* GRUB writes one network tag (16) per interface. */
	mbi_start(&m);
	mbi_tag(&m, 16, 8 + 8);
	mbi_tag(&m, 16, 8 + 8);
	mbi_mmap(&m, bios_map, 2);
	mbi_end(&m);
	CHECK(mb2_parse(m.buf, m.len, 0x10000, &bi, err, sizeof(err)) == 0);
}

TEST(mb2_efi_map_descriptors_merge)
{
	struct mbi m;
	uint8_t *t;
	uint32_t ds = 48, dv = 1;
	/* 300 adjacent conventional/boot-services descriptors: one range. */
	const int n = 300;

	mbi_start(&m);
	t = mbi_tag(&m, 17, 16 + 48 * (uint32_t)n);
	CHECK(m.len < sizeof(m.buf) - 64);
	memcpy(t + 8, &ds, 4);
	memcpy(t + 12, &dv, 4);
	for (int i = 0; i < n; i++) {
		uint32_t type = i % 2 ? 7 : 4;
		uint64_t start = 0x100000ULL + 0x1000ULL * (uint64_t)i, pages = 1;

		memcpy(t + 16 + 48 * i, &type, 4);
		memcpy(t + 16 + 48 * i + 8, &start, 8);
		memcpy(t + 16 + 48 * i + 24, &pages, 8);
	}
	mbi_end(&m);
	CHECK(mb2_parse(m.buf, m.len, 0x10000, &bi, err, sizeof(err)) == 0);
	CHECK_EQ(bi.nefimap, 1);
	CHECK_EQ(bi.efimap[0].len, 0x1000ULL * (uint64_t)n);
	CHECK_EQ(bi.efimap[0].type, MEM_USABLE);
}

TEST(mb2_random_garbage_never_crashes)
{
	struct mbi m;

	srand(1234);
	for (int round = 0; round < 20000; round++) {
		good_bios(&m);
		for (int k = 0; k < 1 + round % 8; k++)
			m.buf[rand() % m.len] = (uint8_t)rand();
		(void)mb2_parse(m.buf, m.len, 0x10000, &bi, err, sizeof(err));
	}
	CHECK(1);
}

TEST(cmdline_options)
{
	struct hv_options o;

	CHECK(cmdline_parse("", &o, err, sizeof(err)) == 0);
	CHECK_EQ(o.serial_port, 0x3F8);
	CHECK_EQ(o.hv_mem, 30ULL << 20);
	CHECK(!o.exit_when_ready);
	CHECK(cmdline_parse("  serial=com2 hv_mem=64M   shutdown ", &o, err,
			    sizeof(err)) == 0);
	CHECK_EQ(o.serial_port, 0x2F8);
	CHECK_EQ(o.hv_mem, 64ULL << 20);
	CHECK(o.exit_when_ready);
	CHECK(cmdline_parse("serial=0x3e8", &o, err, sizeof(err)) == 0);
	CHECK_EQ(o.serial_port, 0x3E8);
	CHECK_EQ(o.heap_poison, HEAP_POISON_DEFAULT);
	CHECK(cmdline_parse("heap_poison=full", &o, err, sizeof(err)) == 0);
	CHECK_EQ(o.heap_poison, HEAP_POISON_FULL);
	CHECK(cmdline_parse("heap_poison=256", &o, err, sizeof(err)) == 0);
	CHECK_EQ(o.heap_poison, 256);
	CHECK(cmdline_parse("pci_hide=1f.3 pci_hide=3.0", &o, err,
			    sizeof(err)) == 0);
	CHECK_EQ(o.npci_hide, 2);
	CHECK_EQ(o.pci_hide[0], 31 << 3 | 3);
	CHECK_EQ(o.pci_hide[1], 3 << 3);
	CHECK_EQ(o.cpu_skip, UINT32_MAX);
	CHECK(cmdline_parse("cpu_skip=300", &o, err, sizeof(err)) == 0);
	CHECK_EQ(o.cpu_skip, 300);
	CHECK(cmdline_parse("cpu_skip=4294967295", &o, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cpu_skip: an APIC ID") != NULL);
	CHECK(!o.iommu_required);
	CHECK(cmdline_parse("iommu=required", &o, err, sizeof(err)) == 0);
	CHECK(o.iommu_required);
	CHECK(cmdline_parse("iommu=maybe", &o, err, sizeof(err)) == -1);
	CHECK(strstr(err, "iommu: required") != NULL);
	CHECK(cmdline_parse("iommu", &o, err, sizeof(err)) == -1);
}

TEST(cmdline_pci_hide_bad)
{
	static const char *bad[] = { "pci_hide=20.0", "pci_hide=1f.8",
		"pci_hide=1f", "pci_hide=.3", "pci_hide=1f.3x", "pci_hide=g.1",
		"pci_hide=", "pci_hide=0.0 pci_hide=0.1 pci_hide=0.2 "
		"pci_hide=0.3 pci_hide=0.4", "pci_hide=100.0" };
	struct hv_options o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cmdline_parse(bad[i], &o, err, sizeof(err)) != -1) {
			test_fail(__FILE__, __LINE__, "'%s' accepted", bad[i]);
			return;
		}
	CHECK(strstr(err, "pci_hide: DD.F, at most 4") != NULL);
}

TEST(cmdline_bad)
{
	struct hv_options o;

	CHECK(cmdline_parse("bogus", &o, err, sizeof(err)) == -1);
	CHECK_STR(err, "unknown option 'bogus'");
	CHECK(cmdline_parse("hv_mem=3M", &o, err, sizeof(err)) == -1);
	CHECK(strstr(err, "bad value in 'hv_mem=3M'") != NULL);
	CHECK_EQ(o.hv_mem, 30ULL << 20); /* default kept */
	CHECK(cmdline_parse("hv_mem=33M", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("hv_mem=4G", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("hv_mem=4080M", &o, err, sizeof(err)) == 0);
	CHECK(cmdline_parse("hv_mem=", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("serial=com9", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("serial", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("shutdown=1", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("heap_poison=8", &o, err, sizeof(err)) == -1);
	CHECK(strstr(err, "heap_poison: full or a multiple of 16") != NULL);
	CHECK_EQ(o.heap_poison, HEAP_POISON_DEFAULT);
	CHECK(cmdline_parse("heap_poison=100", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("heap_poison=2064", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("heap_poison=2048", &o, err, sizeof(err)) == 0);
	CHECK(cmdline_parse("heap_poison=4294967295", &o, err,
			    sizeof(err)) == -1);
	CHECK(cmdline_parse("heap_poison=fully", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("heap_poison", &o, err, sizeof(err)) == -1);
	/* The first problem is the one reported. */
	CHECK(cmdline_parse("a b", &o, err, sizeof(err)) == -1);
	CHECK_STR(err, "unknown option 'a'");
}

TEST(cmdline_net_options)
{
	struct hv_options o;
	char err[256];

	CHECK(cmdline_parse("", &o, err, sizeof(err)) == 0);
	CHECK_EQ(o.net_mode, NET_OFF);
	CHECK_EQ(o.udp_console_port, 4444);
	CHECK(!o.console_key_none);
	CHECK(cmdline_parse("net=auto console_key=none console_port=5000", &o,
			    err, sizeof(err)) == 0);
	CHECK_EQ(o.net_mode, NET_AUTO);
	CHECK(o.console_key_none);
	CHECK_EQ(o.udp_console_port, 5000);
	CHECK(cmdline_parse("net=00:1f.3 ip=192.168.1.9/24 gw=192.168.1.1", &o,
			    err, sizeof(err)) == 0);
	CHECK_EQ(o.net_mode, NET_BDF);
	CHECK_EQ(o.net_bdf, PCI_ADDR(0, 0, 31, 3));
	CHECK(o.ip_static);
	CHECK_EQ(o.ip, 0xC0A80109);
	CHECK_EQ(o.ip_prefix, 24);
	CHECK_EQ(o.gw, 0xC0A80101);
	CHECK(cmdline_parse("net=00:20.0", &o, err, sizeof(err)) == -1);
	CHECK(strstr(err, "net=00:20.0"));
	CHECK(cmdline_parse("net=yes", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("ip=10.0.0.1", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("gw=10.0.0.1", &o, err, sizeof(err)) == -1);
	CHECK(strstr(err, "gw= needs ip="));
	CHECK(cmdline_parse("console_key=0123", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("console_port=0", &o, err, sizeof(err)) == -1);
	CHECK(cmdline_parse("console_port=65536", &o, err, sizeof(err)) == -1);
	/* net_flood=: default 4 ms, 0 turns flood mode off, 16 at most. */
	CHECK(cmdline_parse("", &o, err, sizeof(err)) == 0);
	CHECK_EQ(o.net_flood_ms, NET_FLOOD_MS_DEFAULT);
	CHECK(cmdline_parse("net_flood=0", &o, err, sizeof(err)) == 0);
	CHECK_EQ(o.net_flood_ms, 0);
	CHECK(cmdline_parse("net_flood=16", &o, err, sizeof(err)) == 0);
	CHECK_EQ(o.net_flood_ms, 16);
	CHECK(cmdline_parse("net_flood=17", &o, err, sizeof(err)) == -1);
	CHECK(strstr(err, "net_flood: 0..16"));
}

/* console_key=HEX is parsed to its bytes; a bad key is refused without
 * being echoed; cmdline_redact hides every key value but "none". */
TEST(cmdline_console_key)
{
	struct hv_options o;
	char err[256];
	char line[] = "net=auto console_key=00112233445566778899aabbccddeeff"
		      "00112233445566778899AABBCCDDEEFF shutdown";
	char bad[] = "console_key=0011 xconsole_key=ab console_key=none";

	CHECK(cmdline_parse(line, &o, err, sizeof(err)) == 0);
	CHECK(o.console_key_set);
	CHECK(!o.console_key_none);
	CHECK_EQ(o.console_key[0], 0x00);
	CHECK_EQ(o.console_key[1], 0x11);
	CHECK_EQ(o.console_key[31], 0xFF);
	CHECK(o.console_key_text == line + strlen("net=auto console_key="));
	CHECK(cmdline_parse("console_key=0011", &o, err, sizeof(err)) < 0);
	CHECK(strstr(err, "0011") == NULL);
	CHECK(strstr(err, "console_key: 64 hex") != NULL);
	CHECK(!o.console_key_set);
	CHECK(cmdline_parse("console_key=none", &o, err, sizeof(err)) == 0);
	CHECK(o.console_key_none && !o.console_key_set);

	cmdline_redact(line);
	CHECK(!strcmp(line, "net=auto console_key=****************************"
		      "************************************ shutdown"));
	cmdline_redact(bad);
	CHECK(!strcmp(bad, "console_key=**** xconsole_key=ab console_key=none"));
}
