/*
 * tests/unit/pci_sim.h - a simulated configuration space for host tests:
 * functions loaded from a recording (tests/unit/data/pci_q35.txt, made
 * with the hypervisor's pci_dump) or built by a test, with BARs that size
 * like hardware (all ones in, the size mask out) and every other register
 * plain read/write.
 */
#ifndef TESTS_UNIT_PCI_SIM_H
#define TESTS_UNIT_PCI_SIM_H

#include "pci/pci.h"

#define SIM_MAX_FNS 32

struct sim_fn {
	uint32_t addr;
	uint8_t space[PCI_CFG_SIZE];
	uint64_t bar_size[PCI_MAX_BARS];   /* 0: not implemented */
	uint32_t writes;                   /* config writes seen */
};

struct pci_sim {
	struct sim_fn fn[SIM_MAX_FNS];
	unsigned n;
	uint32_t reads;
	struct pci_cfg cfg;
};

/* pci_sim_load - fill sim from a recording; returns the function count, or
 * -1 when the file cannot be read. */
int pci_sim_load(struct pci_sim *sim, const char *path);
/* pci_sim_init - empty simulation (every function absent). */
void pci_sim_init(struct pci_sim *sim);
struct sim_fn *pci_sim_add(struct pci_sim *sim, uint32_t addr);
struct sim_fn *pci_sim_find(struct pci_sim *sim, uint32_t addr);

#endif
