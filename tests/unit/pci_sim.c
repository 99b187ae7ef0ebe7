/*
 * tests/unit/pci_sim.c - the simulated configuration space (pci_sim.h).
 */
#include "pci_sim.h"

#include <stdio.h>
#include <string.h>

struct sim_fn *pci_sim_find(struct pci_sim *sim, uint32_t addr)
{
	for (unsigned i = 0; i < sim->n; i++)
		if (sim->fn[i].addr == addr)
			return &sim->fn[i];
	return NULL;
}

static uint32_t get32(const struct sim_fn *f, unsigned reg)
{
	uint32_t v;

	memcpy(&v, f->space + reg, 4);
	return v;
}

static void put32(struct sim_fn *f, unsigned reg, uint32_t v)
{
	memcpy(f->space + reg, &v, 4);
}

static uint32_t sim_read32(void *ctx, uint32_t addr, unsigned reg)
{
	struct pci_sim *sim = ctx;
	struct sim_fn *f = pci_sim_find(sim, addr);

	sim->reads++;
	if (!f || reg >= PCI_CFG_SIZE)
		return 0xFFFFFFFFu;
	return get32(f, reg);
}

/* Which BAR slot reg is, for headers that have it there, else -1. The upper
 * half of a 64-bit BAR is slot i + 1 with bar_size[i + 1] = 0 and sizes
 * through the lower one's size. */
static int bar_slot(const struct sim_fn *f, unsigned reg)
{
	unsigned kind = f->space[PCI_HEADER_TYPE] & PCI_HEADER_KIND;
	unsigned nbars = kind == PCI_HEADER_DEVICE ? 6 : kind == PCI_HEADER_BRIDGE ? 2 : 0;

	if (reg < PCI_BAR0 || reg >= PCI_BAR0 + 4 * nbars)
		return -1;
	return (int)(reg - PCI_BAR0) / 4;
}

static void sim_write32(void *ctx, uint32_t addr, unsigned reg, uint32_t v)
{
	struct pci_sim *sim = ctx;
	struct sim_fn *f = pci_sim_find(sim, addr);
	int slot;

	if (!f || reg >= PCI_CFG_SIZE)
		return;
	f->writes++;
	slot = bar_slot(f, reg);
	if (slot >= 0) {
		uint32_t old = get32(f, reg);
		uint64_t size = f->bar_size[slot];
		bool upper = false;

		/* The upper half of a 64-bit BAR: size from the slot below. */
		if (slot > 0 && !size) {
			uint32_t below = get32(f, reg - 4);
			if (!(below & PCI_BAR_IO) &&
			    (below & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM64 &&
			    f->bar_size[slot - 1]) {
				size = f->bar_size[slot - 1];
				upper = true;
			}
		}
		if (!size) {
			put32(f, reg, 0);
			return;
		}
		if (upper) {
			put32(f, reg, v & (uint32_t)(~(size - 1) >> 32));
		} else {
			uint32_t flags = old & ((old & PCI_BAR_IO) ? 3u : 0xFu);
			put32(f, reg, (v & (uint32_t)~(size - 1) & ~0xFu) | flags);
		}
		return;
	}
	put32(f, reg, v);
}

static void sim_write16(void *ctx, uint32_t addr, unsigned reg, uint16_t v)
{
	struct pci_sim *sim = ctx;
	struct sim_fn *f = pci_sim_find(sim, addr);

	if (!f || reg >= PCI_CFG_SIZE)
		return;
	f->writes++;
	memcpy(f->space + reg, &v, 2);
}

void pci_sim_init(struct pci_sim *sim)
{
	memset(sim, 0, sizeof(*sim));
	sim->cfg.read32 = sim_read32;
	sim->cfg.write32 = sim_write32;
	sim->cfg.write16 = sim_write16;
	sim->cfg.ctx = sim;
}

struct sim_fn *pci_sim_add(struct pci_sim *sim, uint32_t addr)
{
	struct sim_fn *f;

	if (sim->n == SIM_MAX_FNS)
		return NULL;
	f = &sim->fn[sim->n++];
	memset(f, 0, sizeof(*f));
	f->addr = addr;
	return f;
}

int pci_sim_load(struct pci_sim *sim, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[256];

	pci_sim_init(sim);
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		unsigned seg, bus, dev, fn, reg, bar, kind;
		unsigned long long base, size;
		uint32_t w[4], addr;
		struct sim_fn *f;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4)
			continue;
		addr = PCI_ADDR(seg, bus, dev, fn);
		f = pci_sim_find(sim, addr);
		if (!f)
			f = pci_sim_add(sim, addr);
		if (!f)
			break;
		if (sscanf(line + 13, "%x: %x %x %x %x", &reg, &w[0], &w[1],
			   &w[2], &w[3]) == 5 && reg + 16 <= PCI_CFG_SIZE) {
			memcpy(f->space + reg, w, 16);
		} else if (sscanf(line + 13, "bar%u: kind %u base %llx size %llx",
				  &bar, &kind, &base, &size) == 4 &&
			   bar < PCI_MAX_BARS) {
			f->bar_size[bar] = size;
		}
	}
	fclose(fp);
	return (int)sim->n;
}
