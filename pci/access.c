/*
 * pci/access.c - the machine's configuration space: ECAM (PCIe 4.0 7.2.2)
 * through the MCFG windows, each bus's 1 MiB mapped when first touched;
 * configuration mechanism #1 (ports 0xCF8/0xCFC, PCI 3.0 3.2.2.3.2) when
 * the firmware gives no MCFG. Also the enumerated device table.
 *
 * Concurrency: the hypervisor touches configuration space on the boot CPU
 * only. Mechanism #1 is an address/data pair the guest uses too; the
 * hypervisor uses it only at bring-up, before the guest runs (afterwards
 * it reaches its own devices through ECAM or their BARs), and under the
 * guard's configuration lock when the guard intercepts those ports.
 */
#include "pci/pci.h"
#include "acpi/acpi.h"
#include "arch/x86.h"
#include "lib/lib.h"

#define CFG_ADDR_PORT 0xCF8
#define CFG_DATA_PORT 0xCFC
#define CFG_ENABLE    BIT(31)

struct ecam_window {
	uint64_t base;           /* physical, of bus 0 (ECAM offsets) */
	uint16_t segment;
	uint8_t start_bus, end_bus;
	volatile uint8_t *bus_va[256];   /* 1 MiB each, mapped when touched */
};

static struct ecam_window windows[ACPI_MAX_MCFG];
static size_t nwindows;
static struct pci_dev devs[PCI_MAX_DEVS];
static size_t ndevs;

static struct ecam_window *window_of(uint32_t addr)
{
	for (size_t i = 0; i < nwindows; i++)
		if (windows[i].segment == PCI_SEG(addr) &&
		    PCI_BUS(addr) >= windows[i].start_bus &&
		    PCI_BUS(addr) <= windows[i].end_bus)
			return &windows[i];
	return NULL;
}

static volatile uint8_t *ecam_va(uint32_t addr, unsigned reg)
{
	struct ecam_window *w = window_of(addr);
	unsigned bus = PCI_BUS(addr);

	if (!w)
		return NULL;
	if (!w->bus_va[bus]) {
		w->bus_va[bus] = ioremap(w->base + ((uint64_t)bus << 20), 1 * MiB);
		if (!w->bus_va[bus])
			return NULL;
	}
	return w->bus_va[bus] + ((PCI_BDF(addr) & 0xFF) << 12) + reg;
}

static uint32_t ecam_read32(void *ctx, uint32_t addr, unsigned reg)
{
	volatile uint8_t *va = reg < PCI_ECAM_SIZE ? ecam_va(addr, reg) : NULL;

	return va ? *(volatile uint32_t *)va : 0xFFFFFFFFu;
}

static void ecam_write32(void *ctx, uint32_t addr, unsigned reg, uint32_t v)
{
	volatile uint8_t *va = reg < PCI_ECAM_SIZE ? ecam_va(addr, reg) : NULL;

	if (va)
		*(volatile uint32_t *)va = v;
}

static void ecam_write16(void *ctx, uint32_t addr, unsigned reg, uint16_t v)
{
	volatile uint8_t *va = reg < PCI_ECAM_SIZE ? ecam_va(addr, reg) : NULL;

	if (va)
		*(volatile uint16_t *)va = v;
}

static uint32_t cf8(uint32_t addr, unsigned reg)
{
	return CFG_ENABLE | (PCI_BDF(addr) << 8) | (reg & 0xFC);
}

static uint32_t io_read32(void *ctx, uint32_t addr, unsigned reg)
{
	if (PCI_SEG(addr) || reg >= PCI_CFG_SIZE)
		return 0xFFFFFFFFu;
	outl(CFG_ADDR_PORT, cf8(addr, reg));
	return inl(CFG_DATA_PORT);
}

static void io_write32(void *ctx, uint32_t addr, unsigned reg, uint32_t v)
{
	if (PCI_SEG(addr) || reg >= PCI_CFG_SIZE)
		return;
	outl(CFG_ADDR_PORT, cf8(addr, reg));
	outl(CFG_DATA_PORT, v);
}

static void io_write16(void *ctx, uint32_t addr, unsigned reg, uint16_t v)
{
	if (PCI_SEG(addr) || reg >= PCI_CFG_SIZE)
		return;
	outl(CFG_ADDR_PORT, cf8(addr, reg));
	outw((uint16_t)(CFG_DATA_PORT + (reg & 2)), v);
}

static const struct pci_cfg ecam_cfg = {
	ecam_read32, ecam_write32, ecam_write16, NULL,
};
static const struct pci_cfg io_cfg = {
	io_read32, io_write32, io_write16, NULL,
};

void pci_init(const struct acpi_mcfg_seg *mcfg, size_t nmcfg)
{
	nwindows = 0;
	for (size_t i = 0; i < nmcfg && nwindows < ARRAY_SIZE(windows); i++) {
		struct ecam_window *w = &windows[nwindows];

		if (mcfg[i].start_bus > mcfg[i].end_bus || !mcfg[i].base)
			continue;
		w->base = mcfg[i].base;
		w->segment = mcfg[i].segment;
		w->start_bus = mcfg[i].start_bus;
		w->end_bus = mcfg[i].end_bus;
		nwindows++;
	}
}

const struct pci_cfg *pci_machine(void)
{
	return nwindows ? &ecam_cfg : &io_cfg;
}

uint64_t pci_ecam_page(uint32_t addr)
{
	struct ecam_window *w = window_of(addr);

	return w ? w->base + ((uint64_t)PCI_BDF(addr) << 12) : 0;
}

volatile void *pci_ecam_map(uint32_t addr)
{
	return ecam_va(addr, 0);
}

size_t pci_enumerate(void)
{
	struct pci_scan_stats st;
	uint32_t bad = 0, dropped = 0;

	ndevs = 0;
	if (!nwindows) {
		ndevs = pci_scan(&io_cfg, 0, 0, 255, devs, PCI_MAX_DEVS, &st);
		bad = st.bad_bridges + st.bad_caps;
		dropped = st.dropped;
	}
	for (size_t i = 0; i < nwindows; i++) {
		ndevs += pci_scan(&ecam_cfg, windows[i].segment,
				  windows[i].start_bus, windows[i].end_bus,
				  devs + ndevs, PCI_MAX_DEVS - ndevs, &st);
		bad += st.bad_bridges + st.bad_caps;
		dropped += st.dropped;
	}
	printk("pci: %zu functions through %s", ndevs,
	       nwindows ? "ECAM" : "ports 0xCF8/0xCFC");
	if (bad || dropped)
		printk(" (%u broken bridges or capability lists, %u beyond "
		       "the table)", bad, dropped);
	printk("\n");
	return ndevs;
}

const struct pci_dev *pci_devices(size_t *n)
{
	*n = ndevs;
	return devs;
}

void pci_print(print_fn pr)
{
	char name[16];

	for (size_t i = 0; i < ndevs; i++) {
		const struct pci_dev *d = &devs[i];

		pr("pci: %s %04x:%04x class %02x.%02x.%02x%s%s%s\n",
		   pci_name(d->addr, name, sizeof(name)), d->vendor, d->device,
		   d->class_code, d->subclass, d->prog_if,
		   d->cap_msi ? " msi" : "", d->cap_msix ? " msix" : "",
		   d->header == PCI_HEADER_BRIDGE ? " bridge" : "");
	}
}

void pci_dump(print_fn pr)
{
	const struct pci_cfg *c = pci_machine();
	char name[16];

	for (size_t i = 0; i < ndevs; i++) {
		struct pci_dev d = devs[i];

		pci_name(d.addr, name, sizeof(name));
		for (unsigned reg = 0; reg < PCI_CFG_SIZE; reg += 16)
			pr("pcidump %s %02x: %08x %08x %08x %08x\n", name, reg,
			   pci_read32(c, d.addr, reg),
			   pci_read32(c, d.addr, reg + 4),
			   pci_read32(c, d.addr, reg + 8),
			   pci_read32(c, d.addr, reg + 12));
		pci_size_bars(c, &d);
		for (unsigned b = 0; b < d.nbars; b++)
			if (d.bar[b].kind != PCI_BAR_NONE)
				pr("pcidump %s bar%u: kind %u base %#llx size %#llx\n",
				   name, b, d.bar[b].kind,
				   (unsigned long long)d.bar[b].base,
				   (unsigned long long)d.bar[b].size);
	}
}
