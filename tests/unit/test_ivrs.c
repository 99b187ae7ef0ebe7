/*
 * tests/unit/test_ivrs.c - iommu/ivrs.c: QEMU 7.2's IVRS as recorded from
 * a boot with -device amd-iommu, synthetic tables with every block and
 * device entry kind, and malformed tables, each refused with its reason.
 */
#include "test.h"

#include <stdlib.h>

#include "iommu/iommu.h"

/* QEMU 7.2, q35, -device amd-iommu -device edu (the hypervisor's copy,
 * dumped at boot): one IVHD 10h, select entries for 00:00.0 .. 00:1f.3,
 * the I/O APIC as 00:14.0. */
static const uint8_t qemu_ivrs[] = {
	0x49, 0x56, 0x52, 0x53, 0x70, 0x00, 0x00, 0x00, 0x01, 0xef, 0x42, 0x4f,
	0x43, 0x48, 0x53, 0x20, 0x42, 0x58, 0x50, 0x43, 0x20, 0x20, 0x20, 0x20,
	0x01, 0x00, 0x00, 0x00, 0x42, 0x58, 0x50, 0x43, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x10, 0xd1, 0x40, 0x00, 0x18, 0x00, 0x40, 0x00, 0x00, 0x00, 0xd8, 0xfe,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x44, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00, 0x00, 0x02, 0x10, 0x00, 0x00,
	0x02, 0x18, 0x00, 0x00, 0x02, 0x20, 0x00, 0x00, 0x02, 0xf8, 0x00, 0x00,
	0x02, 0xfa, 0x00, 0x00, 0x02, 0xfb, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00,
	0x00, 0xa0, 0x00, 0x01,
};

static struct ivrs_info iv;
static char err[160];

TEST(ivrs_qemu_recorded)
{
	CHECK_EQ(sizeof(qemu_ivrs), 0x70);
	CHECK_EQ(ivrs_parse(qemu_ivrs, sizeof(qemu_ivrs), &iv, err, sizeof(err)), 0);
	CHECK_EQ(iv.ivhd_type, 0x10);
	CHECK_EQ(iv.niommus, 1);
	CHECK_EQ(iv.iommus[0].base, 0xfed80000);
	CHECK_EQ(iv.iommus[0].devid, 0x18);          /* 00:03.0 */
	CHECK_EQ(iv.iommus[0].cap_offset, 0x40);
	CHECK_EQ(iv.iommus[0].ndevs, 8);
	CHECK_EQ(iv.ndevs, 8);
	CHECK_EQ(iv.devs[4].first, 0x20);            /* 00:04.0: edu */
	CHECK_EQ(iv.devs[7].last, 0xfb);             /* 00:1f.3 */
	CHECK_EQ(iv.nspecial, 1);
	CHECK_EQ(iv.special[0].variety, IVRS_VARIETY_IOAPIC);
	CHECK_EQ(iv.special[0].devid, 0xa0);
	CHECK_EQ(iv.special[0].handle, 0);
}

/* ---- a table builder ------------------------------------------------- */

struct tb {
	uint8_t b[2048];
	size_t len, blk;   /* blk: offset of the open block */
};

static void put(struct tb *t, const void *p, size_t n)
{
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

static void put8(struct tb *t, uint8_t v) { put(t, &v, 1); }
static void put16(struct tb *t, uint16_t v) { put(t, &v, 2); }
static void put32(struct tb *t, uint32_t v) { put(t, &v, 4); }
static void put64(struct tb *t, uint64_t v) { put(t, &v, 8); }

static void tb_start(struct tb *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "IVRS", 4);
	t->b[8] = 2;
	t->len = 48;
	memcpy(t->b + 36, "\x43\x30\x20\x00", 4);
}

static void tb_end(struct tb *t)
{
	uint32_t l = (uint32_t)t->len;

	memcpy(t->b + 4, &l, 4);
}

/* IVHD header; the block's length is fixed by blk_end. */
static void ivhd(struct tb *t, uint8_t type, uint16_t devid, uint64_t base)
{
	t->blk = t->len;
	put8(t, type);
	put8(t, 0xb0);
	put16(t, 0);
	put16(t, devid);
	put16(t, 0x40);
	put64(t, base);
	put16(t, 0);     /* segment */
	put16(t, 0);     /* info */
	put32(t, 0x12345678);
	if (type != 0x10) {
		put64(t, 0xabcdef01ull);   /* EFR image */
		put64(t, 0);
	}
}

static void blk_end(struct tb *t)
{
	uint16_t l = (uint16_t)(t->len - t->blk);

	memcpy(t->b + t->blk + 2, &l, 2);
}

static void ent4(struct tb *t, uint8_t type, uint16_t id, uint8_t setting)
{
	put8(t, type);
	put16(t, id);
	put8(t, setting);
}

static void ent8(struct tb *t, uint8_t type, uint16_t id, uint8_t setting,
		 uint32_t data)
{
	ent4(t, type, id, setting);
	put32(t, data);
}

static int parse(struct tb *t)
{
	tb_end(t);
	return ivrs_parse(t->b, t->len, &iv, err, sizeof(err));
}

#define ALIAS(src) ((uint32_t)(src) << 8)   /* bytes 5-6 of an alias entry */

static void full_table(struct tb *t)
{
	tb_start(t);
	/* An old-style block for the same IOMMU: superseded by 11h. */
	ivhd(t, 0x10, 0x02, 0xfd200000);
	ent4(t, 0x02, 0x0100, 0);
	blk_end(t);
	ivhd(t, 0x11, 0x02, 0xfd200000);
	ent4(t, 0x00, 0, 0);                       /* padding */
	ent4(t, 0x02, 0x0008, IVRS_DTE_LINT0PASS); /* select 00:01.0 */
	ent4(t, 0x03, 0x0010, 0);                  /* range 00:02.0 .. */
	ent4(t, 0x04, 0x0017, 0);                  /* .. 00:02.7 */
	ent8(t, 0x42, 0x0300, 0, ALIAS(0x0208));   /* alias select */
	ent8(t, 0x43, 0x0400, 0, ALIAS(0x0210));   /* alias range .. */
	ent4(t, 0x04, 0x04ff, 0);
	ent8(t, 0x46, 0x0500, 0, 0x80000000);      /* extended select */
	ent8(t, 0x47, 0x0600, 0, 0x80000000);      /* extended range .. */
	ent4(t, 0x04, 0x06ff, 0);
	ent8(t, 0x48, 0, 0xd7, (uint32_t)(0x21 | 0x00a0u << 8 | 1u << 24)); /* I/O APIC 0x21 */
	ent8(t, 0x48, 0, 0, (uint32_t)(0x00 | 0x00a5u << 8 | 2u << 24));    /* HPET 0 */
	ent4(t, 0x05, 0, 0);                       /* reserved 4-byte type */
	ent8(t, 0x41, 0, 0, 0);                    /* reserved 8-byte type */
	blk_end(t);
	/* An IVMD for one device, and a block of a reserved type. */
	t->blk = t->len;
	put8(t, 0x21); put8(t, 0x07); put16(t, 32); put16(t, 0x0008);
	put16(t, 0); put64(t, 0); put64(t, 0xdd000000); put64(t, 0x10000);
	t->blk = t->len;
	put8(t, 0x30); put8(t, 0); put16(t, 8); put32(t, 0);
}

TEST(ivrs_every_entry_kind)
{
	struct tb t;

	full_table(&t);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(iv.ivhd_type, 0x11);
	CHECK_EQ(iv.superseded, 1);
	CHECK_EQ(iv.niommus, 1);
	CHECK_EQ(iv.iommus[0].efr, 0xabcdef01);
	CHECK_EQ(iv.iommus[0].features, 0x12345678);
	CHECK_EQ(iv.ndevs, 6);
	CHECK_EQ(iv.devs[0].first, 0x0008);
	CHECK_EQ(iv.devs[0].setting, IVRS_DTE_LINT0PASS);
	CHECK_EQ(iv.devs[1].first, 0x0010);
	CHECK_EQ(iv.devs[1].last, 0x0017);
	CHECK(iv.devs[2].has_alias && iv.devs[2].alias == 0x0208);
	CHECK_EQ(iv.devs[2].first, 0x0300);
	CHECK_EQ(iv.devs[2].last, 0x0300);
	CHECK(iv.devs[3].has_alias && iv.devs[3].alias == 0x0210);
	CHECK_EQ(iv.devs[3].last, 0x04ff);
	CHECK(iv.devs[4].extended && iv.devs[4].ext_data == 0x80000000);
	CHECK_EQ(iv.devs[5].first, 0x0600);
	CHECK_EQ(iv.devs[5].last, 0x06ff);
	CHECK_EQ(iv.nspecial, 2);
	CHECK_EQ(iv.special[0].handle, 0x21);
	CHECK_EQ(iv.special[0].devid, 0xa0);
	CHECK_EQ(iv.special[0].setting, 0xd7);
	CHECK_EQ(iv.special[1].variety, IVRS_VARIETY_HPET);
	CHECK_EQ(iv.special[1].devid, 0xa5);
	CHECK_EQ(iv.nivmd, 1);
	CHECK_EQ(iv.ivmd[0].start, 0xdd000000);
	CHECK_EQ(iv.ivmd[0].first, 0x0008);
	CHECK_EQ(iv.unknown, 3);   /* two reserved entries, one block */
}

/* The IDs a device's DMA may carry: its own, then the alias of each run
 * naming it, once each (the hypervisor's NIC gets its entry on all). */
TEST(ivrs_request_ids_follow_aliases)
{
	struct tb t;
	uint16_t ids[4];

	full_table(&t);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(ivrs_request_ids(&iv, 0x0008, ids, 4), 1);
	CHECK_EQ(ids[0], 0x0008);
	CHECK_EQ(ivrs_request_ids(&iv, 0x0300, ids, 4), 2);
	CHECK_EQ(ids[0], 0x0300);
	CHECK_EQ(ids[1], 0x0208);
	CHECK_EQ(ivrs_request_ids(&iv, 0x0480, ids, 4), 2);
	CHECK_EQ(ids[1], 0x0210);
	/* Not named by any run: just itself; a full buffer is respected. */
	CHECK_EQ(ivrs_request_ids(&iv, 0x7777, ids, 4), 1);
	CHECK_EQ(ivrs_request_ids(&iv, 0x0300, ids, 1), 1);
	CHECK_EQ(ivrs_request_ids(&iv, 0x0300, ids, 0), 0);
}

TEST(ivrs_unity_ranges_from_ivmd)
{
	struct tb t;
	uint64_t r[4][2];

	full_table(&t);
	CHECK_EQ(parse(&t), 0);
	/* The table's IVMD: unity, IR, IW, 0xdd000000 + 64 KiB. */
	CHECK_EQ(ivrs_unity_ranges(&iv, r, 4), 1);
	CHECK_EQ(r[0][0], 0xdd000000);
	CHECK_EQ(r[0][1], 0xdd010000);
	CHECK_EQ(ivrs_unity_ranges(&iv, r, 0), 0);
	/* Unaligned widens to pages; not unity, empty or wrapping: none. */
	iv.ivmd[0].start = 0xdd000800;
	iv.ivmd[0].len = 0x1000;
	CHECK_EQ(ivrs_unity_ranges(&iv, r, 4), 1);
	CHECK_EQ(r[0][0], 0xdd000000);
	CHECK_EQ(r[0][1], 0xdd002000);
	iv.ivmd[0].flags = IVMD_EXCLUSION;
	CHECK_EQ(ivrs_unity_ranges(&iv, r, 4), 0);
	iv.ivmd[0].flags = IVMD_UNITY;
	iv.ivmd[0].len = 0;
	CHECK_EQ(ivrs_unity_ranges(&iv, r, 4), 0);
	iv.ivmd[0].start = ~0ull - 0x1000;
	iv.ivmd[0].len = 0x2000;
	CHECK_EQ(ivrs_unity_ranges(&iv, r, 4), 0);
}

TEST(ivrs_type40_acpi_hid_and_all)
{
	struct tb t;

	tb_start(&t);
	ivhd(&t, 0x40, 0x02, 0xfd300000);
	ent4(&t, 0x01, 0, 0);                      /* every device */
	/* F0h: devid 0x00a8, HID, CID, UID format 2, length 4, "UID0" */
	ent4(&t, 0xF0, 0x00a8, 0);
	put(&t, "AMDI0020", 8);
	put64(&t, 0);
	put8(&t, 2);
	put8(&t, 4);
	put(&t, "UID0", 4);
	blk_end(&t);
	ivhd(&t, 0x40, 0x42, 0xfd400000);          /* a second IOMMU */
	ent4(&t, 0x02, 0x4000, 0);
	blk_end(&t);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(iv.niommus, 2);
	CHECK_EQ(iv.devs[0].first, 0);
	CHECK_EQ(iv.devs[0].last, 0xffff);
	CHECK_EQ(iv.devs[1].first, 0x00a8);
	CHECK_EQ(iv.iommus[0].acpi_hid, 1);
	CHECK_EQ(iv.iommus[1].first_devs, 2);
	CHECK_EQ(iv.iommus[1].ndevs, 1);
}

/* Each malformed table is refused with a message naming the problem. */
static void expect_refused(struct tb *t, const char *why)
{
	int rc = parse(t);

	if (rc != -1 || !strstr(err, why))
		test_fail(__FILE__, __LINE__, "wanted \"%s\", got rc %d \"%s\"",
			  why, rc, err);
	if (iv.niommus || iv.ndevs)
		test_fail(__FILE__, __LINE__, "half-decoded output left");
}

TEST(ivrs_malformed)
{
	struct tb t;

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd200000);
	ent4(&t, 0x03, 0x10, 0);
	ent4(&t, 0x02, 0x18, 0);
	blk_end(&t);
	expect_refused(&t, "start not followed by its end");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd200000);
	ent4(&t, 0x03, 0x10, 0);
	blk_end(&t);
	expect_refused(&t, "start not followed by its end");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd200000);
	ent4(&t, 0x04, 0x10, 0);
	blk_end(&t);
	expect_refused(&t, "end without a start");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd200000);
	ent4(&t, 0x03, 0x20, 0);
	ent4(&t, 0x04, 0x10, 0);
	blk_end(&t);
	expect_refused(&t, "ends before it starts");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd200000);
	ent4(&t, 0x42, 0x10, 0);                   /* 8-byte entry cut */
	blk_end(&t);
	expect_refused(&t, "crosses the block's end");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd200000);
	ent4(&t, 0x02, 0x10, 0);
	put16(&t, 0);                              /* 2 stray bytes */
	blk_end(&t);
	expect_refused(&t, "crosses the block's end");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd200000);
	ent4(&t, 0x80, 0x10, 0);
	blk_end(&t);
	expect_refused(&t, "no known length");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd200000);
	ent4(&t, 0xF0, 0x10, 0);                   /* F0h cut short */
	put64(&t, 0);
	blk_end(&t);
	expect_refused(&t, "no known length");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd201000);
	blk_end(&t);
	expect_refused(&t, "not 16 KiB aligned");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0);
	blk_end(&t);
	expect_refused(&t, "base address zero");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd200000);
	blk_end(&t);
	ivhd(&t, 0x10, 3, 0xfd200000);
	blk_end(&t);
	expect_refused(&t, "two IOMMUs at one base");

	tb_start(&t);
	for (int i = 0; i < IVRS_MAX_IOMMUS + 1; i++) {
		ivhd(&t, 0x10, 2, 0xfd200000 + i * 0x4000ull);
		blk_end(&t);
	}
	expect_refused(&t, "more IOMMUs than supported");

	tb_start(&t);
	ivhd(&t, 0x11, 2, 0xfd200000);
	t.b[t.blk + 2] = 24;                        /* 11h needs 40 */
	t.len = t.blk + 24;
	expect_refused(&t, "shorter than its header");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd200000);
	blk_end(&t);
	t.b[t.blk + 2] += 4;                        /* past the table */
	expect_refused(&t, "crosses the table's end");

	tb_start(&t);
	put8(&t, 0x22); put8(&t, 0); put16(&t, 24);
	put(&t, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	expect_refused(&t, "IVMD block not 32 bytes");

	tb_start(&t);
	put8(&t, 0x33); put8(&t, 0); put16(&t, 2);
	expect_refused(&t, "block length below 4");

	tb_start(&t);
	put8(&t, 0x33); put8(&t, 0);
	expect_refused(&t, "block header crosses");

	tb_start(&t);
	expect_refused(&t, "no IVHD block");

	tb_start(&t);
	ivhd(&t, 0x10, 2, 0xfd200000);
	for (int i = 0; i < IVRS_MAX_RANGES + 1; i++)
		ent4(&t, 0x02, (uint16_t)i, 0);
	blk_end(&t);
	expect_refused(&t, "more device entries");

	/* Header: wrong length, too short, not IVRS. */
	full_table(&t);
	tb_end(&t);
	CHECK_EQ(ivrs_parse(t.b, t.len - 1, &iv, err, sizeof(err)), -1);
	CHECK(strstr(err, "not an IVRS table of this length"));
	CHECK_EQ(ivrs_parse(t.b, 40, &iv, err, sizeof(err)), -1);
	CHECK(strstr(err, "shorter than its 48-byte header"));
	t.b[0] = 'X';
	CHECK_EQ(ivrs_parse(t.b, t.len, &iv, err, sizeof(err)), -1);
}

/* Every prefix of a good table either parses or is refused cleanly
 * (ASan watches the reads). */
TEST(ivrs_every_truncation)
{
	struct tb t;
	uint8_t *copy;

	full_table(&t);
	tb_end(&t);
	for (size_t n = 0; n <= t.len; n++) {
		copy = malloc(n ? n : 1);
		memcpy(copy, t.b, n);
		if (n >= 8) {
			uint32_t l = (uint32_t)n;

			memcpy(copy + 4, &l, 4);
		}
		(void)ivrs_parse(copy, n, &iv, err, sizeof(err));
		free(copy);
	}
}
