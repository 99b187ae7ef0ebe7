/*
 * tests/unit/test_acpi.c - host tests of the ACPI parser (acpi/).
 *
 * A fake physical memory image holds realistic tables (RSDP v1/v2, XSDT,
 * RSDT, MADT, FADT, MCFG, HPET, IVRS); tests break them one way at a
 * time. img_map() hands out a fresh heap copy of exactly the range asked
 * for, so ASan catches any read past what the parser mapped.
 *
 * HV_ACPI_CORPUS=dir ./build/unit/test_acpi also writes the fuzz seeds
 * (tests/fuzz/corpus/acpi/): raw images, RSDP at offset 0, image byte 0
 * at IMG_BASE, as tests/fuzz/fuzz_acpi.c expects.
 */
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"
#include "acpi/tables.h"

#define IMG_BASE 0x7fe0000ull  /* physical address of image byte 0 */
#define IMG_SIZE 0x800         /* standard image: 2 KiB */

/* Standard layout (offsets into the image). */
#define OFF_RSDP 0x000
#define OFF_XSDT 0x040
#define OFF_RSDT 0x0a0
#define OFF_MADT 0x100
#define OFF_FADT 0x200
#define OFF_MCFG 0x340
#define OFF_HPET 0x380
#define OFF_IVRS 0x3c0
#define OFF_DSDT 0x400
#define OFF_FREE 0x440         /* spare room for tests */
#define PA(off) (IMG_BASE + (off))

struct img {
	uint8_t *mem;
	size_t size;
	uint64_t base;
	void **maps;           /* copies handed out by img_map */
	size_t nmaps, cap;
	unsigned int bad_calls; /* len 0 or wrapping ranges asked for */
};

static const void *img_map(uint64_t pa, uint64_t len, void *ctx)
{
	struct img *m = ctx;
	void *p;

	if (len == 0 || pa + len < pa)
		m->bad_calls++;
	if (pa < m->base || len > m->size || pa - m->base > m->size - len)
		return NULL;
	if (m->nmaps == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->maps = realloc(m->maps, m->cap * sizeof(*m->maps));
	}
	p = malloc(len);
	memcpy(p, m->mem + (pa - m->base), len);
	m->maps[m->nmaps++] = p;
	return p;
}

static void img_unmap_all(struct img *m)
{
	for (size_t i = 0; i < m->nmaps; i++)
		free(m->maps[i]);
	m->nmaps = 0;
}

static void img_free(struct img *m)
{
	img_unmap_all(m);
	free(m->maps);
	free(m->mem);
	memset(m, 0, sizeof(*m));
}

static void img_init(struct img *m, size_t size)
{
	memset(m, 0, sizeof(*m));
	m->mem = calloc(1, size);
	m->size = size;
	m->base = IMG_BASE;
}

static uint8_t img_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Recompute the checksum of the table at @off from its length field. */
static void sdt_fix(struct img *m, size_t off)
{
	struct acpi_sdt_header *h = (void *)(m->mem + off);

	h->checksum = 0;
	h->checksum = (uint8_t)-img_sum(m->mem + off, h->length);
}

static struct acpi_sdt_header *sdt_put(struct img *m, size_t off,
					      const char *sig, uint32_t len)
{
	struct acpi_sdt_header *h = (void *)(m->mem + off);

	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = 1;
	memcpy(h->oem_id, "HVTEST", 6);
	memcpy(h->oem_table_id, "HVTABLES", 8);
	h->oem_revision = 1;
	memcpy(&h->creator_id, "HVTC", 4);
	h->creator_revision = 1;
	return h;
}

/* RSDP at OFF_RSDP; revision 0 (20 bytes) or 2 (36 bytes). */
static void rsdp_put(struct img *m, uint8_t rev, uint32_t rsdt,
			    uint64_t xsdt)
{
	struct acpi_rsdp *r = (void *)(m->mem + OFF_RSDP);

	memset(r, 0, sizeof(*r));
	memcpy(r->signature, ACPI_RSDP_SIG, 8);
	memcpy(r->oem_id, "HVTEST", 6);
	r->revision = rev;
	r->rsdt_address = rsdt;
	r->checksum = (uint8_t)-img_sum((void *)r, ACPI_RSDP_V1_LEN);
	if (rev >= 2) {
		r->length = ACPI_RSDP_V2_LEN;
		r->xsdt_address = xsdt;
		r->ext_checksum = (uint8_t)-img_sum((void *)r, r->length);
	}
}

/* A root table (XSDT with 8-byte or RSDT with 4-byte entries). */
static void root_put(struct img *m, size_t off, bool xsdt,
			    const uint64_t *pas, size_t n)
{
	size_t esz = xsdt ? 8 : 4;

	sdt_put(m, off, xsdt ? "XSDT" : "RSDT", (uint32_t)(36 + n * esz));
	for (size_t i = 0; i < n; i++)
		memcpy(m->mem + off + 36 + i * esz, &pas[i], esz);
	sdt_fix(m, off);
}

/* Append a MADT entry of @len bytes at *off; returns it for filling. */
static uint8_t *madt_add(struct img *m, size_t *off, uint8_t type,
				uint8_t len)
{
	uint8_t *e = m->mem + *off;

	e[0] = type;
	e[1] = len;
	*off += len;
	return e;
}

/* The standard MADT: CPUs 0, 1 (enabled), 2 (online capable), x2APIC 300
 * (enabled), one IOAPIC, two ISOs, an NMI source, two local NMIs.
 * Returns its length. */
static uint32_t madt_std(struct img *m, size_t off)
{
	size_t p = off + sizeof(struct acpi_madt);
	struct acpi_madt *madt = (void *)(m->mem + off);
	struct acpi_madt_lapic *l;
	struct acpi_madt_x2apic *x;
	struct acpi_madt_ioapic *io;
	struct acpi_madt_iso *iso;
	struct acpi_madt_nmi_src *ns;
	struct acpi_madt_lapic_nmi *ln;
	struct acpi_madt_x2apic_nmi *xn;

	for (int i = 0; i < 3; i++) {
		l = (void *)madt_add(m, &p, ACPI_MADT_LAPIC, 8);
		l->uid = (uint8_t)i;
		l->apic_id = (uint8_t)i;
		l->flags = i < 2 ? ACPI_LAPIC_ENABLED :
				   ACPI_LAPIC_ONLINE_CAPABLE;
	}
	x = (void *)madt_add(m, &p, ACPI_MADT_X2APIC, 16);
	x->x2apic_id = 300;
	x->uid = 3;
	x->flags = ACPI_LAPIC_ENABLED;
	io = (void *)madt_add(m, &p, ACPI_MADT_IOAPIC, 12);
	io->ioapic_id = 4;
	io->address = 0xfec00000;
	io->gsi_base = 0;
	iso = (void *)madt_add(m, &p, ACPI_MADT_ISO, 10);
	iso->source = 0;
	iso->gsi = 2;
	iso = (void *)madt_add(m, &p, ACPI_MADT_ISO, 10);
	iso->source = 9;
	iso->gsi = 9;
	iso->flags = 0xd;
	ns = (void *)madt_add(m, &p, ACPI_MADT_NMI_SRC, 8);
	ns->gsi = 23;
	ns->flags = 0x5;
	ln = (void *)madt_add(m, &p, ACPI_MADT_LAPIC_NMI, 6);
	ln->uid = 0xff;
	ln->flags = 0x5;
	ln->lint = 1;
	xn = (void *)madt_add(m, &p, ACPI_MADT_X2APIC_NMI, 12);
	xn->uid = 3;
	xn->lint = 1;
	sdt_put(m, off, "APIC", (uint32_t)(p - off));
	madt->lapic_address = 0xfee00000;
	madt->flags = ACPI_MADT_PCAT_COMPAT;
	sdt_fix(m, off);
	return (uint32_t)(p - off);
}

/* A full ACPI 6 FADT: PM timer at port 0x608 (32-bit), PM1a_CNT 0x604,
 * SMI_CMD 0xb2, reset through port 0xcf9 value 6, X_DSDT set. */
static void fadt_std(struct img *m, size_t off, uint32_t len)
{
	struct acpi_fadt *f = (void *)(m->mem + off);

	sdt_put(m, off, "FACP", len);
	f->hdr.revision = 6;
	f->dsdt = (uint32_t)PA(OFF_DSDT);
	f->sci_int = 9;
	f->smi_cmd = 0xb2;
	f->acpi_enable = 0xf1;
	f->acpi_disable = 0xf0;
	f->pm1a_evt_blk = 0x600;
	f->pm1a_cnt_blk = 0x604;
	f->pm_tmr_blk = 0x608;
	f->pm1_evt_len = 4;
	f->pm1_cnt_len = 2;
	f->pm_tmr_len = 4;
	f->flags = ACPI_FADT_TMR_VAL_EXT | ACPI_FADT_RESET_REG_SUP;
	if (len >= 129) {
		f->reset_reg.space_id = ACPI_SPACE_IO;
		f->reset_reg.bit_width = 8;
		f->reset_reg.address = 0xcf9;
		f->reset_value = 6;
	}
	if (len >= 148)
		f->x_dsdt = PA(OFF_DSDT);
	sdt_fix(m, off);
}

/* The standard image: RSDP rev @rev, XSDT and RSDT listing FADT, MADT,
 * HPET, MCFG, IVRS. */
static void img_std(struct img *m, uint8_t rev)
{
	const uint64_t pas[] = { PA(OFF_FADT), PA(OFF_MADT), PA(OFF_HPET),
				 PA(OFF_MCFG), PA(OFF_IVRS) };
	struct acpi_mcfg_alloc *a;
	struct acpi_hpet *h;

	img_init(m, IMG_SIZE);
	root_put(m, OFF_XSDT, true, pas, 5);
	root_put(m, OFF_RSDT, false, pas, 5);
	madt_std(m, OFF_MADT);
	fadt_std(m, OFF_FADT, sizeof(struct acpi_fadt));

	sdt_put(m, OFF_MCFG, "MCFG", 44 + 16);
	a = (void *)(m->mem + OFF_MCFG + 44);
	a->base = 0xb0000000;
	a->end_bus = 255;
	sdt_fix(m, OFF_MCFG);

	h = (void *)sdt_put(m, OFF_HPET, "HPET", 56);
	h->event_timer_block_id = 0x8086a201;
	h->base.space_id = ACPI_SPACE_MEMORY;
	h->base.address = 0xfed00000;
	h->min_tick = 128;
	sdt_fix(m, OFF_HPET);

	sdt_put(m, OFF_IVRS, "IVRS", 64);
	sdt_fix(m, OFF_IVRS);
	sdt_put(m, OFF_DSDT, "DSDT", 36);
	sdt_fix(m, OFF_DSDT);
	rsdp_put(m, rev, (uint32_t)PA(OFF_RSDT), rev >= 2 ? PA(OFF_XSDT) : 0);
}

/* ---- helpers ------------------------------------------------------------ */

static struct acpi_info info;

/* Parse with an exact-size heap copy of the first @rsdp_len image bytes
 * as the Multiboot2 RSDP copy. */
static int parse_len(struct img *m, size_t rsdp_len)
{
	uint8_t *r = malloc(rsdp_len ? rsdp_len : 1);
	int ret;

	memcpy(r, m->mem + OFF_RSDP, rsdp_len);
	free(info.cpus);                /* the previous parse's CPU list */
	ret = acpi_parse(r, rsdp_len, img_map, m, malloc, &info);
	free(r);
	return ret;
}

static int parse(struct img *m)
{
	const struct acpi_rsdp *r = (const void *)(m->mem + OFF_RSDP);

	return parse_len(m, r->revision >= 2 ? ACPI_RSDP_V2_LEN :
			 ACPI_RSDP_V1_LEN);
}

static const struct acpi_table *tab(const char *sig)
{
	for (unsigned int i = 0; i < info.table_count; i++)
		if (!strcmp(info.tables[i].sig, sig))
			return &info.tables[i];
	return NULL;
}

static struct acpi_madt *madt_hdr(struct img *m)
{
	return (void *)(m->mem + OFF_MADT);
}

/* ---- good tables -------------------------------------------------------- */

TEST(acpi_v2_xsdt_full)
{
	struct img m;
	const struct acpi_fadt_info *f = &info.fadt;

	img_std(&m, 2);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(m.bad_calls, 0);
	CHECK_EQ(info.rsdp_revision, 2);
	CHECK_STR(info.oem_id, "HVTEST");
	CHECK(info.xsdt_used);
	CHECK_EQ(info.root_pa, PA(OFF_XSDT));
	CHECK_EQ(info.table_count, 5);
	CHECK_EQ(info.tables_bad, 0);
	CHECK_STR(info.tables[0].sig, "FACP");
	CHECK_STR(info.tables[1].sig, "APIC");
	for (unsigned int i = 0; i < 5; i++)
		CHECK(info.tables[i].valid && info.tables[i].used);
	CHECK_EQ(tab("APIC")->pa, PA(OFF_MADT));

	/* MADT */
	CHECK(info.madt_present);
	CHECK_EQ(info.lapic_address, 0xfee00000);
	CHECK_EQ(info.madt_flags, ACPI_MADT_PCAT_COMPAT);
	CHECK_EQ(info.cpu_count, 4);
	CHECK_EQ(info.cpus_enabled, 3);
	CHECK_EQ(info.cpus_disabled, 1);
	CHECK(info.cpus[2].online_capable && !info.cpus[2].enabled);
	CHECK(info.cpus[3].x2apic && info.cpus[3].enabled);
	CHECK_EQ(info.cpus[3].apic_id, 300);
	CHECK_EQ(info.cpus[3].uid, 3);
	CHECK_EQ(info.ioapic_count, 1);
	CHECK_EQ(info.ioapics[0].id, 4);
	CHECK_EQ(info.ioapics[0].address, 0xfec00000);
	CHECK_EQ(info.iso_count, 2);
	CHECK_EQ(info.isos[0].gsi, 2);
	CHECK_EQ(info.isos[1].source, 9);
	CHECK_EQ(info.isos[1].flags, 0xd);
	CHECK_EQ(info.nmi_src_count, 1);
	CHECK_EQ(info.nmi_srcs[0].gsi, 23);
	CHECK_EQ(info.lapic_nmi_count, 2);
	CHECK_EQ(info.lapic_nmis[0].uid, ACPI_UID_ALL);
	CHECK_EQ(info.lapic_nmis[0].lint, 1);
	CHECK_EQ(info.lapic_nmis[1].uid, 3);
	CHECK_EQ(info.madt_skipped, 0);

	/* FADT */
	CHECK(f->present);
	CHECK(f->pm_timer.present);
	CHECK_EQ(f->pm_timer.space, ACPI_SPACE_IO);
	CHECK_EQ(f->pm_timer.address, 0x608);
	CHECK(f->pm_timer_32bit);
	CHECK_EQ(f->pm1a_cnt.address, 0x604);
	CHECK(!f->pm1b_cnt.present);
	CHECK_EQ(f->smi_cmd, 0xb2);
	CHECK_EQ(f->sci_int, 9);
	CHECK(f->reset_supported);
	CHECK_EQ(f->reset_reg.address, 0xcf9);
	CHECK_EQ(f->reset_value, 6);
	CHECK_EQ(f->dsdt, PA(OFF_DSDT));

	/* MCFG, HPET, IVRS */
	CHECK_EQ(info.mcfg_count, 1);
	CHECK_EQ(info.mcfg[0].base, 0xb0000000);
	CHECK_EQ(info.mcfg[0].end_bus, 255);
	CHECK(info.hpet_present);
	CHECK_EQ(info.hpet_base, 0xfed00000);
	CHECK_EQ(info.hpet_min_tick, 128);
	CHECK(info.ivrs_present);
	CHECK_EQ(info.ivrs_pa, PA(OFF_IVRS));
	CHECK_EQ(info.ivrs_len, 64);
	CHECK_EQ(info.dropped, 0);
	acpi_print_summary(&info);
	img_free(&m);
}

TEST(acpi_cpu_iteration)
{
	struct img m;
	const struct acpi_cpu *c;
	uint32_t ids[8];
	unsigned int it = 0, n = 0;

	img_std(&m, 2);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(acpi_cpu_count(&info), 3);
	while ((c = acpi_cpu_next(&info, &it)) && n < 8)
		ids[n++] = c->apic_id;
	CHECK_EQ(n, 3);
	CHECK_EQ(ids[0], 0);
	CHECK_EQ(ids[1], 1);
	CHECK_EQ(ids[2], 300);
	CHECK(acpi_cpu_next(&info, &it) == NULL);
	CHECK_EQ(acpi_max_apic_id(&info), 300);
	img_free(&m);
}

TEST(acpi_v1_rsdt)
{
	struct img m;

	img_std(&m, 0);
	CHECK_EQ(parse_len(&m, ACPI_RSDP_V1_LEN), ACPI_OK);
	CHECK(!info.xsdt_used);
	CHECK_EQ(info.root_pa, PA(OFF_RSDT));
	CHECK_EQ(info.table_count, 5);
	CHECK_EQ(acpi_cpu_count(&info), 3);
	CHECK(info.fadt.present);
	img_free(&m);
}

TEST(acpi_v2_rsdp_from_old_tag_uses_rsdt)
{
	struct img m;

	img_std(&m, 2);
	CHECK_EQ(parse_len(&m, ACPI_RSDP_V1_LEN), ACPI_OK);
	CHECK(!info.xsdt_used);
	CHECK_EQ(info.table_count, 5);
	img_free(&m);
}

/* ---- RSDP --------------------------------------------------------------- */

TEST(acpi_rsdp_refused)
{
	struct img m;

	img_std(&m, 2);
	free(info.cpus);
	CHECK_EQ(acpi_parse(NULL, 36, img_map, &m, malloc, &info), ACPI_ERR_RSDP);
	CHECK_EQ(parse_len(&m, 19), ACPI_ERR_RSDP);
	m.mem[8] ^= 1;                  /* checksum */
	CHECK_EQ(parse(&m), ACPI_ERR_RSDP);
	m.mem[8] ^= 1;
	m.mem[0] = 'X';                 /* signature */
	CHECK_EQ(parse(&m), ACPI_ERR_RSDP);
	CHECK_EQ(info.table_count, 0);
	CHECK_EQ(acpi_cpu_count(&info), 0);
	img_free(&m);
}

TEST(acpi_rsdp_bad_ext_checksum_falls_back)
{
	struct img m;
	struct acpi_rsdp *r;

	img_std(&m, 2);
	r = (void *)(m.mem + OFF_RSDP);
	r->ext_checksum ^= 0x55;
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(!info.xsdt_used);
	CHECK_EQ(acpi_cpu_count(&info), 3);

	/* A length past the bytes given is not trusted either. */
	rsdp_put(&m, 2, (uint32_t)PA(OFF_RSDT), PA(OFF_XSDT));
	r->length = 200;
	r->ext_checksum = 0;
	r->ext_checksum = (uint8_t)-img_sum((void *)r, 36);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(!info.xsdt_used);
	img_free(&m);
}

/* ---- root tables -------------------------------------------------------- */

TEST(acpi_xsdt_address_garbage_falls_back)
{
	struct img m;

	img_std(&m, 2);
	memset(m.mem + OFF_FREE, 0xa5, 64);
	rsdp_put(&m, 2, (uint32_t)PA(OFF_RSDT), PA(OFF_FREE));
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(!info.xsdt_used);
	CHECK_EQ(info.table_count, 5);

	rsdp_put(&m, 2, (uint32_t)PA(OFF_RSDT), 0xfffffffffffffff0ull);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(!info.xsdt_used);

	/* XSDT checksum broken. */
	rsdp_put(&m, 2, (uint32_t)PA(OFF_RSDT), PA(OFF_XSDT));
	m.mem[OFF_XSDT + 40] ^= 1;
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(!info.xsdt_used);

	/* And no RSDT to fall back to. */
	rsdp_put(&m, 2, 0, PA(OFF_XSDT));
	CHECK_EQ(parse(&m), ACPI_ERR_ROOT);
	CHECK_EQ(m.bad_calls, 0);
	img_free(&m);
}

TEST(acpi_xsdt_entries_garbage)
{
	struct img m;
	const uint64_t pas[] = { 0, 0xdeadbeefcafef00dull, ~0ull,
				 PA(OFF_FREE), PA(IMG_SIZE - 8), 1 };

	img_std(&m, 2);
	memset(m.mem + OFF_FREE, 0xa5, 64);
	root_put(&m, OFF_XSDT, true, pas, 6);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(m.bad_calls, 0);
	CHECK_EQ(info.table_count, 5);  /* the null slot is not a table */
	CHECK_EQ(info.tables_bad, 5);
	for (unsigned int i = 0; i < info.table_count; i++)
		CHECK(!info.tables[i].valid && info.tables[i].why);
	CHECK(!info.madt_present);
	CHECK(!info.fadt.present);
	CHECK_EQ(acpi_cpu_count(&info), 0);
	acpi_print_summary(&info);
	img_free(&m);
}

TEST(acpi_root_trailing_bytes_and_duplicates)
{
	struct img m;
	const uint64_t pas[] = { PA(OFF_MADT), PA(OFF_MADT), PA(OFF_FADT) };

	img_std(&m, 2);
	root_put(&m, OFF_XSDT, true, pas, 3);
	((struct acpi_sdt_header *)(m.mem + OFF_XSDT))->length += 5;
	sdt_fix(&m, OFF_XSDT);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(info.xsdt_used);
	CHECK_EQ(info.table_count, 2);
	CHECK_EQ(acpi_cpu_count(&info), 3);
	img_free(&m);
}

/* ---- per-table validation ----------------------------------------------- */

static void check_madt_refused(struct img *m, const char *why)
{
	CHECK_EQ(parse(m), ACPI_OK);
	CHECK_EQ(m->bad_calls, 0);
	CHECK(tab("APIC") != NULL);
	CHECK(!tab("APIC")->valid);
	CHECK_STR(tab("APIC")->why, why);
	CHECK_EQ(info.tables_bad, 1);
	CHECK(!info.madt_present);
	CHECK_EQ(acpi_cpu_count(&info), 0);
	CHECK(info.fadt.present);       /* the others are unaffected */
}

TEST(acpi_table_bad_checksum)
{
	struct img m;

	img_std(&m, 2);
	m.mem[OFF_MADT + 50] ^= 0x10;
	check_madt_refused(&m, "bad checksum");
	img_free(&m);
}

TEST(acpi_table_truncated_length)
{
	struct img m;

	img_std(&m, 2);
	madt_hdr(&m)->hdr.length = 20;
	check_madt_refused(&m, "length shorter than its header");
	img_free(&m);
}

TEST(acpi_table_length_past_memory)
{
	struct img m;

	img_std(&m, 2);
	madt_hdr(&m)->hdr.length = IMG_SIZE;    /* runs off the image */
	check_madt_refused(&m, "length runs past accessible memory");
	madt_hdr(&m)->hdr.length = 0x80000000u;
	check_madt_refused(&m, "length over 1 MiB");
	img_free(&m);
}

TEST(acpi_table_header_past_memory)
{
	struct img m;
	const uint64_t pas[] = { PA(OFF_FADT), PA(IMG_SIZE - 20) };

	img_std(&m, 2);
	root_put(&m, OFF_XSDT, true, pas, 2);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(info.table_count, 2);
	CHECK_STR(info.tables[1].sig, "????");
	CHECK_STR(info.tables[1].why, "header not in accessible memory");
	img_free(&m);
}

TEST(acpi_missing_madt)
{
	struct img m;
	const uint64_t pas[] = { PA(OFF_FADT), PA(OFF_HPET) };

	img_std(&m, 2);
	root_put(&m, OFF_XSDT, true, pas, 2);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(!info.madt_present);
	CHECK_EQ(acpi_cpu_count(&info), 0);
	{
		unsigned int it = 0;
		CHECK(acpi_cpu_next(&info, &it) == NULL);
	}
	acpi_print_summary(&info);
	img_free(&m);
}

TEST(acpi_duplicate_madt_first_wins)
{
	struct img m;
	const uint64_t pas[] = { PA(OFF_MADT), PA(OFF_FREE) };
	size_t p = OFF_FREE + sizeof(struct acpi_madt);
	struct acpi_madt_lapic *l;

	img_std(&m, 2);
	l = (void *)madt_add(&m, &p, ACPI_MADT_LAPIC, 8);
	l->apic_id = 7;
	l->flags = ACPI_LAPIC_ENABLED;
	sdt_put(&m, OFF_FREE, "APIC", (uint32_t)(p - OFF_FREE));
	sdt_fix(&m, OFF_FREE);
	root_put(&m, OFF_XSDT, true, pas, 2);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(info.tables[0].used);
	CHECK(info.tables[1].valid && !info.tables[1].used);
	CHECK_EQ(acpi_cpu_count(&info), 3);

	/* When the first one is bad, the second is used. */
	m.mem[OFF_MADT + 40] ^= 1;
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(!info.tables[0].valid && info.tables[1].used);
	CHECK_EQ(acpi_cpu_count(&info), 1);
	CHECK_EQ(info.cpus[0].apic_id, 7);

	/* Also when the first one checks out but is too short to use. */
	sdt_put(&m, OFF_MADT, "APIC", 40);
	sdt_fix(&m, OFF_MADT);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(info.tables[0].valid && !info.tables[0].used);
	CHECK(info.tables[1].used);
	CHECK_EQ(acpi_cpu_count(&info), 1);
	img_free(&m);
}

/* ---- MADT entry walk ---------------------------------------------------- */

/* Build a MADT at OFF_MADT whose entries are written by @fill, refresh
 * checksum and parse it. */
static void madt_custom(struct img *m, void (*fill)(struct img *, size_t *))
{
	size_t p = OFF_MADT + sizeof(struct acpi_madt);

	memset(m->mem + OFF_MADT, 0, OFF_FADT - OFF_MADT);
	fill(m, &p);
	sdt_put(m, OFF_MADT, "APIC", (uint32_t)(p - OFF_MADT));
	madt_hdr(m)->lapic_address = 0xfee00000;
	sdt_fix(m, OFF_MADT);
}

static void lapic(struct img *m, size_t *p, uint8_t id, uint32_t flags)
{
	struct acpi_madt_lapic *l = (void *)madt_add(m, p, ACPI_MADT_LAPIC, 8);

	l->uid = id;
	l->apic_id = id;
	l->flags = flags;
}

static void fill_entry_past_end(struct img *m, size_t *p)
{
	lapic(m, p, 0, ACPI_LAPIC_ENABLED);
	lapic(m, p, 1, ACPI_LAPIC_ENABLED);
	/* Claims 16 bytes, only 8 are left in the table. */
	madt_add(m, p, ACPI_MADT_X2APIC, 8)[1] = 16;
}

TEST(acpi_madt_entry_past_end)
{
	struct img m;

	img_std(&m, 2);
	madt_custom(&m, fill_entry_past_end);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(info.madt_present);
	CHECK_EQ(acpi_cpu_count(&info), 2);  /* what came before is kept */
	CHECK_EQ(info.madt_skipped, 1);
	img_free(&m);
}

static void fill_zero_length(struct img *m, size_t *p)
{
	lapic(m, p, 0, ACPI_LAPIC_ENABLED);
	madt_add(m, p, ACPI_MADT_LAPIC, 8)[1] = 0;
	lapic(m, p, 2, ACPI_LAPIC_ENABLED);
}

static void fill_length_one(struct img *m, size_t *p)
{
	lapic(m, p, 0, ACPI_LAPIC_ENABLED);
	madt_add(m, p, 0x42, 8)[1] = 1;
	lapic(m, p, 2, ACPI_LAPIC_ENABLED);
}

static void fill_stray_byte(struct img *m, size_t *p)
{
	lapic(m, p, 0, ACPI_LAPIC_ENABLED);
	*p += 1;
}

TEST(acpi_madt_zero_and_tiny_lengths_terminate)
{
	struct img m;

	img_std(&m, 2);
	madt_custom(&m, fill_zero_length);
	CHECK_EQ(parse(&m), ACPI_OK);   /* returns: no endless loop */
	CHECK_EQ(acpi_cpu_count(&info), 1);
	CHECK_EQ(info.madt_skipped, 1);
	madt_custom(&m, fill_length_one);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(acpi_cpu_count(&info), 1);
	madt_custom(&m, fill_stray_byte);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(acpi_cpu_count(&info), 1);
	img_free(&m);
}

static void fill_short_and_unknown(struct img *m, size_t *p)
{
	uint8_t *e;

	lapic(m, p, 0, ACPI_LAPIC_ENABLED);
	madt_add(m, p, ACPI_MADT_LAPIC, 6);        /* too short: skipped */
	madt_add(m, p, ACPI_MADT_IOAPIC, 8);       /* too short: skipped */
	madt_add(m, p, 0x7f, 20);                  /* unknown: stepped over */
	madt_add(m, p, 0x0b, 80);                  /* GICC: not for us */
	e = madt_add(m, p, ACPI_MADT_LAPIC, 12);   /* longer: allowed */
	e[3] = 5;
	e[4] = ACPI_LAPIC_ENABLED;
	lapic(m, p, 6, 0);                         /* disabled, not capable */
}

TEST(acpi_madt_short_and_unknown_entries)
{
	struct img m;

	img_std(&m, 2);
	madt_custom(&m, fill_short_and_unknown);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(info.madt_skipped, 2);
	CHECK_EQ(info.cpu_count, 3);
	CHECK_EQ(acpi_cpu_count(&info), 2);
	CHECK_EQ(info.cpus[1].apic_id, 5);
	CHECK(!info.cpus[2].enabled && !info.cpus[2].online_capable);
	CHECK_EQ(info.ioapic_count, 0);
	CHECK_EQ(acpi_max_apic_id(&info), 5);
	img_free(&m);
}

static void fill_odd_cpus(struct img *m, size_t *p)
{
	struct acpi_madt_x2apic *x;
	struct acpi_madt_lapic_addr *a;
	struct acpi_madt_lapic_nmi *n;

	lapic(m, p, 0, ACPI_LAPIC_ENABLED);
	lapic(m, p, 0, ACPI_LAPIC_ENABLED);        /* duplicate ID */
	lapic(m, p, 0xff, ACPI_LAPIC_ENABLED);     /* broadcast ID */
	x = (void *)madt_add(m, p, ACPI_MADT_X2APIC, 16);
	x->x2apic_id = 0xffffffff;                 /* broadcast ID */
	x->flags = ACPI_LAPIC_ENABLED;
	x = (void *)madt_add(m, p, ACPI_MADT_X2APIC, 16);
	x->x2apic_id = 1;                          /* x2APIC entry, low ID */
	x->flags = ACPI_LAPIC_ENABLED;
	a = (void *)madt_add(m, p, ACPI_MADT_LAPIC_ADDR, 12);
	a->address = 0x1fee00000ull;
	a = (void *)madt_add(m, p, ACPI_MADT_LAPIC_ADDR, 12);
	a->address = 0x2fee00000ull;               /* second: ignored */
	n = (void *)madt_add(m, p, ACPI_MADT_LAPIC_NMI, 6);
	n->lint = 3;                               /* no such pin */
}

TEST(acpi_madt_duplicates_broadcast_override)
{
	struct img m;

	img_std(&m, 2);
	madt_custom(&m, fill_odd_cpus);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(acpi_cpu_count(&info), 2);
	CHECK_EQ(info.cpus[1].apic_id, 1);
	CHECK(info.cpus[1].x2apic);
	CHECK_EQ(info.lapic_address, 0x1fee00000ull);
	CHECK_EQ(info.lapic_nmi_count, 0);
	CHECK_EQ(info.madt_skipped, 5);
	img_free(&m);
}

TEST(acpi_madt_no_enabled_cpu)
{
	struct img m;
	struct acpi_madt_lapic *l;

	img_std(&m, 2);
	for (size_t off = OFF_MADT + 44; off < OFF_MADT + 68; off += 8) {
		l = (void *)(m.mem + off);
		l->flags = 0;
	}
	sdt_fix(&m, OFF_MADT);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(info.madt_present);
	CHECK_EQ(acpi_cpu_count(&info), 1);     /* the x2APIC one */
	img_free(&m);
}

/* 1100 x2APIC CPUs (IDs past 255, some disabled, some online capable)
 * and 40 IOAPICs: every CPU is kept (the list is sized from the MADT),
 * the IOAPICs over their limit are counted, never written past. */
#define MANY_CPUS 1100u
static void madt_many(struct img *m, size_t off, uint32_t ncpus)
{
	size_t p = off + sizeof(struct acpi_madt);
	struct acpi_madt_x2apic *x;
	struct acpi_madt_lapic *l;
	struct acpi_madt_ioapic *io;
	const uint64_t pas[] = { PA(0x800) };
	size_t size = 0x800 + 44 + 8 + ncpus * 16 + 40 * 12 + 64;

	m->mem = realloc(m->mem, size);
	memset(m->mem + m->size, 0, size - m->size);
	m->size = size;
	/* The boot CPU as a type 0 entry, then the x2APIC ones (5.2.12.12:
	 * IDs below 255 may appear as type 9 too). */
	l = (void *)madt_add(m, &p, ACPI_MADT_LAPIC, 8);
	l->uid = 0;
	l->apic_id = 0;
	l->flags = ACPI_LAPIC_ENABLED;
	for (uint32_t i = 1; i < ncpus; i++) {
		x = (void *)madt_add(m, &p, ACPI_MADT_X2APIC, 16);
		x->reserved_0x2 = 0;
		x->x2apic_id = i * 2;           /* sparse IDs, up to 2198 */
		x->uid = i;
		x->flags = i % 100 == 7 ? 0 :
			   i % 100 == 9 ? ACPI_LAPIC_ONLINE_CAPABLE :
			   ACPI_LAPIC_ENABLED;
	}
	for (uint8_t i = 0; i < 40; i++) {
		io = (void *)madt_add(m, &p, ACPI_MADT_IOAPIC, 12);
		io->ioapic_id = i;
		io->reserved_0x3 = 0;
		io->address = 0xfec00000u + i * 0x1000u;
		io->gsi_base = i * 24u;
	}
	sdt_put(m, off, "APIC", (uint32_t)(p - off));
	memset(m->mem + off + 36, 0, 8);
	sdt_fix(m, off);
	root_put(m, OFF_XSDT, true, pas, 1);
}

TEST(acpi_madt_many_cpus)
{
	struct img m;
	const struct acpi_cpu *c;
	unsigned int it = 0, n = 0, oc = 0;

	img_std(&m, 2);
	madt_many(&m, 0x800, MANY_CPUS);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(info.cpu_count, MANY_CPUS);
	/* 11 disabled (i % 100 == 7) and 11 online capable (== 9). */
	CHECK_EQ(info.cpus_disabled, 22);
	CHECK_EQ(acpi_cpu_count(&info), MANY_CPUS - 22);
	CHECK_EQ(info.ioapic_count, ACPI_MAX_IOAPICS);
	CHECK_EQ(info.dropped, 40 - ACPI_MAX_IOAPICS);
	CHECK_EQ(info.cpus[0].apic_id, 0);
	CHECK(!info.cpus[0].x2apic);
	CHECK_EQ(info.cpus[300].apic_id, 600);
	CHECK(info.cpus[300].x2apic && info.cpus[300].enabled);
	CHECK_EQ(info.cpus[MANY_CPUS - 1].apic_id, 2 * (MANY_CPUS - 1));
	CHECK(!info.cpus[7].enabled && !info.cpus[7].online_capable);
	CHECK(!info.cpus[9].enabled && info.cpus[9].online_capable);
	while ((c = acpi_cpu_next(&info, &it))) {
		CHECK(c->enabled);
		n++;
	}
	CHECK_EQ(n, MANY_CPUS - 22);
	for (unsigned int i = 0; i < info.cpu_count; i++)
		oc += info.cpus[i].online_capable;
	CHECK_EQ(oc, 11);
	/* 1099 is i % 100 == 99: enabled, the highest ID. */
	CHECK_EQ(acpi_max_apic_id(&info), 2 * (MANY_CPUS - 1));
	acpi_print_summary(&info);
	img_free(&m);
}

/* Without memory for its CPU list the MADT is not used: boot CPU only. */
static void *no_alloc(size_t size)
{
	(void)size;
	return NULL;
}

TEST(acpi_madt_cpu_list_no_memory)
{
	struct img m;
	uint8_t r[36];

	img_std(&m, 2);
	memcpy(r, m.mem + OFF_RSDP, sizeof(r));
	free(info.cpus);
	CHECK_EQ(acpi_parse(r, sizeof(r), img_map, &m, no_alloc, &info), ACPI_OK);
	CHECK(!info.madt_present);
	CHECK(info.cpus == NULL);
	CHECK_EQ(acpi_cpu_count(&info), 0);
	CHECK(info.fadt.present);       /* the rest is decoded */
	img_free(&m);
}

/* Duplicates are still refused with many CPUs: the same 1100 entries
 * twice keep 1100. */
TEST(acpi_madt_many_duplicates)
{
	struct img m;
	size_t off = 0x800, len;

	img_std(&m, 2);
	madt_many(&m, off, MANY_CPUS);
	len = ((struct acpi_sdt_header *)(m.mem + off))->length - 44;
	m.mem = realloc(m.mem, off + 44 + 2 * len);
	memcpy(m.mem + off + 44 + len, m.mem + off + 44, len);
	m.size = off + 44 + 2 * len;
	((struct acpi_sdt_header *)(m.mem + off))->length += (uint32_t)len;
	sdt_fix(&m, off);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(info.cpu_count, MANY_CPUS);
	CHECK_EQ(info.madt_skipped, MANY_CPUS);
	CHECK_EQ(info.cpu_cap, 2 * MANY_CPUS);   /* counted before dedup */
	img_free(&m);
}

/* acpi_hide_cpus: the CPUs the hypervisor leaves out become disabled in
 * the guest's MADT (types 0 and 9), the checksum stays good, the rest of
 * the table is untouched. */
static void *img_map_rw(uint64_t pa, uint64_t len, void *ctx)
{
	struct img *m = ctx;

	if (len == 0 || pa < m->base || len > m->size ||
	    pa - m->base > m->size - len)
		return NULL;
	return m->mem + (pa - m->base);
}

static bool keep_not_1(uint32_t apic_id, void *kctx)
{
	(void)kctx;
	return apic_id != 1;
}

static bool keep_below_1000(uint32_t apic_id, void *kctx)
{
	(void)kctx;
	return apic_id < 1000;
}

TEST(acpi_hide_cpus_in_madt)
{
	struct img m;
	uint8_t r[36];
	size_t off = 0x800;
	uint32_t len;

	img_std(&m, 2);
	madt_many(&m, off, MANY_CPUS);
	len = ((struct acpi_sdt_header *)(m.mem + off))->length;
	memcpy(r, m.mem + OFF_RSDP, sizeof(r));
	/* IDs 1000..2198 (i = 500..1099) enabled or online capable: 600
	 * minus the 6 disabled ones (i % 100 == 7). The RSDT's MADT (the
	 * standard one, IDs up to 300) keeps all. */
	CHECK_EQ(acpi_hide_cpus(r, sizeof(r), keep_below_1000, NULL,
				img_map_rw, &m), 594);
	CHECK_EQ(img_sum(m.mem + off, len), 0);
	CHECK_EQ(((struct acpi_sdt_header *)(m.mem + off))->length, len);
	/* A second pass finds nothing left. */
	CHECK_EQ(acpi_hide_cpus(r, sizeof(r), keep_below_1000, NULL,
				img_map_rw, &m), 0);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(info.cpu_count, MANY_CPUS);
	/* 1078 enabled before, 600 - 6 - 6 of them hidden. */
	CHECK_EQ(acpi_cpu_count(&info), 1078 - 588);
	CHECK(info.cpus[499].enabled);
	CHECK(!info.cpus[500].enabled && !info.cpus[500].online_capable);
	CHECK(!info.cpus[509].online_capable);
	CHECK(info.cpus[9].online_capable);
	CHECK_EQ(info.ioapic_count, ACPI_MAX_IOAPICS);
	/* The standard image (type 0 entries, XSDT and RSDT naming one
	 * MADT): CPU 1 hidden once. */
	img_free(&m);
	img_std(&m, 2);
	memcpy(r, m.mem + OFF_RSDP, sizeof(r));
	CHECK_EQ(acpi_hide_cpus(r, sizeof(r), keep_not_1, NULL, img_map_rw, &m), 1);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(acpi_cpu_count(&info), 2);
	CHECK(!info.cpus[1].enabled);
	CHECK_EQ(acpi_hide_cpus(NULL, 36, keep_not_1, NULL, img_map_rw, &m), -1);
	img_free(&m);
}

/* ---- FADT, MCFG, HPET --------------------------------------------------- */

TEST(acpi_fadt_v1)
{
	struct img m;

	img_std(&m, 0);
	memset(m.mem + OFF_FADT, 0, sizeof(struct acpi_fadt));
	fadt_std(&m, OFF_FADT, ACPI_FADT_V1_LEN);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(info.fadt.present);
	CHECK_EQ(info.fadt.pm_timer.address, 0x608);
	CHECK_EQ(info.fadt.pm_timer.bit_width, 32);
	CHECK(!info.fadt.reset_supported);  /* flag set, no RESET_REG */
	CHECK_EQ(info.fadt.dsdt, PA(OFF_DSDT));

	/* Shorter than ACPI 1.0's FADT: refused. */
	memset(m.mem + OFF_FADT, 0, sizeof(struct acpi_fadt));
	fadt_std(&m, OFF_FADT, 100);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(tab("FACP")->valid);
	CHECK(!tab("FACP")->used);
	CHECK(!info.fadt.present);
	img_free(&m);
}

TEST(acpi_fadt_extended_blocks)
{
	struct img m;
	struct acpi_fadt *f;

	img_std(&m, 2);
	f = (void *)(m.mem + OFF_FADT);
	f->x_pm_tmr_blk.space_id = ACPI_SPACE_IO;
	f->x_pm_tmr_blk.bit_width = 32;
	f->x_pm_tmr_blk.address = 0xb008;
	f->x_pm1b_cnt_blk.space_id = 7;            /* unusable space */
	f->x_pm1b_cnt_blk.address = 0x1234;
	f->x_pm1a_cnt_blk.space_id = ACPI_SPACE_IO; /* supersedes 0x604 */
	f->x_pm1a_cnt_blk.bit_width = 16;
	f->x_pm1a_cnt_blk.address = 0xb004;
	f->flags &= ~(uint32_t)ACPI_FADT_TMR_VAL_EXT;
	f->reset_reg.space_id = 9;                 /* unusable space */
	sdt_fix(&m, OFF_FADT);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(info.fadt.pm_timer.address, 0xb008);
	CHECK(!info.fadt.pm_timer_32bit);
	CHECK(!info.fadt.pm1b_cnt.present);
	CHECK(!info.fadt.reset_supported);
	/* The X_ block is used, and the legacy port is kept beside it (a
	 * guest may write either, so the hypervisor guards both). */
	CHECK_EQ(info.fadt.pm1a_cnt.address, 0xb004);
	CHECK_EQ(info.fadt.pm1_cnt_port[0], 0x604);
	CHECK_EQ(info.fadt.pm1_evt_port[0], 0x600);
	CHECK_EQ(info.fadt.pm1a_evt.address, 0x600);

	/* A legacy PM timer block of the wrong size is not used. */
	f->x_pm_tmr_blk.address = 0;
	f->pm_tmr_len = 3;
	sdt_fix(&m, OFF_FADT);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(!info.fadt.pm_timer.present);

	/* Hardware-reduced: no fixed hardware at all. */
	f->pm_tmr_len = 4;
	f->flags |= ACPI_FADT_HW_REDUCED;
	sdt_fix(&m, OFF_FADT);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK(info.fadt.hw_reduced);
	CHECK(!info.fadt.pm_timer.present);
	CHECK(!info.fadt.pm1a_cnt.present);
	img_free(&m);
}

TEST(acpi_mcfg_hpet_ivrs_checks)
{
	struct img m;
	struct acpi_mcfg_alloc *a;
	struct acpi_hpet *h;

	const uint64_t pas[] = { PA(OFF_FREE), PA(OFF_HPET), PA(OFF_IVRS) };

	img_std(&m, 2);
	root_put(&m, OFF_XSDT, true, pas, 3);
	/* Two allocations + 8 stray bytes: bad bus range, then good. */
	sdt_put(&m, OFF_FREE, "MCFG", 44 + 2 * 16 + 8);
	a = (void *)(m.mem + OFF_FREE + 44);
	a[0].start_bus = 9;
	a[0].end_bus = 3;
	a[1].base = 0xe0000000;
	a[1].segment = 1;
	a[1].end_bus = 63;
	sdt_fix(&m, OFF_FREE);
	h = (void *)(m.mem + OFF_HPET);
	h->base.space_id = ACPI_SPACE_IO;
	sdt_fix(&m, OFF_HPET);
	((struct acpi_sdt_header *)(m.mem + OFF_IVRS))->length = 40;
	sdt_fix(&m, OFF_IVRS);
	CHECK_EQ(parse(&m), ACPI_OK);
	CHECK_EQ(info.mcfg_count, 1);
	CHECK_EQ(info.mcfg[0].segment, 1);
	CHECK_EQ(info.mcfg[0].base, 0xe0000000);
	CHECK(!info.hpet_present && !tab("HPET")->used);
	CHECK(!info.ivrs_present && !tab("IVRS")->used);
	CHECK_EQ(m.bad_calls, 0);
	img_free(&m);
}

/* ---- copies ------------------------------------------------------------ */

static unsigned int allocs_left;
static void *allocs[8];
static unsigned int nallocs;

static void *test_alloc(size_t size)
{
	if (allocs_left == 0 || nallocs == 8)
		return NULL;
	allocs_left--;
	return allocs[nallocs++] = malloc(size);
}

static void free_allocs(void)
{
	while (nallocs)
		free(allocs[--nallocs]);
}

TEST(acpi_copy_tables_kept)
{
	struct img m;
	const uint8_t *c;
	uint32_t len = 0;

	img_std(&m, 2);
	CHECK_EQ(parse(&m), ACPI_OK);
	img_unmap_all(&m);              /* the firmware copies are gone */
	allocs_left = 8;
	CHECK_EQ(acpi_copy_tables(&info, img_map, &m, test_alloc), ACPI_OK);
	CHECK_EQ(nallocs, 4);           /* MADT, FADT, MCFG, IVRS; not HPET */
	c = acpi_table_copy(&info, "APIC", &len);
	CHECK(c != NULL);
	CHECK_EQ(len, tab("APIC")->len);
	CHECK(!memcmp(c, m.mem + OFF_MADT, len));
	CHECK(acpi_table_copy(&info, "IVRS", NULL) != NULL);
	CHECK(acpi_table_copy(&info, "HPET", NULL) == NULL);
	/* Copying again does nothing more. */
	CHECK_EQ(acpi_copy_tables(&info, img_map, &m, test_alloc), ACPI_OK);
	CHECK_EQ(nallocs, 4);
	free_allocs();
	img_free(&m);
}

TEST(acpi_copy_tables_failures)
{
	struct img m;

	img_std(&m, 2);
	CHECK_EQ(parse(&m), ACPI_OK);
	allocs_left = 1;
	CHECK_EQ(acpi_copy_tables(&info, img_map, &m, test_alloc),
		 ACPI_ERR_NOMEM);
	CHECK_EQ(nallocs, 1);
	free_allocs();

	CHECK_EQ(parse(&m), ACPI_OK);
	m.mem[OFF_MADT + 50] ^= 1;      /* changed behind our back */
	allocs_left = 8;
	CHECK_EQ(acpi_copy_tables(&info, img_map, &m, test_alloc),
		 ACPI_ERR_ROOT);
	CHECK(acpi_table_copy(&info, "APIC", NULL) == NULL);
	CHECK(acpi_table_copy(&info, "FACP", NULL) != NULL);
	free_allocs();
	img_free(&m);
}

/* ---- fuzz seeds -------------------------------------------------------- */

/* Two seeds per image: as is (even length) and with one more byte (odd
 * length: fuzz_acpi.c then repairs checksums after mutating). */
static void write_seed(const char *dir, const char *name, const struct img *m)
{
	char path[512];
	FILE *f;

	for (int odd = 0; odd < 2; odd++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, name,
			 odd ? "_repair" : "");
		f = fopen(path, "wb");
		if (!f) {
			test_fail(__FILE__, __LINE__, "cannot write %s", path);
			return;
		}
		fwrite(m->mem, 1, m->size, f);
		if (odd)
			fputc(0, f);
		fclose(f);
	}
}

TEST(acpi_write_fuzz_seeds)
{
	const char *dir = getenv("HV_ACPI_CORPUS");
	struct img m;

	if (!dir)
		return;
	img_std(&m, 2);
	write_seed(dir, "v2_xsdt", &m);
	madt_custom(&m, fill_short_and_unknown);
	write_seed(dir, "v2_madt_odd", &m);
	madt_custom(&m, fill_odd_cpus);
	write_seed(dir, "v2_madt_dups", &m);
	img_free(&m);
	img_std(&m, 2);
	madt_many(&m, 0x800, 300);
	write_seed(dir, "v2_madt_x2apic_300", &m);
	img_free(&m);
	img_std(&m, 0);
	memset(m.mem + OFF_FADT, 0, sizeof(struct acpi_fadt));
	fadt_std(&m, OFF_FADT, ACPI_FADT_V1_LEN);
	write_seed(dir, "v1_rsdt", &m);
	img_free(&m);
}

/* ---- sleep types from AML (acpi/sleep.c) -------------------------------- */

TEST(sleep_types_qemu_style)
{
	/* As QEMU's DSDT encodes them: Name (\_S3, Package (4) {1, 1, 0, 0})
	 * inside Scope (\): NameOp "_S3_" PackageOp len 6 count 4 ... */
	static const uint8_t aml[] = {
		0x10, 0x20, '\\', 0x00,                       /* some Scope */
		0x08, '_', 'S', '3', '_', 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00,
		0x08, '\\', '_', 'S', '4', '_', 0x12, 0x08, 0x04,
		0x0A, 0x02, 0x0A, 0x02, 0x00, 0x00,
		0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
	};
	struct acpi_sleep s;

	CHECK_EQ(acpi_parse_sleep_types(aml, sizeof(aml), &s), 3);
	CHECK(!s.known[1] && !s.known[2]);
	CHECK(s.known[3] && s.typ_a[3] == 1 && s.typ_b[3] == 1);
	CHECK(s.known[4] && s.typ_a[4] == 2 && s.typ_b[4] == 2);
	CHECK(s.known[5] && s.typ_a[5] == 0 && s.typ_b[5] == 0);
}

TEST(sleep_types_encodings)
{
	/* Word and dword prefixes, a single element (b = a), the low 3 bits. */
	static const uint8_t aml[] = {
		0x08, '_', 'S', '1', '_', 0x12, 0x05, 0x01, 0x0B, 0x0F, 0x00,
		0x08, '_', 'S', '5', '_', 0x12, 0x0C, 0x02,
		0x0C, 0x05, 0, 0, 0, 0x0C, 0x07, 0, 0, 0,
	};
	struct acpi_sleep s;

	CHECK_EQ(acpi_parse_sleep_types(aml, sizeof(aml), &s), 2);
	CHECK(s.typ_a[1] == 7 && s.typ_b[1] == 7);
	CHECK(s.typ_a[5] == 5 && s.typ_b[5] == 7);
}

TEST(sleep_types_refused_forms)
{
	/* A method, a name without NameOp, an empty package, a string
	 * element, a package cut by the end, conflicting duplicates. */
	static const uint8_t method[] = {
		0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xA4, 0x00,
	};
	static const uint8_t bare[] = {
		0x70, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x00,
	};
	static const uint8_t empty[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00,
	};
	static const uint8_t str[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01, 0x0D, 'x', 0x00,
	};
	static const uint8_t cut[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0C, 0x05, 0x00,
	};
	static const uint8_t twice[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x00,
		0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x01,
	};
	static const uint8_t same_twice[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x00,
		0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x00,
	};
	struct acpi_sleep s;

	CHECK_EQ(acpi_parse_sleep_types(method, sizeof(method), &s), 0);
	CHECK_EQ(acpi_parse_sleep_types(bare, sizeof(bare), &s), 0);
	CHECK_EQ(acpi_parse_sleep_types(empty, sizeof(empty), &s), 0);
	CHECK_EQ(acpi_parse_sleep_types(str, sizeof(str), &s), 0);
	CHECK_EQ(acpi_parse_sleep_types(cut, sizeof(cut), &s), 0);
	CHECK_EQ(acpi_parse_sleep_types(twice, sizeof(twice), &s), 0);
	CHECK(!s.known[5]);
	CHECK_EQ(acpi_parse_sleep_types(same_twice, sizeof(same_twice), &s), 1);
	CHECK_EQ(acpi_parse_sleep_types(NULL, 0, &s), 0);
	{
		/* Package (2) {5}: one element initialised, the second must
		 * not come from the next object's bytes; a PkgLength past the
		 * end; reserved PkgLength bits; a two-byte PkgLength. */
		static const uint8_t one_init[] = {
			0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0A, 0x05,
			0x0A, 0x07,
		};
		static const uint8_t too_long[] = {
			0x08, '_', 'S', '5', '_', 0x12, 0x09, 0x01, 0x0A, 0x05,
		};
		static const uint8_t reserved[] = {
			0x08, '_', 'S', '5', '_', 0x12, 0x74, 0x00, 0x01, 0x00,
		};
		static const uint8_t two_byte[] = {
			0x08, '_', 'S', '5', '_', 0x12, 0x45, 0x00, 0x01, 0x0A,
			0x06,
		};

		CHECK_EQ(acpi_parse_sleep_types(one_init, sizeof(one_init), &s), 1);
		CHECK(s.typ_a[5] == 5 && s.typ_b[5] == 5);
		CHECK_EQ(acpi_parse_sleep_types(too_long, sizeof(too_long), &s), 0);
		CHECK_EQ(acpi_parse_sleep_types(reserved, sizeof(reserved), &s), 0);
		CHECK_EQ(acpi_parse_sleep_types(two_byte, sizeof(two_byte), &s), 1);
		CHECK(s.typ_a[5] == 6);
	}
	CHECK_EQ(acpi_parse_sleep_types(method, 3, &s), 0);
}

TEST(sleep_types_every_prefix_is_bounded)
{
	/* Every truncation of a valid block parses without reading past its
	 * end (ASan watches) and never invents a state. */
	static const uint8_t aml[] = {
		0x08, '\\', '_', 'S', '5', '_', 0x12, 0x0C, 0x02,
		0x0C, 0x05, 0, 0, 0, 0x0C, 0x07, 0, 0, 0,
	};

	for (size_t n = 0; n <= sizeof(aml); n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct acpi_sleep s;
		unsigned found;

		memcpy(copy, aml, n);
		found = acpi_parse_sleep_types(copy, n, &s);
		CHECK(found == (n == sizeof(aml) ? 1u : 0u));
		free(copy);
	}
}
