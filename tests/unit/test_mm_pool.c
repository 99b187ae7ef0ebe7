/*
 * tests/unit/test_mm_pool.c - mm_pick_pool on realistic BIOS e820 and EFI
 * maps, edge cases, and random maps against a brute-force reference.
 */
#include "test.h"
#include "test_mm.h"

#define R(b, l, t) { (b), (l), (t), (t) }
#define U MEM_USABLE

/* QEMU q35 SeaBIOS e820 with -m 2G. */
static const struct mem_range e820_2g[] = {
	R(0x0, 0x9fc00, U), R(0x9fc00, 0x400, MEM_RESERVED),
	R(0xf0000, 0x10000, MEM_RESERVED), R(0x100000, 0x7fee0000, U),
	R(0x7ffe0000, 0x20000, MEM_RESERVED), R(0xb0000000, 0x10000000, MEM_RESERVED),
	R(0xfed1c000, 0x4000, MEM_RESERVED), R(0xfeffc000, 0x4000, MEM_RESERVED),
	R(0xfffc0000, 0x40000, MEM_RESERVED),
};

/* An OVMF-style EFI map (classified): fragmented conventional memory,
 * boot-services ranges already usable, ACPI, NVS and runtime ranges in the
 * middle, RAM above 4 GiB. */
static const struct mem_range efi_6g[] = {
	R(0x0, 0xa0000, U), R(0x100000, 0x700000, U),
	R(0x800000, 0x8000, MEM_ACPI_NVS), R(0x808000, 0x8000, U),
	R(0x810000, 0xf0000, MEM_ACPI_NVS), R(0x900000, 0x3f700000, U),
	R(0x40000000, 0x3e000000, U),               /* adjacent: one run */
	R(0x7e000000, 0x200000, MEM_EFI_RUNTIME), R(0x7e200000, 0x600000, U),
	R(0x7e800000, 0x100000, MEM_ACPI_RECLAIM), R(0x7e900000, 0x1000000, U),
	R(0x7f900000, 0x500000, MEM_ACPI_NVS), R(0x7fe00000, 0x200000, MEM_RESERVED),
	R(0xe0000000, 0x10000000, MEM_MMIO), R(0x100000000, 0x100000000, U),
};

static int pick(const struct mem_range *map, size_t n,
		const struct mem_range *av, size_t nav, uint64_t ib,
		uint64_t ie, uint64_t size, uint64_t *out)
{
	*out = 0;
	return mm_pick_pool(map, n, av, nav, ib, ie, size, out);
}

TEST(pool_bios_directly_below_image)
{
	uint64_t b;

	/* GRUB placed the relocatable image high: 0x7f000000..0x7f400000. */
	CHECK_EQ(pick(e820_2g, ARRAY_SIZE(e820_2g), NULL, 0, 0x7f000000,
		      0x7f400000, 32 * MiB, &b), MM_OK);
	CHECK_EQ(b, 0x7d000000);
}

TEST(pool_above_when_below_is_taken)
{
	uint64_t b;
	/* A module sits right below the image: the pool goes above it. */
	const struct mem_range mods[] = { R(0x7e000000, 0x800000, 0) };

	CHECK_EQ(pick(e820_2g, ARRAY_SIZE(e820_2g), mods, 1, 0x7e800000,
		      0x7e900000, 16 * MiB, &b), MM_OK);
	CHECK_EQ(b, 0x7ea00000);
}

TEST(pool_highest_fit_otherwise)
{
	uint64_t b;
	/* Image at the very top, modules and the MB2 info just below it. */
	const struct mem_range av[] = {
		R(0x7c000000, 0x3000000, 0), R(0x7bfff000, 0x1000, 0),
	};

	CHECK_EQ(pick(e820_2g, ARRAY_SIZE(e820_2g), av, 2, 0x7f000000,
		      0x7ffc0000, 32 * MiB, &b), MM_OK);
	CHECK_EQ(b, 0x79e00000);   /* top 0x7be00000: below the MB2 info page */
}

TEST(pool_efi_skips_runtime_acpi_nvs)
{
	uint64_t b;

	/* Below the image is runtime/ACPI; above runs into NVS: highest fit
	 * is in the big conventional run, ending at the runtime range. */
	CHECK_EQ(pick(efi_6g, ARRAY_SIZE(efi_6g), NULL, 0, 0x7e900000,
		      0x7f000000, 32 * MiB, &b), MM_OK);
	CHECK_EQ(b, 0x7c000000);
	/* Spanning the 1 GiB boundary between two adjacent usable ranges. */
	const struct mem_range av[] = { R(0x40800000, 0x3d800000, 0) };
	CHECK_EQ(pick(efi_6g, ARRAY_SIZE(efi_6g), av, 1, 0x7e900000,
		      0x7f000000, 32 * MiB, &b), MM_OK);
	CHECK_EQ(b, 0x3e800000);
}

TEST(pool_never_above_4g_or_below_16m)
{
	uint64_t b;
	const struct mem_range high_only[] = {
		R(0x100000, 0x1300000, U),           /* 1..20 MiB */
		R(0x100000000, 0x100000000, U),
	};

	CHECK_EQ(pick(high_only, 2, NULL, 0, 0x200000, 0x400000, 8 * MiB, &b),
		 MM_ENOENT);
	CHECK_EQ(pick(high_only, 2, NULL, 0, 0x200000, 0x400000, 4 * MiB, &b),
		 MM_OK);
	CHECK_EQ(b, 16 * MiB);
}

TEST(pool_overlapping_ranges)
{
	uint64_t b;
	/* A reserved range overlapping a usable one wins. */
	const struct mem_range m[] = {
		R(0x100000, 0x7ff00000, U), R(0x6f000000, 0x100000, MEM_RESERVED),
	};

	CHECK_EQ(pick(m, 2, NULL, 0, 0x70000000, 0x70200000, 32 * MiB, &b),
		 MM_OK);
	CHECK_EQ(b, 0x70200000);             /* below is blocked: above */
	CHECK(b + 32 * MiB <= 0x80000000);
}

TEST(pool_128m_machine)
{
	uint64_t b;
	const struct mem_range m[] = {
		R(0x0, 0x9fc00, U), R(0x100000, 0x7ee0000, U),
		R(0x7fe0000, 0x20000, MEM_RESERVED),
	};

	CHECK_EQ(pick(m, 3, NULL, 0, 0x7a00000, 0x7c00000, 32 * MiB, &b),
		 MM_OK);
	CHECK_EQ(b, 0x5a00000);
	CHECK_EQ(pick(m, 3, NULL, 0, 0x7a00000, 0x7c00000, 128 * MiB, &b),
		 MM_ENOENT);
}

TEST(pool_bad_arguments)
{
	uint64_t b;

	CHECK_EQ(pick(e820_2g, 9, NULL, 0, 0x7f000000, 0x7f400000, 0, &b),
		 MM_EINVAL);
	CHECK_EQ(pick(e820_2g, 9, NULL, 0, 0x7f000000, 0x7f400000, 100, &b),
		 MM_EINVAL);
	CHECK_EQ(pick(e820_2g, 9, NULL, 0, 0x7f400000, 0x7f000000, 4096, &b),
		 MM_EINVAL);
	CHECK_EQ(pick(NULL, 0, NULL, 0, 0x7f000000, 0x7f400000, 4096, &b),
		 MM_ENOENT);
}

/* ---- random maps (1 MiB granularity) against brute force ------------------ */

#define UNITS 4096   /* 1 MiB units below 4 GiB */
static uint8_t good[UNITS];

static uint64_t rng = 12345;
static uint64_t rnd(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return rng >> 33;
}

static bool brute_fits(uint64_t base, uint64_t size)
{
	if (base % (2 * MiB) || base < 16 * MiB || base + size > 4 * GiB)
		return false;
	for (uint64_t u = base / MiB; u < (base + size) / MiB; u++)
		if (!good[u])
			return false;
	return true;
}

TEST(pool_random_maps_match_brute_force)
{
	struct mem_range m[12], av[3];
	uint8_t cover[UNITS], bad[UNITS];

	for (int iter = 0; iter < 300; iter++) {
		size_t n = 4 + rnd() % 8, nav = rnd() % 3;
		uint64_t size = (1 + rnd() % 64) * MiB, ib, ie, b, want = 0;
		bool want_found = false;
		int rc;

		memset(cover, 0, sizeof(cover));
		memset(bad, 0, sizeof(bad));
		for (size_t i = 0; i < n; i++) {
			uint64_t s = rnd() % UNITS, l = 1 + rnd() % 1500;
			if (s + l > UNITS + 100)
				l = UNITS + 100 - s;
			m[i] = (struct mem_range)R(s * MiB, l * MiB,
						   (rnd() % 3) ? U : MEM_RESERVED);
			for (uint64_t u = s; u < s + l && u < UNITS; u++)
				(m[i].type == U ? cover : bad)[u] = 1;
		}
		for (size_t i = 0; i < nav; i++) {
			uint64_t s = rnd() % UNITS, l = 1 + rnd() % 64;
			av[i] = (struct mem_range)R(s * MiB, l * MiB, 0);
			for (uint64_t u = s; u < s + l && u < UNITS; u++)
				bad[u] = 1;
		}
		ib = (64 + rnd() % (UNITS - 128)) * MiB;
		ie = ib + (1 + rnd() % 8) * MiB;
		for (uint64_t u = 0; u < UNITS; u++)
			good[u] = cover[u] && !bad[u] &&
				  !(u >= ib / MiB && u < ie / MiB);
		/* The preference order, by brute force. */
		if (brute_fits(ALIGN_DOWN(ib - size, 2 * MiB), size) &&
		    ib >= size) {
			want = ALIGN_DOWN(ib - size, 2 * MiB);
			want_found = true;
		} else if (brute_fits(ALIGN_UP(ie, 2 * MiB), size)) {
			want = ALIGN_UP(ie, 2 * MiB);
			want_found = true;
		} else {
			for (uint64_t c = 4 * GiB - 2 * MiB; c >= 16 * MiB;
			     c -= 2 * MiB)
				if (brute_fits(c, size)) {
					want = c;
					want_found = true;
					break;
				}
		}
		rc = pick(m, n, av, nav, ib, ie, size, &b);
		CHECK_EQ(rc, want_found ? MM_OK : MM_ENOENT);
		if (want_found)
			CHECK_EQ(b, want);
	}
}
