/*
 * tests/fuzz/fuzz_pci.c - configuration spaces as a broken or hostile
 * device could present them: the input is cut into functions (4 bytes of
 * address and BAR-size seeds, then up to 256 bytes of space each) and
 * scanned, every found device's BARs sized and its MSI-X table located.
 * Invariants: the scan ends, visits each bus at most once, stays within
 * the output table, and sizing restores what it wrote.
 */
#include <stdlib.h>
#include <string.h>

#include "pci_sim.h"

static struct pci_sim sim;
static struct pci_dev devs[16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pci_scan_stats st;
	size_t n;

	pci_sim_init(&sim);
	while (size >= 4 && sim.n < SIM_MAX_FNS) {
		struct sim_fn *f = pci_sim_add(&sim,
			PCI_ADDR(0, data[0] & 7, data[1] & 31, data[2] & 7));
		size_t len = size - 4 < PCI_CFG_SIZE ? size - 4 : PCI_CFG_SIZE;

		for (unsigned b = 0; b < PCI_MAX_BARS; b++)
			f->bar_size[b] = (data[3] >> b) & 1 ? 0x1000ull << b : 0;
		memcpy(f->space, data + 4, len);
		data += 4 + len;
		size -= 4 + len;
	}
	n = pci_scan(&sim.cfg, 0, 0, 255, devs, 16, &st);
	if (n > 16 || st.buses > 256)
		abort();
	for (size_t i = 0; i < n; i++) {
		struct pci_msix_info mi;
		struct sim_fn *f = pci_sim_find(&sim, devs[i].addr);
		uint8_t before[PCI_CFG_SIZE];

		memcpy(before, f->space, PCI_CFG_SIZE);
		pci_size_bars(&sim.cfg, &devs[i]);
		/* Restored, except BAR bits the simulated hardware does not
		 * implement (a recorded value may set them). */
		if (memcmp(before, f->space, PCI_BAR0) != 0 ||
		    memcmp(before + 0x28, f->space + 0x28, PCI_CFG_SIZE - 0x28) != 0)
			abort();
		if (pci_msix_info(&sim.cfg, &devs[i], &mi) == 0 &&
		    (uint64_t)mi.offset + mi.entries * 16ull >
		    devs[i].bar[mi.bir].size)
			abort();
	}
	return 0;
}
