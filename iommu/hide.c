/*
 * iommu/hide.c - the IOMMU is the hypervisor's: what the guest sees of
 * it. Its registers and configuration page are not mapped for the guest
 * (kernel/main.c hands them to svm/ as hidden pages: reads all-ones);
 * configuration mechanism #1 (0xCF8/0xCFC, intercepted by svm/) reads
 * its function as absent and drops writes to it, through the one call
 * below. The IVRS table is taken out of the guest's ACPI view by
 * acpi_hide_table (kernel/main.c).
 */
#include "iommu/internal.h"
#include "arch/x86.h"

#define CFG_ADDR_PORT 0xCF8
#define CFG_DATA_PORT 0xCFC
#define CFG_ENABLE    BIT(31)

/* Caller: svm/, under the configuration lock, so CF8 holds what the
 * guest selected. True when the access touches the data port and that
 * selects an IOMMU's function (segment 0: mechanism #1 has no other). */
bool iommu_cfg_io_hidden(uint16_t port, unsigned size)
{
	unsigned lo = MAX(port, CFG_DATA_PORT);
	unsigned hi = MIN(port + size, CFG_DATA_PORT + 4u);
	uint32_t addr;

	if (!iommu_active() || lo >= hi)
		return false;
	addr = inl(CFG_ADDR_PORT);
	return (addr & CFG_ENABLE) &&
	       iommu_is_own_function(0, (uint16_t)(addr >> 8));
}
