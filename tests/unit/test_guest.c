/*
 * tests/unit/test_guest.c - the guest's Multiboot2 and MADT parsers on
 * well-formed, malformed and hostile input.
 */
#include "guest/guest.h"
#include "test.h"

/* ---- a Multiboot2 information block builder ------------------------------ */
static uint64_t mbi_store[512];
static size_t mbi_len;

static void mbi_reset(void)
{
	memset(mbi_store, 0xcc, sizeof(mbi_store));
	mbi_len = 8;
}

static void mbi_tag(uint32_t type, const void *payload, uint32_t plen)
{
	uint8_t *p = (uint8_t *)mbi_store + mbi_len;
	uint32_t size = 8 + plen;
	memcpy(p, &type, 4);
	memcpy(p + 4, &size, 4);
	if (plen)
		memcpy(p + 8, payload, plen);
	mbi_len += (size + 7) & ~7u;
}

static void mbi_finish(void)
{
	mbi_tag(0, NULL, 0);
	uint32_t total = (uint32_t)mbi_len, zero = 0;
	memcpy(mbi_store, &total, 4);
	memcpy((uint8_t *)mbi_store + 4, &zero, 4);
}

static void mbi_mmap(const uint64_t (*e)[3], size_t n, uint32_t esz)
{
	uint8_t buf[2048] = { 0 };
	uint32_t ver = 0;
	memcpy(buf, &esz, 4);
	memcpy(buf + 4, &ver, 4);
	for (size_t i = 0; i < n; i++) {
		uint32_t type = (uint32_t)e[i][2];
		memcpy(buf + 8 + i * esz, &e[i][0], 8);
		memcpy(buf + 8 + i * esz + 8, &e[i][1], 8);
		memcpy(buf + 8 + i * esz + 16, &type, 4);
	}
	mbi_tag(6, buf, (uint32_t)(8 + n * esz));
}

static struct guest_boot gb;

TEST(guest_mb2_good)
{
	static const uint64_t map[][3] = {
		{ 0, 0x9fc00, 1 }, { 0x100000, 0x1ff00000, 1 },
		{ 0xfffc0000, 0x40000, 2 },
	};
	uint8_t rsdp[36] = "RSD PTR ";
	mbi_reset();
	mbi_tag(1, "exit smp", 9);
	mbi_tag(2, "GRUB", 5);
	mbi_mmap(map, 3, 24);
	mbi_tag(15, rsdp, sizeof(rsdp));
	mbi_finish();
	CHECK(mb2_parse(mbi_store, sizeof(mbi_store), &gb) == NULL);
	CHECK_STR(gb.cmdline, "exit smp");
	CHECK_STR(gb.loader, "GRUB");
	CHECK_EQ(gb.nr_ranges, 3);
	CHECK_EQ(gb.ranges[1].base, 0x100000);
	CHECK_EQ(gb.ranges[2].type, 2);
	CHECK_EQ(gb.rsdp_len, 36);
	CHECK(!gb.mmap_truncated);
}

TEST(guest_mb2_larger_entries_and_truncation)
{
	static uint64_t map[GUEST_MAX_RANGES + 5][3];
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		map[i][0] = i * 0x1000;
		map[i][1] = 0x1000;
		map[i][2] = 1;
	}
	mbi_reset();
	mbi_mmap(map, 60, 32);          /* entry_size 32: newer layout */
	mbi_finish();
	CHECK(mb2_parse(mbi_store, sizeof(mbi_store), &gb) == NULL);
	CHECK_EQ(gb.nr_ranges, 60);
	CHECK_EQ(gb.ranges[59].base, 59 * 0x1000);
	CHECK_STR(gb.cmdline, "");
	CHECK(gb.rsdp == NULL);
}

TEST(guest_mb2_refuses_bad_blocks)
{
	mbi_reset();
	mbi_tag(1, "x", 2);
	mbi_finish();
	/* misaligned pointer, too small, total_size beyond the buffer */
	CHECK(mb2_parse((uint8_t *)mbi_store + 4, 64, &gb) != NULL);
	CHECK(mb2_parse(mbi_store, 8, &gb) != NULL);
	CHECK(mb2_parse(mbi_store, mbi_len - 8, &gb) != NULL);
	/* unterminated command line */
	mbi_reset();
	mbi_tag(1, "abc", 3);
	mbi_finish();
	CHECK_STR(mb2_parse(mbi_store, sizeof(mbi_store), &gb),
		  "command line not terminated");
	/* tag size running past total_size */
	mbi_reset();
	mbi_tag(2, "GRUB", 5);
	mbi_finish();
	uint32_t huge = 0x1000;
	memcpy((uint8_t *)mbi_store + 12, &huge, 4);
	CHECK_STR(mb2_parse(mbi_store, sizeof(mbi_store), &gb), "tag size invalid");
	/* tag size below the header */
	uint32_t tiny = 4;
	memcpy((uint8_t *)mbi_store + 12, &tiny, 4);
	CHECK_STR(mb2_parse(mbi_store, sizeof(mbi_store), &gb), "tag size invalid");
	/* bad memory map entry size */
	static const uint64_t map[][3] = { { 0, 0x1000, 1 } };
	mbi_reset();
	mbi_mmap(map, 1, 20);
	mbi_finish();
	CHECK_STR(mb2_parse(mbi_store, sizeof(mbi_store), &gb),
		  "memory map entry size invalid");
	/* no end tag: total_size ends before one */
	mbi_reset();
	mbi_tag(2, "GRUB", 5);
	uint32_t total = (uint32_t)mbi_len;
	memcpy(mbi_store, &total, 4);
	CHECK_STR(mb2_parse(mbi_store, sizeof(mbi_store), &gb), "no end tag");
}

/* ---- ACPI: RSDP v2 -> XSDT -> MADT built in host memory ------------------- */
static uint8_t madt_buf[8192] __attribute__((aligned(8)));
static uint8_t xsdt_buf[64] __attribute__((aligned(8)));
static uint8_t rsdp_buf[36];

static void fix_sum(uint8_t *p, size_t n, size_t at)
{
	uint8_t s = 0;
	p[at] = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A MADT with the given raw entries; returns its length. */
static uint32_t build_tables(const uint8_t *entries, uint32_t elen)
{
	uint32_t mlen = 36 + 8 + elen;
	memset(madt_buf, 0, sizeof(madt_buf));
	memcpy(madt_buf, "APIC", 4);
	put32(madt_buf + 4, mlen);
	put32(madt_buf + 36, 0xfee00000);
	memcpy(madt_buf + 44, entries, elen);
	fix_sum(madt_buf, mlen, 9);

	memset(xsdt_buf, 0, sizeof(xsdt_buf));
	memcpy(xsdt_buf, "XSDT", 4);
	put32(xsdt_buf + 4, 36 + 8);
	put64(xsdt_buf + 36, (uint64_t)(uintptr_t)madt_buf);
	fix_sum(xsdt_buf, 44, 9);

	memset(rsdp_buf, 0, sizeof(rsdp_buf));
	memcpy(rsdp_buf, "RSD PTR ", 8);
	rsdp_buf[15] = 2;
	put32(rsdp_buf + 20, 36);
	put64(rsdp_buf + 24, (uint64_t)(uintptr_t)xsdt_buf);
	fix_sum(rsdp_buf, 20, 8);
	fix_sum(rsdp_buf, 36, 32);
	return mlen;
}

static struct guest_madt gm;

TEST(guest_madt_good)
{
	static const uint8_t e[] = {
		0, 8, 0, 0, 1, 0, 0, 0,         /* APIC 0 enabled */
		0, 8, 1, 2, 0, 0, 0, 0,         /* APIC 2 disabled: skipped */
		0, 8, 2, 3, 2, 0, 0, 0,         /* APIC 3 online capable */
		0, 8, 3, 3, 1, 0, 0, 0,         /* duplicate */
		1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0, /* IOAPIC: ignored */
		9, 16, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* x2APIC 7 */
	};
	build_tables(e, sizeof(e));
	CHECK(acpi_read_madt(rsdp_buf, 36, UINT64_MAX, &gm) == NULL);
	CHECK_EQ(gm.nr_cpus, 3);
	CHECK_EQ(gm.apic_ids[0], 0);
	CHECK_EQ(gm.apic_ids[1], 3);
	CHECK_EQ(gm.apic_ids[2], 7);
	CHECK_EQ(gm.lapic_base, 0xfee00000);
}

/* 255 xAPIC CPUs (IDs 0..254, all the guest can address: 0xFF is the
 * broadcast ID) and an x2APIC entry past 254, which an xAPIC guest
 * ignores: all 255 kept, nothing truncated. */
TEST(guest_madt_255_cpus)
{
	static uint8_t e[255 * 8 + 16];
	uint32_t n = 0;

	for (uint32_t i = 0; i < 255; i++, n += 8) {
		uint8_t l[8] = { 0, 8, (uint8_t)i, (uint8_t)i, 1, 0, 0, 0 };
		memcpy(e + n, l, 8);
	}
	uint8_t x[16] = { 9, 16, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
	put32(x + 4, 300);                      /* x2APIC ID 300: ignored */
	memcpy(e + n, x, 16);
	n += 16;
	build_tables(e, n);
	CHECK(acpi_read_madt(rsdp_buf, 36, UINT64_MAX, &gm) == NULL);
	CHECK_EQ(gm.nr_cpus, 255);
	CHECK(!gm.truncated);
	CHECK_EQ(gm.apic_ids[254], 254);
}

TEST(guest_madt_refuses_bad_tables)
{
	static const uint8_t good[] = { 0, 8, 0, 0, 1, 0, 0, 0 };
	static const uint8_t zero_len[] = { 0, 0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t short_lapic[] = { 0, 4, 0, 0 };
	static const uint8_t past_end[] = { 0, 8, 0, 0, 1, 0, 0, 0, 9, 16, 0, 0 };

	build_tables(zero_len, sizeof(zero_len));
	CHECK(acpi_read_madt(rsdp_buf, 36, UINT64_MAX, &gm) != NULL);
	build_tables(short_lapic, sizeof(short_lapic));
	CHECK(acpi_read_madt(rsdp_buf, 36, UINT64_MAX, &gm) != NULL);
	build_tables(past_end, sizeof(past_end));
	CHECK(acpi_read_madt(rsdp_buf, 36, UINT64_MAX, &gm) != NULL);

	build_tables(good, sizeof(good));
	madt_buf[20] ^= 1;              /* MADT checksum broken */
	CHECK_STR(acpi_read_madt(rsdp_buf, 36, UINT64_MAX, &gm), "no MADT");
	build_tables(good, sizeof(good));
	rsdp_buf[0] = 'X';              /* RSDP signature */
	CHECK(acpi_read_madt(rsdp_buf, 36, UINT64_MAX, &gm) != NULL);
	build_tables(good, sizeof(good));
	/* tables beyond the mapped limit are not followed */
	CHECK(acpi_read_madt(rsdp_buf, 36, (uintptr_t)xsdt_buf, &gm) != NULL);
	CHECK(acpi_read_madt(NULL, 0, UINT64_MAX, &gm) != NULL);
	CHECK(acpi_read_madt(rsdp_buf, 19, UINT64_MAX, &gm) != NULL);
}
