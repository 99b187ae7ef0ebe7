/*
 * tests/unit/test_loader.c - loader/: guest memory map, Multiboot2 header,
 * ELF/a.out plans (valid and hostile), placement, information block.
 */
#include "test.h"

#include <stdlib.h>

#include "loader/formats.h"

/* ---- a machine: 2 GiB + 2 GiB above 4 GiB, hypervisor at 0x7E000000 --- */

#define HV_BASE 0x7E000000ull
#define HV_END  0x80000000ull

static const struct mem_range ranges[] = {
	{ 0x0, 0x9FC00, MEM_USABLE, 1 },
	{ 0x9FC00, 0x400, MEM_RESERVED, 2 },
	{ 0xF0000, 0x10000, MEM_RESERVED, 2 },
	{ 0x100000, 0x7FE00000 - 0x100000, MEM_USABLE, 1 },
	{ 0x7FE00000, 0x1E0000, MEM_ACPI_RECLAIM, 3 },
	{ 0x7FFE0000, 0x20000, MEM_RESERVED, 2 },
	{ 0xFFFC0000, 0x40000, MEM_RESERVED, 2 },
	{ 0x100000000ull, 0x80000000ull, MEM_USABLE, 1 },
};

/* The hypervisor in the middle of the big usable range. */
static const struct loader_memmap map = {
	ranges, ARRAY_SIZE(ranges), false, 0x7C000000ull, 0x7E000000ull, 0, 0
};

TEST(guest_mmap_splits_around_hv)
{
	struct mem_range out[32];
	size_t n = loader_guest_mmap(&map, out, ARRAY_SIZE(out));

	CHECK_EQ(n, ARRAY_SIZE(ranges) + 2);
	CHECK_EQ(out[3].base, 0x100000);
	CHECK_EQ(out[3].len, 0x7C000000 - 0x100000);
	CHECK_EQ(out[3].raw_type, 1);
	CHECK_EQ(out[4].base, 0x7C000000);
	CHECK_EQ(out[4].len, 0x2000000);
	CHECK_EQ(out[4].raw_type, 2);
	CHECK_EQ(out[5].base, 0x7E000000);
	CHECK_EQ(out[5].len, 0x7FE00000 - 0x7E000000);
	CHECK_EQ(out[5].raw_type, 1);
	CHECK_EQ(out[6].raw_type, 3);
	CHECK_EQ(out[9].base, 0x100000000ull);
	for (size_t i = 1; i < n; i++)
		CHECK(out[i - 1].base + out[i - 1].len <= out[i].base);
	/* a short output array still reports the full count */
	CHECK_EQ(loader_guest_mmap(&map, out, 2), n);
}

TEST(guest_mmap_unsorted_overlapping_and_types)
{
	static const struct mem_range in[] = {
		{ 0x200000, 0x100000, MEM_USABLE, 1 },
		{ 0x100000, 0x300000, MEM_USABLE, 1 },  /* overlaps the first */
		{ 0x180000, 0x10000, MEM_BAD, 5 },       /* restrictive wins */
		{ 0x500000, 0x1000, MEM_PERSISTENT, 7 },
		{ 0x600000, 0x1000, 0, 0xF00D },         /* unknown type kept */
		{ 0x700000, 0, MEM_USABLE, 1 },          /* empty: dropped */
	};
	struct loader_memmap m = { in, ARRAY_SIZE(in), false, 0x380000,
				   0x3C0000, 0, 0 };
	struct mem_range out[16];
	size_t n = loader_guest_mmap(&m, out, 16);

	/* [1M,1.5M) 1, [1.5M,+64K) 5, [..,2M) 1 (range 1 resumes), [2M,3M) 1
	 * (range 0 wins a tie: it comes first), [3M,3.5M) 1, hv, [3.75M,4M) 1,
	 * persistent, unknown */
	CHECK_EQ(n, 9);
	CHECK_EQ(out[0].base, 0x100000);
	CHECK_EQ(out[0].len, 0x80000);
	CHECK_EQ(out[1].raw_type, 5);
	CHECK_EQ(out[2].base + out[2].len, 0x200000);
	CHECK_EQ(out[3].base, 0x200000);
	CHECK_EQ(out[3].len, 0x100000);
	CHECK_EQ(out[5].base, 0x380000);
	CHECK_EQ(out[5].raw_type, 2);
	CHECK_EQ(out[6].base, 0x3C0000);
	CHECK_EQ(out[6].len, 0x40000);
	CHECK_EQ(out[7].raw_type, 7);
	CHECK_EQ(out[8].raw_type, 0xF00D);

	/* EFI: raw types are EFI numbers; the guest gets e820 ones */
	static const struct mem_range efi[] = {
		{ 0x0, 0x1000, MEM_USABLE, 7 },
		{ 0x1000, 0x1000, MEM_EFI_RUNTIME, 5 },
		{ 0x2000, 0x1000, MEM_ACPI_NVS, 10 },
	};
	struct loader_memmap me = { efi, 3, true, 0, 0, 0, 0 };

	CHECK_EQ(loader_guest_mmap(&me, out, 16), 3);
	CHECK_EQ(out[0].raw_type, 1);
	CHECK_EQ(out[1].raw_type, 2);
	CHECK_EQ(out[2].raw_type, 4);
}

/* ---- Multiboot2 headers ------------------------------------------------ */

struct mb2b {
	uint8_t *p;
	uint32_t len;
};

static void mb2_begin(struct mb2b *b, uint8_t *at)
{
	b->p = at;
	b->len = 16;
}

static void mb2_tag(struct mb2b *b, uint16_t type, uint16_t flags,
		    const uint32_t *payload, uint32_t words)
{
	struct mb2_htag t = { type, flags, 8 + 4 * words };

	memcpy(b->p + b->len, &t, 8);
	if (words)
		memcpy(b->p + b->len + 8, payload, 4 * words);
	b->len += ALIGN_UP(t.size, 8);
}

static void mb2_end(struct mb2b *b)
{
	struct mb2_header h = { MB2_HEADER_MAGIC, 0, 0, 0 };

	mb2_tag(b, 0, 0, NULL, 0);
	h.header_length = b->len;
	h.checksum = -(h.magic + h.architecture + h.header_length);
	memcpy(b->p, &h, 16);
}

static int find(const uint8_t *img, size_t size, struct mb2_header_info *h,
		struct loader_err *e)
{
	return loader_find_mb2_header(img, size, LOADER_MBI_PROVIDES_BASE, h,
				      e);
}

TEST(mb2_header_valid_and_tags)
{
	static uint8_t img[40000];
	uint32_t req[] = { 1, 6, 14 }, entry = 0x100040, cons = 2;
	struct mb2_header_info h;
	struct loader_err e;
	struct mb2b b;

	mb2_begin(&b, img + 0x40);
	mb2_tag(&b, 1, 1, req, 3);                /* optional request */
	mb2_tag(&b, 3, 0, &entry, 1);
	mb2_tag(&b, 4, 0, &cons, 1);
	mb2_tag(&b, 6, 0, NULL, 0);
	mb2_tag(&b, 5, 1, (uint32_t[]){ 0, 0, 32 }, 3); /* optional fb */
	mb2_tag(&b, 99, 1, NULL, 0);              /* optional unknown */
	mb2_end(&b);
	CHECK_EQ(find(img, sizeof(img), &h, &e), 0);
	CHECK_EQ(h.offset, 0x40);
	CHECK(h.has_entry && h.entry_addr == 0x100040);
	CHECK(h.module_align && h.console_flags == 2);
	CHECK_EQ(h.requested, BIT(1) | BIT(6) | BIT(14));

	/* required request of a type we lack */
	memset(img, 0, sizeof(img));
	mb2_begin(&b, img);
	mb2_tag(&b, 1, 0, req, 3);
	mb2_end(&b);
	CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_UNSUPPORTED);
	CHECK(strstr(e.msg, "type 14"));
	CHECK_EQ(loader_find_mb2_header(img, sizeof(img), LOADER_MBI_PROVIDES_BASE
		 | LOADER_MBI_PROVIDES_ACPI_OLD, &h, &e), 0);

	/* required framebuffer / EFI boot services / unknown: refused */
	uint16_t refused[] = { 5, 7, 42 };
	for (unsigned i = 0; i < 3; i++) {
		memset(img, 0, sizeof(img));
		mb2_begin(&b, img);
		mb2_tag(&b, refused[i], 0, (uint32_t[]){ 0, 0, 0 },
			refused[i] == 5 ? 3 : 0);
		mb2_end(&b);
		CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_UNSUPPORTED);
		CHECK(strstr(e.msg, "required header tag"));
	}
}

TEST(mb2_header_hostile)
{
	static uint8_t img[40000];
	struct mb2_header_info h;
	struct loader_err e;
	struct mb2b b;

	memset(img, 0, sizeof(img));
	CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_NOHDR);
	CHECK_EQ(find(img, 3, &h, &e), LOADER_E_NOHDR);

	/* bad checksum */
	mb2_begin(&b, img + 8);
	mb2_end(&b);
	img[8 + 12] ^= 1;
	CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_NOHDR);
	CHECK(strstr(e.msg, "checksum"));

	/* misaligned header is not found */
	memset(img, 0, sizeof(img));
	mb2_begin(&b, img + 4);
	mb2_end(&b);
	CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_NOHDR);

	/* past 32 KiB; straddling 32 KiB; straddling the image end */
	memset(img, 0, sizeof(img));
	mb2_begin(&b, img + 32768);
	mb2_end(&b);
	CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_NOHDR);
	memset(img, 0, sizeof(img));
	mb2_begin(&b, img + 32768 - 16);
	mb2_end(&b);
	CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_NOHDR);
	CHECK(strstr(e.msg, "32 KiB"));
	CHECK_EQ(find(img + 32768 - 24, 30, &h, &e), LOADER_E_NOHDR);

	/* a tag running past header_length */
	memset(img, 0, sizeof(img));
	mb2_begin(&b, img);
	mb2_tag(&b, 3, 0, (uint32_t[]){ 0x100000 }, 1);
	mb2_end(&b);
	((struct mb2_htag *)(img + 16))->size = 0x100;
	((struct mb2_header *)img)->checksum =
		-(MB2_HEADER_MAGIC + ((struct mb2_header *)img)->header_length);
	CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_HDR);
	CHECK(strstr(e.msg, "outside the header"));

	/* zero-size tag (would loop forever) */
	((struct mb2_htag *)(img + 16))->size = 0;
	CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_HDR);

	/* wrong size for a known tag; no end tag; end tag with size 16 */
	((struct mb2_htag *)(img + 16))->size = 16;
	CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_HDR);
	CHECK(strstr(e.msg, "bad size"));
	memset(img, 0, sizeof(img));
	mb2_begin(&b, img);
	mb2_tag(&b, 6, 0, NULL, 0);
	mb2_end(&b);
	((struct mb2_htag *)(img + 24))->type = 6;
	CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_HDR);
	CHECK(strstr(e.msg, "no end tag"));
	((struct mb2_htag *)(img + 24))->type = 0;
	((struct mb2_htag *)(img + 24))->size = 16;
	CHECK_EQ(find(img, sizeof(img), &h, &e), LOADER_E_HDR);
}


/* ---- ELF images --------------------------------------------------------- */

struct tseg {
	uint64_t paddr, vaddr, filesz, memsz;
};

static uint8_t elf[0x10000];

/* ELF with program headers at 0x40 and segment i's bytes (all i + 1) at
 * 0x1000 * (i + 1). Returns the image size. */
static size_t make_elf(bool is64, const struct tseg *s, unsigned n,
		       uint64_t entry)
{
	size_t size = 0x1000 * (n + 1);

	memset(elf, 0, sizeof(elf));
	memcpy(elf, "\177ELF", 4);
	elf[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	elf[EI_DATA] = ELFDATA2LSB;
	elf[EI_VERSION] = EV_CURRENT;
	for (unsigned i = 0; i < n; i++) {
		uint64_t off = 0x1000 * (i + 1);

		memset(elf + off, i + 1, s[i].filesz);
		if (is64) {
			struct elf64_phdr p = { PT_LOAD, 7, off, s[i].vaddr,
				s[i].paddr, s[i].filesz, s[i].memsz, 0x1000 };
			memcpy(elf + 0x40 + i * sizeof(p), &p, sizeof(p));
		} else {
			struct elf32_phdr p = { PT_LOAD, off, s[i].vaddr,
				s[i].paddr, s[i].filesz, s[i].memsz, 7, 0x1000 };
			memcpy(elf + 0x40 + i * sizeof(p), &p, sizeof(p));
		}
	}
	if (is64) {
		struct elf64_ehdr h = { .e_type = ET_EXEC,
			.e_machine = EM_X86_64, .e_version = 1,
			.e_entry = entry, .e_phoff = 0x40, .e_ehsize = 64,
			.e_phentsize = 56, .e_phnum = n };
		memcpy(elf + 16, (uint8_t *)&h + 16, sizeof(h) - 16);
	} else {
		struct elf32_ehdr h = { .e_type = ET_EXEC,
			.e_machine = EM_386, .e_version = 1,
			.e_entry = entry, .e_phoff = 0x40, .e_ehsize = 52,
			.e_phentsize = 32, .e_phnum = n };
		memcpy(elf + 16, (uint8_t *)&h + 16, sizeof(h) - 16);
	}
	return size;
}

static const struct mb2_header_info nohdr;

static int plan(size_t size, struct loader_plan *p, struct loader_err *e)
{
	return loader_plan(elf, size, &nohdr, &map, p, e);
}

/* Fake guest RAM: physical [1 MiB, 1 MiB + 8 MiB). */
#define FAKE_BASE 0x100000ull
#define FAKE_SIZE (8 * MiB)
static uint8_t *fake;

static void *fake_ptr(void *ctx, uint64_t pa, uint64_t len)
{
	if (pa < FAKE_BASE || len > FAKE_SIZE || pa - FAKE_BASE >
	    FAKE_SIZE - len)
		return NULL;
	return fake + (pa - FAKE_BASE);
}

TEST(elf32_plan_and_execute)
{
	struct tseg s[] = { { 0x100000, 0x100000, 0x800, 0x1000 },
			    { 0x200000, 0x200000, 0x100, 0x100 } };
	struct loader_plan p;
	struct loader_err e;
	size_t size = make_elf(false, s, 2, 0x100010);

	CHECK_EQ(plan(size, &p, &e), 0);
	CHECK_EQ(p.nops, 3);
	CHECK_EQ(p.ops[0].kind, LOADER_OP_COPY);
	CHECK_EQ(p.ops[0].dst, 0x100000);
	CHECK_EQ(p.ops[0].src, 0x1000);
	CHECK_EQ(p.ops[1].kind, LOADER_OP_ZERO);
	CHECK_EQ(p.ops[1].dst, 0x100800);
	CHECK_EQ(p.ops[1].len, 0x800);
	CHECK_EQ(p.entry, 0x100010);
	CHECK_EQ(p.load_end, 0x200100);

	fake = malloc(FAKE_SIZE);
	memset(fake, 0xEE, FAKE_SIZE);
	CHECK_EQ(loader_execute(&p, elf, size, fake_ptr, NULL, &e), 0);
	CHECK_EQ(fake[0], 1);
	CHECK_EQ(fake[0x7FF], 1);
	CHECK_EQ(fake[0x800], 0);
	CHECK_EQ(fake[0xFFF], 0);
	CHECK_EQ(fake[0x1000], 0xEE);
	CHECK_EQ(fake[0x100000], 2);
	CHECK_EQ(fake[0x100100], 0xEE);
	/* a plan reaching memory the callback refuses */
	p.ops[2].dst = 0x40000000;
	CHECK_EQ(loader_execute(&p, elf, size, fake_ptr, NULL, &e),
		 LOADER_E_ACCESS);
	free(fake);
}

TEST(elf64_higher_half_entry)
{
	uint64_t hh = 0xFFFFFFFF80000000ull;
	struct tseg s[] = { { 0x100000, hh + 0x100000, 0x200, 0x3000 } };
	struct loader_plan p;
	struct loader_err e;
	size_t size = make_elf(true, s, 1, hh + 0x100123);

	CHECK_EQ(plan(size, &p, &e), 0);
	CHECK_EQ(p.entry, 0x100123);
	/* entry outside every segment */
	make_elf(true, s, 1, hh + 0x200000);
	CHECK_EQ(plan(size, &p, &e), LOADER_E_ELF);
	CHECK(strstr(e.msg, "entry"));
	/* ... unless the entry tag gives it */
	struct mb2_header_info h = { .has_entry = true, .entry_addr = 0x100400 };
	CHECK_EQ(loader_plan(elf, size, &h, &map, &p, &e), 0);
	CHECK_EQ(p.entry, 0x100400);
	h.entry_addr = 0x500000;
	CHECK_EQ(loader_plan(elf, size, &h, &map, &p, &e), LOADER_E_ELF);
}

#define EXPECT_PLAN(size, code, text)                                     \
	do {                                                              \
		struct loader_plan p_;                                    \
		struct loader_err e_ = { "" };                            \
		CHECK_EQ(plan(size, &p_, &e_), (code));                   \
		if (!strstr(e_.msg, (text))) {                            \
			test_fail(__FILE__, __LINE__, "msg \"%s\" lacks "  \
				  "\"%s\"", e_.msg, (text));              \
			return;                                           \
		}                                                         \
	} while (0)

TEST(elf_hostile_headers)
{
	struct tseg s[] = { { 0x100000, 0x100000, 0x100, 0x100 } };
	size_t size;

	size = make_elf(false, s, 1, 0x100000);
	EXPECT_PLAN(40, LOADER_E_ELF, "not an ELF");
	size = make_elf(true, s, 1, 0x100000);
	EXPECT_PLAN(60, LOADER_E_ELF, "truncated");
	elf[EI_CLASS] = 3;
	EXPECT_PLAN(size, LOADER_E_ELF, "class");
	elf[EI_CLASS] = ELFCLASS64;
	elf[EI_DATA] = 2;
	EXPECT_PLAN(size, LOADER_E_ELF, "little-endian");
	elf[EI_DATA] = 1;
	((struct elf64_ehdr *)elf)->e_machine = EM_386;
	EXPECT_PLAN(size, LOADER_E_ELF, "not an x86 executable");
	((struct elf64_ehdr *)elf)->e_machine = EM_X86_64;
	((struct elf64_ehdr *)elf)->e_type = 3; /* ET_DYN */
	EXPECT_PLAN(size, LOADER_E_ELF, "not an x86 executable");
	((struct elf64_ehdr *)elf)->e_type = ET_EXEC;
	((struct elf64_ehdr *)elf)->e_phentsize = 32;
	EXPECT_PLAN(size, LOADER_E_ELF, "e_phentsize");
	((struct elf64_ehdr *)elf)->e_phentsize = 56;
	((struct elf64_ehdr *)elf)->e_phnum = 0xFFFF;
	EXPECT_PLAN(size, LOADER_E_ELF, "e_phnum");
	((struct elf64_ehdr *)elf)->e_phnum = 200;
	EXPECT_PLAN(size, LOADER_E_ELF, "past the image");
	((struct elf64_ehdr *)elf)->e_phnum = 1;
	((struct elf64_ehdr *)elf)->e_phoff = size - 8;
	EXPECT_PLAN(size, LOADER_E_ELF, "past the image");
	((struct elf64_ehdr *)elf)->e_phoff = ~0ull - 8;
	EXPECT_PLAN(size, LOADER_E_ELF, "past the image");
	((struct elf64_ehdr *)elf)->e_phoff = 0x40;
	((struct elf64_phdr *)(elf + 0x40))->p_type = 4;
	EXPECT_PLAN(size, LOADER_E_ELF, "no loadable segment");
}

TEST(elf_hostile_segments)
{
	struct tseg s[2];
	size_t size;

#define ONE(pa, fs, ms) \
	(s[0] = (struct tseg){ (pa), (pa), (fs), (ms) }, \
	 make_elf(true, s, 1, (pa)))
	size = ONE(0x100000, 0x200, 0x100);
	EXPECT_PLAN(size, LOADER_E_ELF, "filesz 0x200 > memsz 0x100");
	size = ONE(0x100000, 0x100, 0x100);
	((struct elf64_phdr *)(elf + 0x40))->p_offset = size - 0x80;
	EXPECT_PLAN(size, LOADER_E_ELF, "past the image end");
	((struct elf64_phdr *)(elf + 0x40))->p_offset = ~0ull;
	EXPECT_PLAN(size, LOADER_E_ELF, "past the image end");
	size = ONE(0xFFFFFFFFFFFFF000ull, 0x100, 0x2000);
	EXPECT_PLAN(size, LOADER_E_MEMORY, "below 4 GiB");
	size = ONE(0x100000000ull, 0x100, 0x100);
	EXPECT_PLAN(size, LOADER_E_MEMORY, "below 4 GiB");
	/* the hypervisor's range, fully and partly */
	size = ONE(0x7C100000, 0x100, 0x100);
	EXPECT_PLAN(size, LOADER_E_MEMORY, "hypervisor");
	size = ONE(0x7BFFF000, 0x100, 0x2000);
	EXPECT_PLAN(size, LOADER_E_MEMORY,
		    "segment 0 [0x7bfff000-0x7c001000) overlaps the hypervisor");
	/* reserved memory; a hole with no memory at all */
	size = ONE(0x9F000, 0x100, 0x1000);
	EXPECT_PLAN(size, LOADER_E_MEMORY, "0x9fc00 is not RAM (type 2)");
	size = ONE(0xA0000, 0x100, 0x1000);
	EXPECT_PLAN(size, LOADER_E_MEMORY, "no memory at 0xa0000");
	size = ONE(0x7FD00000, 0x100, 0x200000);
	EXPECT_PLAN(size, LOADER_E_MEMORY, "type 3");
	/* overlapping segments */
	s[0] = (struct tseg){ 0x100000, 0x100000, 0x100, 0x2000 };
	s[1] = (struct tseg){ 0x101000, 0x101000, 0x100, 0x100 };
	size = make_elf(false, s, 2, 0x100000);
	EXPECT_PLAN(size, LOADER_E_ELF, "overlaps another segment");
#undef ONE
}

/* ---- a.out kludge -------------------------------------------------------- */

TEST(aout_kludge)
{
	static uint8_t img[0x3000];
	struct mb2_header_info h = { .offset = 0x40, .has_address = true,
		.header_addr = 0x100040, .load_addr = 0x100000,
		.load_end_addr = 0x102000, .bss_end_addr = 0x105000,
		.has_entry = true, .entry_addr = 0x100080 };
	struct loader_plan p;
	struct loader_err e;

	CHECK_EQ(loader_plan(img, sizeof(img), &h, &map, &p, &e), 0);
	CHECK_EQ(p.nops, 2);
	CHECK_EQ(p.ops[0].src, 0);
	CHECK_EQ(p.ops[0].len, 0x2000);
	CHECK_EQ(p.ops[1].dst, 0x102000);
	CHECK_EQ(p.ops[1].len, 0x3000);
	CHECK_EQ(p.entry, 0x100080);
	h.load_end_addr = 0; /* whole file */
	h.bss_end_addr = 0;
	CHECK_EQ(loader_plan(img, sizeof(img), &h, &map, &p, &e), 0);
	CHECK_EQ(p.ops[0].len, sizeof(img));
	h.load_end_addr = 0x110000; /* more than the file */
	CHECK_EQ(loader_plan(img, sizeof(img), &h, &map, &p, &e),
		 LOADER_E_ELF);
	h.load_end_addr = 0;
	h.load_addr = 0x0FF000; /* header would be before the file start */
	CHECK_EQ(loader_plan(img, sizeof(img), &h, &map, &p, &e),
		 LOADER_E_HDR);
	h.load_addr = 0x100000;
	h.has_entry = false;
	CHECK_EQ(loader_plan(img, sizeof(img), &h, &map, &p, &e),
		 LOADER_E_HDR);
	CHECK(strstr(e.msg, "without entry"));
}

/* ---- placement ----------------------------------------------------------- */

TEST(place_modules_and_blocks)
{
	struct tseg s[] = { { 0x100000, 0x100000, 0x100, 0x400000 } };
	struct boot_module mods[] = {
		{ 0x200000, 0x212345, "guest x" },  /* under the segment */
		{ 0x600000, 0x601000, "keep" },     /* clear: stays */
		{ 0x7BFFF000, 0x7C001000, "hv" },   /* partly in the hv */
	};
	struct loader_block blk[] = { { 0x1800, 0x1000, 0 }, { 24, 0, 0 } };
	struct loader_move mv[3];
	struct loader_plan p;
	struct loader_err e;

	CHECK_EQ(plan(make_elf(false, s, 1, 0x100000), &p, &e), 0);
	CHECK_EQ(loader_place(&map, &p, mods, 3, mv, blk, 2, &e), 0);
	CHECK_EQ(mv[0].to, 0x500000);      /* first page above the segment */
	CHECK_EQ(mv[0].len, 0x12345);
	CHECK_EQ(mv[1].to, mv[1].from);
	CHECK_EQ(mv[2].to, 0x513000);      /* after module 0's new home */
	CHECK_EQ(blk[0].addr, 0x515000);   /* after module 2's */
	CHECK_EQ(blk[1].addr, 0x512348);   /* first fit, 8-aligned */
	/* moves copy */
	struct loader_move m2[] = { { 0x200000, 0x300000, 0x10 } };
	fake = calloc(1, FAKE_SIZE);
	fake[0x100000] = 0x5A;
	CHECK_EQ(loader_move_modules(m2, 1, fake_ptr, NULL, &e), 0);
	CHECK_EQ(fake[0x200000], 0x5A);
	m2[0].to = 0x10000000;
	CHECK_EQ(loader_move_modules(m2, 1, fake_ptr, NULL, &e),
		 LOADER_E_ACCESS);
	free(fake);
	/* no room */
	blk[0].size = 3 * GiB;
	CHECK_EQ(loader_place(&map, &p, mods, 3, mv, blk, 1, &e),
		 LOADER_E_NOSPACE);
	blk[0].size = 0x1000;
	blk[0].align = 3;
	CHECK_EQ(loader_place(&map, &p, mods, 3, mv, blk, 1, &e),
		 LOADER_E_INVAL);
}

/* ---- the information block -------------------------------------------- */

static const uint8_t *find_tag(const uint8_t *mbi, uint32_t type, int nth)
{
	uint32_t total, off = 8;
	struct mb2_tag t;

	memcpy(&total, mbi, 4);
	while (off + 8 <= total) {
		memcpy(&t, mbi + off, 8);
		if (t.type == type && nth-- == 0)
			return mbi + off;
		if (t.type == 0)
			return NULL;
		off += ALIGN_UP(t.size, 8);
	}
	return NULL;
}

TEST(mbi_build_and_parse_back)
{
	uint8_t rsdp1[20] = "RSD PTR ", rsdp2[36] = "RSD PTR ";
	struct boot_module mods[] = { { 0x500000, 0x512345, "guest a=b" },
				      { 0x600000, 0x601000, "initrd" } };
	struct loader_mbi_input in = { &map, "console=ttyS0", "thin-hv",
		mods, 2, rsdp1, 20, rsdp2, 36 };
	static uint64_t buf[1024];
	uint8_t *b = (uint8_t *)buf;
	struct mem_range gm[32];
	struct loader_err e;
	size_t need, n, i;
	const uint8_t *t;
	uint32_t v[4];

	CHECK_EQ(loader_build_mbi(&in, NULL, 0, &need, &e), LOADER_E_TOOSMALL);
	memset(buf, 0xCC, sizeof(buf));
	CHECK_EQ(loader_build_mbi(&in, buf, need - 1, &need, &e),
		 LOADER_E_TOOSMALL);
	CHECK_EQ(b[0], 0xCC); /* untouched */
	CHECK_EQ(loader_build_mbi(&in, buf, sizeof(buf), &need, &e), 0);
	memcpy(v, b, 8);
	CHECK_EQ(v[0], need);
	CHECK_EQ(v[1], 0);
	CHECK_EQ(need % 8, 0);
	CHECK_STR((const char *)find_tag(b, 1, 0) + 8, "console=ttyS0");
	CHECK_STR((const char *)find_tag(b, 2, 0) + 8, "thin-hv");
	t = find_tag(b, 3, 1);
	CHECK(t);
	memcpy(v, t + 8, 8);
	CHECK_EQ(v[0], 0x600000);
	CHECK_EQ(v[1], 0x601000);
	CHECK_STR((const char *)t + 16, "initrd");
	t = find_tag(b, 4, 0);
	memcpy(v, t + 8, 8);
	CHECK_EQ(v[0], 0x9FC00 / 1024);
	CHECK_EQ(v[1], (0x7C000000 - 0x100000) / 1024);
	t = find_tag(b, 6, 0);
	CHECK(t);
	memcpy(v, t, 16);
	n = loader_guest_mmap(&map, gm, 32);
	CHECK_EQ(v[1], 16 + n * 24);
	CHECK_EQ(v[2], 24);
	CHECK_EQ(v[3], 0);
	for (i = 0; i < n; i++) {
		struct mb2_mmap_entry me;

		memcpy(&me, t + 16 + i * 24, 24);
		CHECK_EQ(me.base_addr, gm[i].base);
		CHECK_EQ(me.length, gm[i].len);
		CHECK_EQ(me.type, gm[i].raw_type);
		CHECK_EQ(me.reserved, 0);
	}
	t = find_tag(b, 14, 0);
	CHECK(t && !memcmp(t + 8, "RSD PTR ", 8));
	memcpy(v, t, 8);
	CHECK_EQ(v[1], 28);
	CHECK(find_tag(b, 15, 0));
	t = find_tag(b, 0, 0);
	CHECK(t);
	CHECK_EQ(t + 8 - b, need);

	/* bad input */
	mods[1].end = 0x100001000ull;
	CHECK_EQ(loader_build_mbi(&in, buf, sizeof(buf), &need, &e),
		 LOADER_E_INVAL);
	mods[1].end = 0x601000;
	in.rsdp_old_len = 36;
	CHECK_EQ(loader_build_mbi(&in, buf, sizeof(buf), &need, &e),
		 LOADER_E_INVAL);
}

/* Pool and image apart (UEFI): two holes; what lies between keeps its
 * type (the ACPI tables there must stay visible to the guest). */
TEST(guest_mmap_two_holes)
{
	static const struct mem_range in[] = {
		{ 0x100000, 0x7F000000 - 0x100000, MEM_USABLE, 1 },
		{ 0x7F000000, 0x100000, MEM_ACPI_RECLAIM, 3 },
		{ 0x7F100000, 0x700000, MEM_USABLE, 1 },
	};
	struct loader_memmap m = { in, ARRAY_SIZE(in), false, 0x7C000000,
				   0x7E000000, 0x7F200000, 0x7F400000 };
	struct mem_range out[16];
	size_t n = loader_guest_mmap(&m, out, ARRAY_SIZE(out));
	struct loader_err err;

	CHECK_EQ(n, 7);
	CHECK_EQ(out[0].base, 0x100000);
	CHECK_EQ(out[1].base, 0x7C000000);
	CHECK_EQ(out[1].raw_type, 2);
	CHECK_EQ(out[2].base, 0x7E000000);
	CHECK_EQ(out[2].raw_type, 1);
	CHECK_EQ(out[3].base, 0x7F000000);
	CHECK_EQ(out[3].raw_type, 3);
	CHECK_EQ(out[4].base, 0x7F100000);
	CHECK_EQ(out[4].len, 0x100000);
	CHECK_EQ(out[5].base, 0x7F200000);
	CHECK_EQ(out[5].raw_type, 2);
	CHECK_EQ(out[6].base, 0x7F400000);
	CHECK_EQ(out[6].raw_type, 1);
	CHECK(loader_check_ram(&m, 0x7F300000, 0x7F301000, "segment", &err) ==
	      LOADER_E_MEMORY);
	CHECK(strstr(err.msg, "overlaps the hypervisor") != NULL);
}
