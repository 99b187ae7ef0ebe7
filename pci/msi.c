/*
 * pci/msi.c - MSI and MSI-X set-up (PCI 3.0 6.8). The hypervisor programs
 * one message per device: the NIC's interrupt as an NMI to the boot CPU.
 */
#include "pci/pci.h"

static void intx_off(const struct pci_cfg *c, const struct pci_dev *d)
{
	uint16_t cmd = pci_read16(c, d->addr, PCI_COMMAND);

	pci_write16(c, d->addr, PCI_COMMAND, cmd | PCI_CMD_INTX_OFF);
}

int pci_msi_enable(const struct pci_cfg *c, const struct pci_dev *d,
		   uint64_t addr, uint32_t data)
{
	unsigned cap = d->cap_msi;
	uint16_t ctrl;
	bool is64;

	if (!cap)
		return -1;
	ctrl = pci_read16(c, d->addr, cap + PCI_MSI_CTRL);
	is64 = ctrl & PCI_MSI_64BIT;
	if (!is64 && addr >> 32)
		return -1;
	/* Off while the message changes (PCI 3.0 6.8.1.3). */
	ctrl &= (uint16_t)~(PCI_MSI_ENABLE | PCI_MSI_MME);
	pci_write16(c, d->addr, cap + PCI_MSI_CTRL, ctrl);
	pci_write32(c, d->addr, cap + PCI_MSI_ADDR_LO, (uint32_t)addr);
	if (is64) {
		pci_write32(c, d->addr, cap + PCI_MSI_ADDR_HI,
			    (uint32_t)(addr >> 32));
		pci_write16(c, d->addr, cap + PCI_MSI_DATA_64, (uint16_t)data);
	} else {
		pci_write16(c, d->addr, cap + PCI_MSI_DATA_32, (uint16_t)data);
	}
	if (ctrl & PCI_MSI_MASKABLE)
		pci_write32(c, d->addr,
			    cap + (is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32), 0);
	intx_off(c, d);
	pci_write16(c, d->addr, cap + PCI_MSI_CTRL, ctrl | PCI_MSI_ENABLE);
	return 0;
}

void pci_msi_disable(const struct pci_cfg *c, const struct pci_dev *d)
{
	uint16_t ctrl;

	if (!d->cap_msi)
		return;
	ctrl = pci_read16(c, d->addr, d->cap_msi + PCI_MSI_CTRL);
	pci_write16(c, d->addr, d->cap_msi + PCI_MSI_CTRL,
		    ctrl & (uint16_t)~PCI_MSI_ENABLE);
}

int pci_msix_info(const struct pci_cfg *c, const struct pci_dev *d,
		  struct pci_msix_info *info)
{
	unsigned cap = d->cap_msix;
	uint32_t table;
	const struct pci_bar *b;
	uint64_t end;

	if (!cap)
		return -1;
	info->entries = (pci_read16(c, d->addr, cap + PCI_MSIX_CTRL) &
			 PCI_MSIX_SIZE) + 1;
	table = pci_read32(c, d->addr, cap + PCI_MSIX_TABLE);
	info->bir = table & PCI_MSIX_BIR;
	info->offset = table & ~(uint32_t)PCI_MSIX_BIR;
	if (info->bir >= d->nbars)
		return -1;
	b = &d->bar[info->bir];
	if (b->kind != PCI_BAR_KIND_MEM32 && b->kind != PCI_BAR_KIND_MEM64)
		return -1;
	end = (uint64_t)info->offset +
	      (uint64_t)info->entries * PCI_MSIX_ENTRY_SIZE;
	if (!b->size || end > b->size)
		return -1;
	return 0;
}

void pci_msix_set(volatile void *table, unsigned idx, uint64_t addr,
		  uint32_t data)
{
	volatile uint32_t *e = (volatile uint32_t *)
		((volatile uint8_t *)table + idx * PCI_MSIX_ENTRY_SIZE);

	/* Masked while the message changes (PCI 3.0 6.8.2.9). */
	e[PCI_MSIX_ENTRY_CTRL / 4] = PCI_MSIX_ENTRY_MASKED;
	e[PCI_MSIX_ENTRY_ADDR_LO / 4] = (uint32_t)addr;
	e[PCI_MSIX_ENTRY_ADDR_HI / 4] = (uint32_t)(addr >> 32);
	e[PCI_MSIX_ENTRY_DATA / 4] = data;
	e[PCI_MSIX_ENTRY_CTRL / 4] = 0;
}

void pci_msix_enable(const struct pci_cfg *c, const struct pci_dev *d)
{
	uint16_t ctrl = pci_read16(c, d->addr, d->cap_msix + PCI_MSIX_CTRL);

	intx_off(c, d);
	ctrl = (uint16_t)((ctrl | PCI_MSIX_ENABLE) & ~PCI_MSIX_FN_MASK);
	pci_write16(c, d->addr, d->cap_msix + PCI_MSIX_CTRL, ctrl);
}
