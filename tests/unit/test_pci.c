/*
 * tests/unit/test_pci.c - enumeration, BAR sizing, the capability walk and
 * MSI / MSI-X set-up on a configuration space recorded from QEMU's q35
 * (e1000e on bus 0, virtio-net behind a PCIe root port), and on broken
 * spaces: looping capability lists, bridges that point back, BARs with
 * impossible masks, garbage everywhere.
 */
#include "test.h"
#include "pci_sim.h"

#include <stdlib.h>

#define RECORDING "tests/unit/data/pci_q35.txt"
#define E1000E   PCI_ADDR(0, 0, 2, 0)
#define ROOTPORT PCI_ADDR(0, 0, 4, 0)
#define VIRTIO   PCI_ADDR(0, 1, 0, 0)

static struct pci_sim sim;
static struct pci_dev devs[64];

static const struct pci_dev *find(size_t n, uint32_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (devs[i].addr == addr)
			return &devs[i];
	return NULL;
}

TEST(pci_scan_recorded_q35)
{
	struct pci_scan_stats st;
	const struct pci_dev *e, *v, *rp;
	size_t n;

	CHECK_EQ(pci_sim_load(&sim, RECORDING), 8);
	n = pci_scan(&sim.cfg, 0, 0, 255, devs, 64, &st);
	CHECK_EQ(n, 8);
	CHECK_EQ(st.functions, 8);
	CHECK_EQ(st.buses, 2);          /* bus 0 and the root port's bus 1 */
	CHECK_EQ(st.bad_bridges + st.bad_caps + st.dropped, 0);

	e = find(n, E1000E);
	CHECK(e);
	CHECK_EQ(e->vendor, 0x8086);
	CHECK_EQ(e->device, 0x10D3);    /* 82574L */
	CHECK_EQ(e->class_code, 0x02);
	CHECK_EQ(e->bar[0].kind, PCI_BAR_KIND_MEM32);
	CHECK_EQ(e->bar[0].base, 0xFEA40000);
	CHECK_EQ(e->bar[2].kind, PCI_BAR_KIND_IO);
	CHECK_EQ(e->bar[2].base, 0xC040);
	CHECK_EQ(e->cap_msi, 0xD0);
	CHECK_EQ(e->cap_msix, 0xA0);
	CHECK_EQ(e->cap_pcie, 0xE0);

	rp = find(n, ROOTPORT);
	CHECK(rp);
	CHECK_EQ(rp->header, PCI_HEADER_BRIDGE);
	CHECK_EQ(rp->secondary, 1);

	v = find(n, VIRTIO);
	CHECK(v);
	CHECK_EQ(v->vendor, 0x1AF4);
	CHECK_EQ(v->device, 0x1041);    /* modern virtio-net */
	CHECK_EQ(v->bar[4].kind, PCI_BAR_KIND_MEM64);
	CHECK_EQ(v->bar[4].base, 0xFE000000);
	CHECK_EQ(v->bar[5].kind, PCI_BAR_NONE);
	CHECK_EQ(v->cap_msix, 0xDC);
}

TEST(pci_scan_reads_only)
{
	struct pci_scan_stats st;

	pci_sim_load(&sim, RECORDING);
	pci_scan(&sim.cfg, 0, 0, 255, devs, 64, &st);
	for (unsigned i = 0; i < sim.n; i++)
		CHECK_EQ(sim.fn[i].writes, 0);
}

TEST(pci_cap_walk_recorded)
{
	pci_sim_load(&sim, RECORDING);
	/* virtio-net: vendor capabilities (the virtio structures) and MSI-X */
	CHECK_EQ(pci_find_cap(&sim.cfg, VIRTIO, PCI_CAP_ID_MSIX, NULL), 0xDC);
	CHECK_EQ(pci_find_cap(&sim.cfg, VIRTIO, PCI_CAP_ID_VENDOR, NULL), 0xC8);
	CHECK_EQ(pci_find_cap(&sim.cfg, VIRTIO, PCI_CAP_ID_MSI, NULL), 0);
	/* the host bridge has no list */
	CHECK_EQ(pci_find_cap(&sim.cfg, PCI_ADDR(0, 0, 0, 0), PCI_CAP_ID_MSI, NULL), 0);
	/* absent function */
	CHECK_EQ(pci_find_cap(&sim.cfg, PCI_ADDR(0, 0, 9, 0), PCI_CAP_ID_MSI, NULL), 0);
}

TEST(pci_bar_sizing_recorded)
{
	struct pci_scan_stats st;
	struct pci_dev e, v;
	uint8_t before[PCI_CFG_SIZE];
	size_t n;

	pci_sim_load(&sim, RECORDING);
	n = pci_scan(&sim.cfg, 0, 0, 255, devs, 64, &st);
	e = *find(n, E1000E);
	v = *find(n, VIRTIO);
	memcpy(before, pci_sim_find(&sim, E1000E)->space, PCI_CFG_SIZE);
	CHECK_EQ(pci_size_bars(&sim.cfg, &e), 0);
	CHECK_EQ(e.bar[0].size, 0x20000);
	CHECK_EQ(e.bar[1].size, 0x20000);
	CHECK_EQ(e.bar[2].size, 0x20);
	CHECK_EQ(e.bar[3].size, 0x4000);
	CHECK_EQ(e.bar[4].size, 0);
	/* BARs and command register restored */
	CHECK(memcmp(before, pci_sim_find(&sim, E1000E)->space, PCI_CFG_SIZE) == 0);
	CHECK_EQ(pci_size_bars(&sim.cfg, &v), 0);
	CHECK_EQ(v.bar[1].size, 0x1000);
	CHECK_EQ(v.bar[4].size, 0x4000);
	CHECK_EQ(v.bar[4].base, 0xFE000000);
}

TEST(pci_msix_recorded)
{
	struct pci_scan_stats st;
	struct pci_msix_info mi;
	struct pci_dev e;
	uint32_t table[4 * 8];
	size_t n;

	pci_sim_load(&sim, RECORDING);
	n = pci_scan(&sim.cfg, 0, 0, 255, devs, 64, &st);
	e = *find(n, E1000E);
	CHECK_EQ(pci_msix_info(&sim.cfg, &e, &mi), -1);  /* not sized yet */
	pci_size_bars(&sim.cfg, &e);
	CHECK_EQ(pci_msix_info(&sim.cfg, &e, &mi), 0);
	CHECK_EQ(mi.bir, 3);
	CHECK_EQ(mi.offset, 0);
	CHECK_EQ(mi.entries, 5);
	memset(table, 0xFF, sizeof(table));
	pci_msix_set(table, 1, MSI_ADDR_BASE | MSI_ADDR_DEST(3), MSI_DATA_NMI);
	CHECK_EQ(table[4], 0xFEE03000);
	CHECK_EQ(table[5], 0);
	CHECK_EQ(table[6], 0x400);
	CHECK_EQ(table[7], 0);          /* unmasked */
	CHECK_EQ(table[3], 0xFFFFFFFF); /* entry 0 untouched */
	pci_msix_enable(&sim.cfg, &e);
	CHECK(pci_read16(&sim.cfg, E1000E, e.cap_msix + PCI_MSIX_CTRL) & PCI_MSIX_ENABLE);
	CHECK(!(pci_read16(&sim.cfg, E1000E, e.cap_msix + PCI_MSIX_CTRL) & PCI_MSIX_FN_MASK));
	CHECK(pci_read16(&sim.cfg, E1000E, PCI_COMMAND) & PCI_CMD_INTX_OFF);
}

TEST(pci_msi_recorded)
{
	struct pci_scan_stats st;
	struct pci_dev e;
	unsigned cap;
	size_t n;

	pci_sim_load(&sim, RECORDING);
	n = pci_scan(&sim.cfg, 0, 0, 255, devs, 64, &st);
	e = *find(n, E1000E);
	cap = e.cap_msi;
	CHECK_EQ(pci_msi_enable(&sim.cfg, &e, MSI_ADDR_BASE, MSI_DATA_NMI), 0);
	CHECK(pci_read16(&sim.cfg, E1000E, cap + PCI_MSI_CTRL) & PCI_MSI_ENABLE);
	CHECK_EQ(pci_read32(&sim.cfg, E1000E, cap + PCI_MSI_ADDR_LO), 0xFEE00000);
	if (pci_read16(&sim.cfg, E1000E, cap + PCI_MSI_CTRL) & PCI_MSI_64BIT)
		CHECK_EQ(pci_read16(&sim.cfg, E1000E, cap + PCI_MSI_DATA_64), 0x400);
	else
		CHECK_EQ(pci_read16(&sim.cfg, E1000E, cap + PCI_MSI_DATA_32), 0x400);
	pci_msi_disable(&sim.cfg, &e);
	CHECK(!(pci_read16(&sim.cfg, E1000E, cap + PCI_MSI_CTRL) & PCI_MSI_ENABLE));
	/* virtio-net has no MSI capability */
	e = *find(n, VIRTIO);
	CHECK_EQ(pci_msi_enable(&sim.cfg, &e, MSI_ADDR_BASE, MSI_DATA_NMI), -1);
}

/* A function with a capability list that loops back on itself. */
TEST(pci_cap_loop_bounded)
{
	struct pci_scan_stats st;
	struct sim_fn *f;
	bool looped = false;

	pci_sim_init(&sim);
	f = pci_sim_add(&sim, PCI_ADDR(0, 0, 0, 0));
	memcpy(f->space, "\x86\x80\x34\x12", 4);
	f->space[PCI_STATUS] = PCI_STATUS_CAPS;
	f->space[PCI_CAP_PTR] = 0x40;
	f->space[0x40] = PCI_CAP_ID_VENDOR;
	f->space[0x41] = 0x50;
	f->space[0x50] = PCI_CAP_ID_VENDOR;
	f->space[0x51] = 0x40;          /* back to the first */
	CHECK_EQ(pci_find_cap(&sim.cfg, f->addr, PCI_CAP_ID_MSI, &looped), 0);
	CHECK(looped);
	CHECK(sim.reads < 100);
	pci_scan(&sim.cfg, 0, 0, 255, devs, 64, &st);
	CHECK_EQ(st.bad_caps, 1);
	/* pointers below 0x40 end the list; low bits are ignored */
	f->space[0x51] = 0x3F;
	looped = false;
	CHECK_EQ(pci_find_cap(&sim.cfg, f->addr, PCI_CAP_ID_MSI, &looped), 0);
	CHECK(!looped);
	f->space[0x41] = 0x53;          /* -> 0x50 */
	f->space[0x50] = PCI_CAP_ID_MSI;
	CHECK_EQ(pci_find_cap(&sim.cfg, f->addr, PCI_CAP_ID_MSI, NULL), 0x50);
}

/* Bridges pointing at their own bus, at a bus seen before, outside the
 * range: each counted, none followed twice. */
TEST(pci_bad_bridges)
{
	struct pci_scan_stats st;
	struct sim_fn *f;
	size_t n;

	pci_sim_init(&sim);
	for (unsigned dev = 0; dev < 4; dev++) {
		f = pci_sim_add(&sim, PCI_ADDR(0, 0, dev, 0));
		memcpy(f->space, "\x36\x1b\x0c\x00", 4);
		f->space[PCI_HEADER_TYPE] = PCI_HEADER_BRIDGE;
	}
	sim.fn[0].space[PCI_SECONDARY_BUS] = 0;     /* itself */
	sim.fn[1].space[PCI_SECONDARY_BUS] = 2;     /* fine */
	sim.fn[2].space[PCI_SECONDARY_BUS] = 2;     /* seen */
	sim.fn[3].space[PCI_SECONDARY_BUS] = 200;   /* outside [0, 100] */
	f = pci_sim_add(&sim, PCI_ADDR(0, 2, 0, 0)); /* behind bus 2, points back */
	memcpy(f->space, "\x36\x1b\x0c\x00", 4);
	f->space[PCI_HEADER_TYPE] = PCI_HEADER_BRIDGE;
	f->space[PCI_SECONDARY_BUS] = 1;            /* below its own bus 2 */
	n = pci_scan(&sim.cfg, 0, 0, 100, devs, 64, &st);
	CHECK_EQ(n, 5);
	CHECK_EQ(st.buses, 2);
	CHECK_EQ(st.bad_bridges, 4);
	/* a table too small: counted, not overrun */
	n = pci_scan(&sim.cfg, 0, 0, 100, devs, 2, &st);
	CHECK_EQ(n, 2);
	CHECK_EQ(st.dropped, 3);
}

/* A BAR whose writable bits are not contiguous: refused, size 0. */
TEST(pci_bar_impossible_mask)
{
	struct pci_scan_stats st;
	struct sim_fn *f;

	pci_sim_init(&sim);
	f = pci_sim_add(&sim, PCI_ADDR(0, 0, 0, 0));
	memcpy(f->space, "\x86\x80\x34\x12", 4);
	f->bar_size[0] = 0x1000;
	f->bar_size[1] = 0x3000;        /* mask 0xFFFFD000: a hole */
	CHECK_EQ(pci_scan(&sim.cfg, 0, 0, 0, devs, 64, &st), 1);
	CHECK_EQ(pci_size_bars(&sim.cfg, &devs[0]), -1);
	CHECK_EQ(devs[0].bar[0].size, 0x1000);
	CHECK_EQ(devs[0].bar[1].size, 0);
}

/* Random configuration spaces: the scan terminates, stays in bounds and
 * never writes. */
TEST(pci_scan_garbage)
{
	struct pci_scan_stats st;

	srand(12);
	for (unsigned round = 0; round < 200; round++) {
		pci_sim_init(&sim);
		for (unsigned i = 0; i < SIM_MAX_FNS; i++) {
			struct sim_fn *f = pci_sim_add(&sim,
				PCI_ADDR(0, rand() % 4, rand() % 32, rand() % 8));
			for (unsigned b = 0; b < PCI_CFG_SIZE; b++)
				f->space[b] = (uint8_t)rand();
		}
		pci_scan(&sim.cfg, 0, 0, 255, devs, 64, &st);
		CHECK(st.buses <= 256);
		for (unsigned i = 0; i < sim.n; i++)
			CHECK_EQ(sim.fn[i].writes, 0);
	}
}

TEST(pci_parse_bdf)
{
	uint32_t a;

	CHECK_EQ(pci_parse_bdf("00:02.0", &a), 0);
	CHECK_EQ(a, E1000E);
	CHECK_EQ(pci_parse_bdf("01:1f.7", &a), 0);
	CHECK_EQ(a, PCI_ADDR(0, 1, 31, 7));
	CHECK_EQ(pci_parse_bdf("01:20.0", &a), -1);   /* device 32 */
	CHECK_EQ(pci_parse_bdf("01:00.8", &a), -1);
	CHECK_EQ(pci_parse_bdf("1:00.0", &a), -1);
	CHECK_EQ(pci_parse_bdf("01:00.0x", &a), -1);
	CHECK_EQ(pci_parse_bdf("g1:00.0", &a), -1);
	CHECK_EQ(pci_parse_bdf("", &a), -1);
}
