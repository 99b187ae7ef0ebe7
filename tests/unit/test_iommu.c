/*
 * tests/unit/test_iommu.c - the pure parts of iommu/: I/O page tables
 * (exact coverage, holes, largest leaves, the non-present marker,
 * allocation failure), device table entries (DMA and interrupt policy),
 * event decoding (spec and QEMU 7.2 layouts), and acpi_hide_table (IVRS
 * taken out of the XSDT and RSDT in place).
 */
#include "test.h"

#include <stdlib.h>

#include "acpi/acpi.h"
#include "acpi/tables.h"
#include "iommu/iommu.h"

#define FAKE_PA   0x7000000000ull
#define MAX_PAGES 1024

static void *pages[MAX_PAGES];
static size_t used, live, limit;

static int fa_alloc(void *ctx, uint64_t *pa, void **va)
{
	if (used == MAX_PAGES || used >= limit)
		return -1;
	pages[used] = aligned_alloc(4096, 4096);
	memset(pages[used], 0xAB, 4096);
	*pa = FAKE_PA + used * 4096;
	*va = pages[used++];
	live++;
	return 0;
}

static void fa_free(void *ctx, uint64_t pa, void *va)
{
	size_t i = (pa - FAKE_PA) / 4096;

	if (i >= used || pages[i] != va)
		abort();
	free(va);
	pages[i] = NULL;
	live--;
}

static void *fa_va(void *ctx, uint64_t pa)
{
	size_t i = (pa - FAKE_PA) / 4096;

	if (pa < FAKE_PA || i >= used || !pages[i])
		abort();
	return pages[i];
}

static const struct iopt_ops ops = { fa_alloc, fa_free, fa_va, NULL };

static void fa_reset(size_t lim)
{
	used = live = 0;
	limit = lim;
}

#define MiB_ (1024ull * 1024)
#define GiB_ (1024ull * MiB_)

TEST(iopt_maps_ram_without_holes)
{
	/* Like q35 with 2 GiB: low RAM, RAM from 1 MiB, a pool hole. */
	const struct iopt_range ram[] = {
		{ 0, 0x9fc00 }, { 0x100000, 0x7ffdf000 }, { 0x100000000ull, 0x140000000ull },
	};
	const struct iopt_range holes[] = { { 0x7dc00000, 0x7fcc6000 } };
	struct iopt_layout l = { ram, 3, holes, 1 };
	struct iopt pt;
	uint64_t pa = 0;

	fa_reset(MAX_PAGES);
	CHECK_EQ(iopt_build(&pt, &l, &ops), 0);
	/* Mapped, identity, read and write. */
	CHECK_EQ(iopt_lookup(&pt, 0x1000, &pa), IOPTE_IR | IOPTE_IW);
	CHECK_EQ(pa, 0x1000);
	CHECK_EQ(iopt_lookup(&pt, 0x9e123, &pa), IOPTE_IR | IOPTE_IW);
	CHECK_EQ(pa, 0x9e123);
	CHECK_EQ(iopt_lookup(&pt, 0x12345678, &pa), IOPTE_IR | IOPTE_IW);
	CHECK_EQ(pa, 0x12345678);
	CHECK_EQ(iopt_lookup(&pt, 0x7dbfffff, NULL), IOPTE_IR | IOPTE_IW);
	CHECK_EQ(iopt_lookup(&pt, 0x7fcc6000, NULL), IOPTE_IR | IOPTE_IW);
	CHECK_EQ(iopt_lookup(&pt, 0x13fffffffull, &pa), IOPTE_IR | IOPTE_IW);
	CHECK_EQ(pa, 0x13fffffffull);
	/* Not mapped: the partial page at 0x9f000, the gap, the hole (both
	 * ends), the top of low RAM's partial range, above RAM, MMIO. */
	CHECK_EQ(iopt_lookup(&pt, 0x9f000, NULL), 0);
	CHECK_EQ(iopt_lookup(&pt, 0xa0000, NULL), 0);
	CHECK_EQ(iopt_lookup(&pt, 0x7dc00000, NULL), 0);
	CHECK_EQ(iopt_lookup(&pt, 0x7e5a5000, NULL), 0);
	CHECK_EQ(iopt_lookup(&pt, 0x7fcc5fff, NULL), 0);
	CHECK_EQ(iopt_lookup(&pt, 0x7ffdf000, NULL), 0);
	CHECK_EQ(iopt_lookup(&pt, 0xfed80000, NULL), 0);
	CHECK_EQ(iopt_lookup(&pt, 0x140000000ull, NULL), 0);
	CHECK_EQ(iopt_lookup(&pt, 0xffffffffff000ull, NULL), 0);
	/* Largest leaves: 1 GiB above 4 GiB; tables: root, one PDPT, two
	 * PDs below 4 GiB... counted exactly. */
	CHECK_EQ(pt.mapped, (0x9f000) + (0x7dc00000 - 0x100000) +
		 (0x7ffdf000 - 0x7fcc6000) + GiB_);
	CHECK_EQ(live, pt.table_pages);
	iopt_destroy(&pt);
	CHECK_EQ(live, 0);
}

/* The walk QEMU 7.2 does: a non-present entry met during the walk names
 * a next level, so the fault is reported (not silently denied). */
TEST(iopt_absent_entries_are_reportable)
{
	const struct iopt_range ram[] = { { 0, 64 * MiB_ } };
	const struct iopt_range holes[] = { { 16 * MiB_, 18 * MiB_ } };
	struct iopt_layout l = { ram, 1, holes, 1 };
	struct iopt pt;
	uint64_t *t;

	fa_reset(MAX_PAGES);
	CHECK_EQ(iopt_build(&pt, &l, &ops), 0);
	/* Level 4 -> 3 -> 2: entry 8 of the PD is the hole. */
	t = fa_va(NULL, pt.root[0] & IOPTE_ADDR);
	CHECK_EQ((pt.root[0] & IOPTE_NEXT_MASK) >> 9, 3);
	t = fa_va(NULL, t[0] & IOPTE_ADDR);
	CHECK_EQ(t[8], IOPTE_ABSENT);
	CHECK(!(t[8] & IOPTE_PR) && ((t[8] & IOPTE_NEXT_MASK) >> 9) == 1);
	CHECK_EQ(t[7], 7 * 2 * MiB_ | IOPTE_PR | IOPTE_IR | IOPTE_IW);
	CHECK_EQ(t[40], IOPTE_ABSENT);            /* beyond RAM */
	CHECK_EQ(pt.root[1], IOPTE_ABSENT);
	CHECK_EQ(pt.table_pages, 3);
	iopt_destroy(&pt);
}

TEST(iopt_allocation_failure_frees_everything)
{
	const struct iopt_range ram[] = { { 0x1000, 3 * GiB_ } };
	struct iopt_layout l = { ram, 1, NULL, 0 };
	struct iopt pt;

	for (size_t lim = 0; lim < 4; lim++) {
		fa_reset(lim);
		CHECK_EQ(iopt_build(&pt, &l, &ops), -1);
		CHECK_EQ(live, 0);
	}
	fa_reset(MAX_PAGES);
	CHECK_EQ(iopt_build(&pt, &l, &ops), 0);
	CHECK_EQ(pt.table_pages, 4);   /* root, PDPT, PD for 0-1G, PT */
	iopt_destroy(&pt);
	CHECK_EQ(live, 0);
	/* Out of the 48-bit range: refused. */
	{
		const struct iopt_range big[] = { { 0, 1ull << 49 } };
		struct iopt_layout lb = { big, 1, NULL, 0 };

		CHECK_EQ(iopt_build(&pt, &lb, &ops), -1);
	}
}

TEST(dte_policy)
{
	struct dte g = dte_guest(0x123456000ull, 0x7e000080ull);
	struct dte b = dte_blocked(0x222000, 0x7e000080ull);

	/* Guest devices: translated through the root, read/write. */
	CHECK_EQ(g.q[0] & (DTE_V | DTE_TV | DTE_IR | DTE_IW),
		 DTE_V | DTE_TV | DTE_IR | DTE_IW);
	CHECK_EQ((g.q[0] >> 9) & 7, IOPT_LEVELS);
	CHECK_EQ(g.q[0] & DTE_PT_ROOT, 0x123456000ull);
	CHECK_EQ(g.q[1] & DTE1_DOMAIN, IOMMU_DOMAIN_GUEST);
	CHECK_EQ(g.q[1] & (DTE1_SYSMGT | DTE1_IOCTL | DTE1_SE), 0);
	/* Interrupts: IV, fixed forwarded, INIT/ExtINT/NMI/LINT refused. */
	CHECK_EQ(g.q[2] & DTE2_IRT_ROOT, 0x7e000080ull);
	CHECK_EQ((g.q[2] & DTE2_INTCTL_MASK) >> 60, INTCTL_FORWARD);
	CHECK(g.q[2] & DTE2_IV);
	CHECK(dte_refuses_special_interrupts(&g));
	/* Blocked: no permission at the DTE, an empty walk, interrupts
	 * aborted. */
	CHECK_EQ(b.q[0] & (DTE_V | DTE_TV | DTE_IR | DTE_IW), DTE_V | DTE_TV);
	CHECK_EQ(b.q[0] & DTE_PT_ROOT, 0x222000);
	CHECK_EQ(b.q[1] & DTE1_DOMAIN, IOMMU_DOMAIN_BLOCKED);
	CHECK_EQ((b.q[2] & DTE2_INTCTL_MASK) >> 60, INTCTL_ABORT);
	CHECK(dte_refuses_special_interrupts(&b));
	/* The check itself notices a pass bit. */
	g.q[2] |= DTE2_INITPASS;
	CHECK(!dte_refuses_special_interrupts(&g));
	g.q[2] &= ~DTE2_INITPASS;
	g.q[1] |= 1ull << 40;
	CHECK(!dte_refuses_special_interrupts(&g));
	CHECK(!dte_refuses_special_interrupts(&(struct dte){ { 0 } }));
}

/* The hypervisor's NIC: its own domain and tables, NMI MSIs pass (its
 * signal), INIT/ExtINT/LINT/SMI still refused. */
TEST(dte_hypervisor_policy)
{
	struct dte h = dte_hypervisor(0x345000ull, 0x7e000080ull);
	uint64_t pass = DTE2_INITPASS | DTE2_EINTPASS | DTE2_NMIPASS |
			DTE2_LINT0PASS | DTE2_LINT1PASS;

	CHECK_EQ(h.q[0] & (DTE_V | DTE_TV | DTE_IR | DTE_IW),
		 DTE_V | DTE_TV | DTE_IR | DTE_IW);
	CHECK_EQ(h.q[0] & DTE_PT_ROOT, 0x345000ull);
	CHECK_EQ((h.q[0] >> 9) & 7, IOPT_LEVELS);
	CHECK_EQ(h.q[1] & DTE1_DOMAIN, IOMMU_DOMAIN_HV);
	CHECK_EQ(h.q[1] & (DTE1_SYSMGT | DTE1_IOCTL | DTE1_SE), 0);
	CHECK(h.q[2] & DTE2_IV);
	CHECK_EQ(h.q[2] & pass, DTE2_NMIPASS);
	CHECK_EQ((h.q[2] & DTE2_INTCTL_MASK) >> 60, INTCTL_FORWARD);
	CHECK_EQ(h.q[2] & DTE2_IRT_ROOT, 0x7e000080ull);
	/* NMIPass is the one pass bit: the guest check says it is not a
	 * guest entry. */
	CHECK(!dte_refuses_special_interrupts(&h));
	h.q[2] &= ~DTE2_NMIPASS;
	CHECK(dte_refuses_special_interrupts(&h));
}

/* The NIC's tables over its DMA blocks only: mapped there, nothing
 * beside them, in particular not guest RAM around them. */
TEST(iopt_hv_blocks_only)
{
	struct iopt_range r[2] = { { 0x7e100000, 0x7e104000 },
				   { 0x7e200000, 0x7e240000 } };
	struct iopt_layout l = { r, 2, NULL, 0 };
	struct iopt pt;
	uint64_t pa;

	fa_reset(MAX_PAGES);
	CHECK_EQ(iopt_build(&pt, &l, &ops), 0);
	CHECK_EQ(pt.mapped, 0x4000 + 0x40000);
	CHECK_EQ(iopt_lookup(&pt, 0x7e100000, &pa), IOPTE_IR | IOPTE_IW);
	CHECK_EQ(pa, 0x7e100000);
	CHECK_EQ(iopt_lookup(&pt, 0x7e103fff, &pa), IOPTE_IR | IOPTE_IW);
	CHECK_EQ(iopt_lookup(&pt, 0x7e104000, &pa), 0);
	CHECK_EQ(iopt_lookup(&pt, 0x7e0ff000, &pa), 0);
	CHECK_EQ(iopt_lookup(&pt, 0x7e23f000, &pa), IOPTE_IR | IOPTE_IW);
	CHECK_EQ(iopt_lookup(&pt, 0x7e240000, &pa), 0);
	CHECK_EQ(iopt_lookup(&pt, 0x1000, &pa), 0);
	iopt_destroy(&pt);
}

/* The NMI source's question (events.c pending(), NMI context): status
 * bits, a waiting entry by the pointers, or by the code under QEMU's
 * tail quirk; nothing otherwise (a source that claims for no reason
 * steals the guest's NMIs). */
TEST(evt_nmi_pending)
{
	uint32_t io_page_fault = (uint32_t)EVT_IO_PAGE_FAULT << 28;

	CHECK(!iommu_evt_pending(0, 0, 0, false, 0));
	CHECK(!iommu_evt_pending(0x18, 0x40, 0x40, false, io_page_fault));
	CHECK(iommu_evt_pending(IOMMU_STATUS_EVT_LOG_INT, 0, 0, false, 0));
	CHECK(iommu_evt_pending(IOMMU_STATUS_EVT_OVERFLOW, 0, 0, true, 0));
	CHECK(iommu_evt_pending(0, 0, 0x10, false, 0));
	CHECK(iommu_evt_pending(0, 0xff0, 0, false, 0));
	/* QEMU's tail never moves: the entry's code decides. */
	CHECK(!iommu_evt_pending(0, 0x20, 0, true, 0));
	CHECK(iommu_evt_pending(0, 0x20, 0, true, io_page_fault));
	CHECK(!iommu_evt_pending(0, 0x20, 0, true, 0x0fffffff));
}

TEST(evt_msi_is_nmi_to_boot_cpu)
{
	uint32_t a, d;

	iommu_msi_nmi(0, &a, &d);
	CHECK_EQ(a, 0xFEE00000u);
	CHECK_EQ((d >> 8) & 7, 4);         /* NMI, never INIT (5) or SMI (2) */
	iommu_msi_nmi(0x2a, &a, &d);
	CHECK_EQ(a, 0xFEE2A000u);
	CHECK_EQ(d, IOMMU_MSI_DATA_NMI);
}

TEST(event_decode)
{
	/* Spec layout: IO_PAGE_FAULT, 00:04.0, RW=1 (write), PR=0. */
	const uint32_t spec_w[4] = { 0x0020, (2u << 28) | (1u << 21) | 1,
				     0x7dc01000, 0x0 };
	/* QEMU 7.2: perms in bits 16-17 (1 read, 2 write), I bit. */
	const uint32_t qemu_r[4] = { 0x0020, (2u << 28) | (1u << 19) | (1u << 16),
				     0x7dc00000, 0x1 };
	const uint32_t qemu_w[4] = { 0x0020, (2u << 28) | (1u << 19) | (2u << 16),
				     0x7dc00000, 0x0 };
	struct iommu_event ev;

	iommu_event_decode(spec_w, &ev);
	CHECK_EQ(ev.code, EVT_IO_PAGE_FAULT);
	CHECK_EQ(ev.devid, 0x20);
	CHECK_EQ(ev.addr, 0x7dc01000);
	CHECK(ev.write);
	iommu_event_decode(qemu_r, &ev);
	CHECK(!ev.write);
	CHECK_EQ(ev.addr, 0x17dc00000ull);
	iommu_event_decode(qemu_w, &ev);
	CHECK(ev.write);
	CHECK_STR(iommu_event_name(EVT_IO_PAGE_FAULT), "IO_PAGE_FAULT");
	CHECK_STR(iommu_event_name(0xF), "event");
}

/* ---- acpi_hide_table -------------------------------------------------- */

#define IMG_BASE 0x100000ull
static uint8_t img[8192];

static void *img_map(uint64_t pa, uint64_t len, void *ctx)
{
	if (pa < IMG_BASE || len > sizeof(img) || pa - IMG_BASE > sizeof(img) - len)
		return NULL;
	return img + (pa - IMG_BASE);
}

static uint64_t rd64(size_t off)
{
	uint64_t v;

	memcpy(&v, img + off, 8);
	return v;
}

static uint32_t rd32(size_t off)
{
	uint32_t v;

	memcpy(&v, img + off, 4);
	return v;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void sdt(size_t off, const char *sig, uint32_t len)
{
	struct acpi_sdt_header *h = (void *)(img + off);

	memset(h, 0, sizeof(*h));
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->checksum = 0;
	h->checksum = (uint8_t)-sum(img + off, len);
}

TEST(acpi_hide_ivrs_from_both_roots)
{
	struct acpi_rsdp r = { .signature = "RSD PTR ", .revision = 2,
			       .rsdt_address = IMG_BASE + 0x100,
			       .length = 36, .xsdt_address = IMG_BASE + 0x200 };
	const uint64_t tabs[] = { IMG_BASE + 0x400, IMG_BASE + 0x500, IMG_BASE + 0x600 };
	struct acpi_sdt_header *x = (void *)(img + 0x200);
	struct acpi_sdt_header *rs = (void *)(img + 0x100);

	memset(img, 0, sizeof(img));
	sdt(0x400, "APIC", 40);
	sdt(0x500, "IVRS", 48);
	sdt(0x600, "HPET", 56);
	for (int i = 0; i < 3; i++) {
		uint32_t a = (uint32_t)tabs[i];

		memcpy(img + 0x200 + 36 + 8 * i, &tabs[i], 8);
		memcpy(img + 0x100 + 36 + 4 * i, &a, 4);
	}
	sdt(0x200, "XSDT", 36 + 24);
	sdt(0x100, "RSDT", 36 + 12);
	CHECK_EQ(acpi_hide_table(&r, 36, "IVRS", img_map, NULL), 2);
	CHECK_EQ(x->length, 36 + 16);
	CHECK_EQ(sum(img + 0x200, x->length), 0);
	CHECK_EQ(rd64(0x200 + 36), tabs[0]);
	CHECK_EQ(rd64(0x200 + 44), tabs[2]);
	CHECK_EQ(rd64(0x200 + 52), 0);   /* tail zeroed */
	CHECK_EQ(rs->length, 36 + 8);
	CHECK_EQ(sum(img + 0x100, rs->length), 0);
	CHECK_EQ(rd32(0x100 + 40), (uint32_t)tabs[2]);
	/* Twice: nothing more to remove. */
	CHECK_EQ(acpi_hide_table(&r, 36, "IVRS", img_map, NULL), 0);
	/* A bad root stays untouched; a bad RSDP is refused. */
	img[0x200 + 20] ^= 1;
	CHECK_EQ(acpi_hide_table(&r, 36, "HPET", img_map, NULL), 1);
	CHECK_EQ(rd32(0x200 + 4), 36 + 16);
	CHECK_EQ(acpi_hide_table("RSD PTX ", 36, "IVRS", img_map, NULL), -1);
	CHECK_EQ(acpi_hide_table(&r, 8, "IVRS", img_map, NULL), -1);
}

TEST(fault_counting)
{
	static struct iommu_faults f;
	struct iommu_event w = { EVT_IO_PAGE_FAULT, 0x20, 0x7ec63010, true, 0 };
	struct iommu_event r = { EVT_IO_PAGE_FAULT, 0x20, 0x7ec63ffc, false, 0 };
	struct iommu_event other = { EVT_ILLEGAL_DEV_TABLE_ENTRY, 0x20, 0, false, 0 };

	memset(&f, 0, sizeof(f));
	CHECK_EQ(iommu_faults_add(&f, &w), 1);      /* first of its kind: logged */
	CHECK_EQ(iommu_faults_add(&f, &w), 2);
	CHECK_EQ(iommu_faults_add(&f, &r), 1);      /* same page, other direction */
	CHECK_EQ(iommu_faults_add(&f, &other), 0);
	CHECK_EQ(f.nkinds, 2);
	CHECK_EQ(f.kinds[0].page, 0x7ec63000);
	CHECK_EQ(f.kinds[0].count, 2);
	CHECK(f.kinds[0].write && !f.kinds[1].write);
	CHECK_EQ(f.reads, 1);
	CHECK_EQ(f.writes, 2);
	CHECK_EQ(f.by_code[EVT_IO_PAGE_FAULT], 3);
	CHECK_EQ(f.by_code[EVT_ILLEGAL_DEV_TABLE_ENTRY], 1);
	/* A full table: the rest is counted as other. */
	for (unsigned i = 0; i < IOMMU_MAX_FAULT_KINDS + 5; i++) {
		struct iommu_event e = { EVT_IO_PAGE_FAULT, (uint16_t)i,
					 0x1000ull * i, true, 0 };
		iommu_faults_add(&f, &e);
	}
	CHECK_EQ(f.nkinds, IOMMU_MAX_FAULT_KINDS);
	CHECK_EQ(f.other, 7);   /* 37 new kinds, 30 fit beside the 2 */
}
