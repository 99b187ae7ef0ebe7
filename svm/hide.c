/*
 * svm/hide.c - devices the hypervisor keeps for itself (its NIC, net/):
 * to the guest such a PCI function is absent.
 *   - Configuration mechanism #1: with any function hidden, ports
 *     0xCF8-0xCFF are intercepted (under the configuration lock, like the
 *     chipset guard); while 0xCF8 addresses a hidden function, data-port
 *     reads return all ones (what an empty slot returns, PCI 3.0 6.1) and
 *     writes are dropped. Hence the guest can neither find it nor reset
 *     it (FLR), move its BARs or reprogram its MSI.
 *   - ECAM: the function's 4 KiB configuration page is left out of the
 *     nested page table: reads return all ones, writes are dropped
 *     (svm/npf.c, as for the hypervisor's own memory).
 *   - Its memory BARs (registers, MSI-X table) are left out the same way.
 * Called from svm/io.c and svm/guard.c (mechanism #1), svm/npf.c and
 * svm/setup.c (the NPT).
 */
#include "svm/internal.h"
#include "arch/x86.h"

#define CFG_ADDR_PORT 0xCF8
#define CFG_DATA_PORT 0xCFC
#define CFG_ENABLE    BIT(31)

/* Written once by hide_init at bring-up, read-only afterwards. */
static struct hv_hole ranges[SVM_MAX_HIDDEN];
static size_t nranges;
static uint32_t bdfs[SVM_MAX_HIDDEN];
static size_t nbdfs;
static uint64_t said;

void hide_init(const struct svm_config *cfg)
{
	nranges = MIN(cfg->nhidden, (size_t)SVM_MAX_HIDDEN);
	for (size_t i = 0; i < nranges; i++)
		ranges[i] = cfg->hidden[i];
	nbdfs = MIN(cfg->nhidden_bdf, (size_t)SVM_MAX_HIDDEN);
	for (size_t i = 0; i < nbdfs; i++)
		bdfs[i] = cfg->hidden_bdf[i] & 0xFFFF;  /* segment 0 only here */
	/* Mechanism #1 intercepted, its address and data under one lock. */
	if (nbdfs)
		svm.cfg_guarded = true;
	for (size_t i = 0; i < nbdfs; i++)
		printk("svm: PCI %02x:%02x.%x is the hypervisor's: absent for "
		       "the guest\n", bdfs[i] >> 8, (bdfs[i] >> 3) & 31,
		       bdfs[i] & 7);
}

size_t hide_npt_holes(struct npt_range *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < nranges && n < max; i++)
		out[n++] = (struct npt_range){ ranges[i].base, ranges[i].end };
	return n;
}

bool hide_overlaps(uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < nranges; i++)
		if (lo < ranges[i].end && ranges[i].base < hi)
			return true;
	return false;
}

bool hide_gpa(uint64_t gpa)
{
	return hide_overlaps(gpa, gpa + 1);
}

bool hide_cfg_port(uint16_t port, unsigned size)
{
	uint32_t addr, bdf;

	if (!nbdfs || port + size <= CFG_DATA_PORT || port >= CFG_DATA_PORT + 4)
		return false;
	addr = inl(CFG_ADDR_PORT);   /* stable: 0xCF8 writes take the lock */
	if (!(addr & CFG_ENABLE))
		return false;
	bdf = (addr >> 8) & 0xFFFF;
	for (size_t i = 0; i < nbdfs; i++)
		if (bdfs[i] == bdf) {
			if (__atomic_fetch_add(&said, 1, __ATOMIC_RELAXED) < 2)
				printk("svm: guest touched the hypervisor's PCI "
				       "function %02x:%02x.%x: absent\n",
				       bdf >> 8, (bdf >> 3) & 31, bdf & 7);
			return true;
		}
	return false;
}
