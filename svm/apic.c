/*
 * svm/apic.c - the guest's writes to its local APIC (xAPIC page mapped
 * read-only in the NPT, so reads cost nothing and each write exits).
 * Every write is performed on this CPU's real APIC, except the ICR: its
 * high half goes to a per-vCPU shadow, and INIT and STARTUP never reach
 * the hardware (an INIT resets the core under QEMU TCG even when
 * intercepted: svm-under-qemu-tcg.md, "INIT"). Until INIT/SIPI emulation
 * lands (issue 7) those two are dropped and reported.
 */
#include "svm/internal.h"
#include "decode/decode.h"

#define ICR_MODE(lo) (((lo) >> 8) & 7)

static int apic_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	uint32_t reg = (uint32_t)(gpa & 0xFF0);
	struct vcpu *v = ctx;

	if (reg == APIC_REG_ICR_HI)
		*val = v->icr_high;
	else
		*val = lapic_read(reg);
	return 0;
}

static void icr_write(struct vcpu *v, uint32_t lo)
{
	unsigned mode = ICR_MODE(lo);

	if (mode == 5 || mode == 6) {
		printk("vcpu %u: guest %s IPI (ICR %08x:%08x) dropped: not emulated yet\n",
		       v->index, mode == 5 ? "INIT" : "STARTUP", v->icr_high, lo);
		return;
	}
	lapic_write(APIC_REG_ICR_HI, v->icr_high);
	lapic_write(APIC_REG_ICR_LO, lo);
}

static int apic_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	uint32_t reg = (uint32_t)(gpa & 0xFF0);
	struct vcpu *v = ctx;

	if ((gpa & 0xF) || size != 4)
		return 0; /* APM 16.3.2: only aligned 32-bit accesses; ignore */
	if (reg == APIC_REG_ICR_HI)
		v->icr_high = (uint32_t)val;
	else if (reg == APIC_REG_ICR_LO)
		icr_write(v, (uint32_t)val);
	else
		lapic_write(reg, (uint32_t)val);
	return 0;
}

static const struct mmio_ops apic_ops = { apic_read, apic_write };

enum exit_action apic_write_fault(struct vcpu *v, uint64_t gpa)
{
	struct insn in;
	int rc = vcpu_emulate_mmio(v, gpa, &apic_ops, v, &in);

	v->apic_writes++;
	if (rc != DEC_OK) {
		printk("vcpu %u: APIC write at %llx not emulated: %s\n", v->index,
		       (unsigned long long)gpa, decode_strerror(rc));
		vmcb_dump(v);
		vcpu_stop(v, "undecodable local APIC write");
		return EXIT_STOP;
	}
	return EXIT_RESUME;
}
