/*
 * smp/lapic.c - the local APIC in xAPIC (MMIO) or x2APIC (MSR) mode.
 * APM Vol. 2, 16.3-16.5 (xAPIC) and 16.11 (x2APIC). x2APIC is used when
 * the firmware handed over in x2APIC mode or an APIC ID exceeds 254: then
 * on every CPU (IA32_APIC_BASE.EXTD, bit 10; ICR through MSR 0x830, the
 * ID through MSR 0x802). The mode is kept per CPU (percpu.lapic_x2): a
 * guest may move its CPU's APIC from xAPIC to x2APIC later.
 */
#include "smp/smp.h"
#include "arch/x86.h"

#define APIC_BASE_BSP  BIT(8)
#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN   BIT(11)
#define X2APIC_MSR(reg) lapic_x2_msr(reg)
#define SVR_ENABLE     BIT(8)

static volatile uint32_t *xapic;
static uint64_t xapic_pa;      /* the APIC page (MADT, else APIC_BASE) */
static bool x2apic;
static uint32_t firmware_svr;

uint64_t lapic_base_pa(void)
{
	return xapic_pa;
}

void lapic_now_x2apic(void)
{
	this_cpu()->lapic_x2 = true;
}

uint32_t lapic_read(uint32_t reg)
{
	if (lapic_x2apic())
		return (uint32_t)rdmsr(X2APIC_MSR(reg));
	return xapic[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t v)
{
	if (!lapic_x2apic()) {
		xapic[reg / 4] = v;
		return;
	}
	/* x2APIC: EOI and ESR take only 0 (the xAPIC ignores the value). */
	if (reg == APIC_REG_EOI || reg == APIC_REG_ESR)
		v = 0;
	wrmsr(X2APIC_MSR(reg), v);
}

uint32_t lapic_id(void)
{
	if (lapic_x2apic())
		return (uint32_t)rdmsr(X2APIC_MSR(APIC_REG_ID));
	return xapic[APIC_REG_ID / 4] >> 24;
}

void lapic_send_ipi(uint32_t dest, uint32_t icr_lo)
{
	uint32_t saved_hi;

	if (lapic_x2apic()) {
		/* One 64-bit write; no delivery-status bit (16.11.4.4). The
		 * WRMSR does not serialize: order the caller's flag stores
		 * (smp_kick) before the IPI. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		wrmsr(X2APIC_MSR(APIC_REG_ICR_LO), lapic_x2_icr(dest, icr_lo));
		return;
	}
	/* The guest reads ICR high directly (its APIC page is mapped
	 * read-only): leave it as the guest last wrote it. */
	saved_hi = xapic[APIC_REG_ICR_HI / 4];
	xapic[APIC_REG_ICR_HI / 4] = dest << 24;
	xapic[APIC_REG_ICR_LO / 4] = icr_lo;
	for (unsigned i = 0; i < 1000000 && (xapic[APIC_REG_ICR_LO / 4] & ICR_BUSY); i++)
		cpu_relax();
	xapic[APIC_REG_ICR_HI / 4] = saved_hi;
}

/* Software-enable the APIC; keep the firmware's LINT0/LINT1 setup (the
 * guest inherits it). Spurious vector 0xFF. */
static void lapic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	this_cpu()->lapic_x2 = x2apic;
	if (x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	lapic_write(APIC_REG_SVR, lapic_read(APIC_REG_SVR) | SVR_ENABLE | 0xFF);
}

void lapic_init_bsp(uint64_t base_pa, uint32_t max_apic_id)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);
	bool has_x2 = (cpuid(1, 0).ecx & BIT(21)) != 0;

	x2apic = lapic_want_x2apic(msr, max_apic_id, has_x2);
	xapic_pa = base_pa ? base_pa : msr & 0xFFFFFF000ULL;
	if (max_apic_id > 254 && !has_x2)
		printk("warning: APIC IDs up to %u but no x2APIC: CPUs above 254 stay off\n",
		       max_apic_id);
	if (!x2apic) {
		base_pa = xapic_pa;
		xapic = ioremap(base_pa, 4096);
		if (!xapic)
			panic("cannot map the local APIC at 0x%llx",
			      (unsigned long long)base_pa);
	}
	this_cpu()->lapic_x2 = x2apic;
	firmware_svr = lapic_read(APIC_REG_SVR);
	lapic_enable();
	printk("lapic: %s mode, boot CPU APIC ID %u, version 0x%x\n",
	       x2apic ? "x2APIC" : "xAPIC", lapic_id(),
	       lapic_read(APIC_REG_VERSION) & 0xFF);
}

void lapic_init_ap(void)
{
	lapic_enable();
}

/* Give the guest the boot CPU's APIC as the firmware left it (the
 * hypervisor only changed SVR; LVTs, TPR and the timer are untouched). */
void lapic_restore_firmware_state(void)
{
	lapic_write(APIC_REG_SVR, firmware_svr);
}
