/*
 * tests/fuzz/fuzz_acpi.c - libFuzzer target for the ACPI parser (acpi/).
 *
 * The input is a fake physical memory image: byte 0 sits at IMG_BASE and
 * the RSDP copy handed to acpi_parse() is the first min(size, 36) bytes,
 * as tests/unit/test_acpi.c lays out its images (HV_ACPI_CORPUS=dir
 * ./build/unit/test_acpi writes the seeds of tests/fuzz/corpus/acpi/).
 * The map callback returns a heap copy of exactly the range asked for, so
 * ASan reports any read past what the parser mapped. After parsing, the
 * queries, acpi_copy_tables(), acpi_hide_table() and acpi_hide_cpus()
 * (both edit the image in place) run on the result too. The CPU list is
 * sized from the MADT (types 0 and 9): the allocator checks it is asked
 * once, for no more entries than the input can hold.
 *
 * Checksums would stop almost every mutation at the door, so inputs of odd
 * length are first "repaired": every checksum of the RSDP and of anything
 * that looks like a table we decode is recomputed (fix_checksums). Inputs
 * of even length (the seeds: 2 KiB) are taken as they are.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

#define IMG_BASE 0x7fe0000ull   /* same as tests/unit/test_acpi.c */
#define MAX_MAPS 4096

struct image {
	const uint8_t *data;
	size_t size;
	void *maps[MAX_MAPS];
	size_t nmaps;
	void *copies[8];
	size_t ncopies;
};

static struct image img;

static const void *fuzz_map(uint64_t pa, uint64_t len, void *ctx)
{
	struct image *m = ctx;
	void *p;

	if (len == 0 || pa + len < pa)
		abort();        /* the contract says this never happens */
	if (pa < IMG_BASE || len > m->size || pa - IMG_BASE > m->size - len)
		return NULL;
	if (m->nmaps == MAX_MAPS)
		abort();        /* unbounded mapping: a finding */
	p = malloc(len);
	memcpy(p, m->data + (pa - IMG_BASE), len);
	m->maps[m->nmaps++] = p;
	return p;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void fix_checksums(uint8_t *b, size_t size)
{
	static const char *const sigs[] = { "XSDT", "RSDT", "APIC", "FACP",
					    "MCFG", "HPET", "IVRS" };
	uint32_t len;

	/* From the top down, so tables inside tables stay right too. */
	for (size_t off = size >= 36 ? size - 36 : 0; off >= 36; off--) {
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			if (memcmp(b + off, sigs[i], 4) != 0)
				continue;
			memcpy(&len, b + off + 4, 4);
			if (len >= 36 && len <= size - off) {
				b[off + 9] = 0;
				b[off + 9] = (uint8_t)-sum(b + off, len);
			}
		}
	}
	if (size >= 20) {
		b[8] = 0;
		b[8] = (uint8_t)-sum(b, 20);
	}
	if (size >= 36) {
		memcpy(&len, b + 20, 4);
		if (len == 36) {       /* the whole RSDP copy */
			b[32] = 0;
			b[32] = (uint8_t)-sum(b, 36);
		}
	}
}

/* Writable, in place (acpi_hide_table edits the roots): exactly the
 * range asked for must lie in the image. */
static uint8_t *img_rw;

static void *fuzz_map_rw(uint64_t pa, uint64_t len, void *ctx)
{
	struct image *m = ctx;

	if (len == 0 || pa + len < pa)
		abort();
	if (pa < IMG_BASE || len > m->size || pa - IMG_BASE > m->size - len)
		return NULL;
	return img_rw + (pa - IMG_BASE);
}

static void *fuzz_alloc(size_t size)
{
	if (img.ncopies == 8 || size > (1u << 20))
		abort();        /* more copies or bigger ones than allowed */
	return img.copies[img.ncopies++] = malloc(size);
}

/* The CPU list: asked for at most once per parse (one MADT decoded),
 * never for more entries than the input could hold (a type 0 entry is 8
 * bytes), freed after each input. */
static void *cpu_list;
static size_t cpu_list_max;

static void *fuzz_cpu_alloc(size_t size)
{
	if (cpu_list || size == 0 || size / sizeof(struct acpi_cpu) > cpu_list_max)
		abort();
	return cpu_list = malloc(size);
}

/* The MADT edit keeps odd APIC IDs (types 0 and 9: x2APIC IDs past 255
 * included). */
static bool keep_odd(uint32_t apic_id, void *kctx)
{
	(void)kctx;
	return apic_id & 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_info info;
	size_t rsdp_len = size < 36 ? size : 36;
	uint8_t *rsdp = malloc(rsdp_len ? rsdp_len : 1);
	uint8_t *mem = malloc(size ? size : 1);
	const struct acpi_cpu *c;
	unsigned int it = 0, n = 0;

	memcpy(mem, data, size);
	{
		/* The input as raw AML too: the \_Sx scanner alone. */
		struct acpi_sleep sl;

		if (acpi_parse_sleep_types(mem, size, &sl) > 5)
			abort();
	}
	if (size & 1)
		fix_checksums(mem, size);
	memcpy(rsdp, mem, rsdp_len);
	img.data = mem;
	img.size = size;
	cpu_list_max = size / 8;
	if (acpi_parse(rsdp, rsdp_len, fuzz_map, &img, fuzz_cpu_alloc,
		       &info) == 0) {
		unsigned int disabled = 0;

		while ((c = acpi_cpu_next(&info, &it)) != NULL)
			n++;
		for (unsigned int i = 0; i < info.cpu_count; i++)
			disabled += !info.cpus[i].enabled;
		if (n != acpi_cpu_count(&info) || info.cpu_count > info.cpu_cap ||
		    (info.cpu_count && info.cpus != cpu_list) ||
		    (info.madt_present && (n != info.cpus_enabled ||
					   disabled != info.cpus_disabled)) ||
		    info.table_count > ACPI_MAX_TABLES)
			abort();
		(void)acpi_max_apic_id(&info);
		acpi_print_summary(&info);
		acpi_copy_tables(&info, fuzz_map, &img, fuzz_alloc);
		(void)acpi_table_copy(&info, "APIC", NULL);
		/* Last: it edits the image the maps above copied from. */
		img_rw = mem;
		(void)acpi_hide_table(rsdp, rsdp_len, "IVRS", fuzz_map_rw, &img);
		(void)acpi_hide_cpus(rsdp, rsdp_len, keep_odd, NULL,
				     fuzz_map_rw, &img);
	}
	free(cpu_list);
	cpu_list = NULL;
	while (img.nmaps)
		free(img.maps[--img.nmaps]);
	while (img.ncopies)
		free(img.copies[--img.ncopies]);
	free(rsdp);
	free(mem);
	return 0;
}
