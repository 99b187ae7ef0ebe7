/*
 * svm/msr.c - the MSR permission map and intercepted MSRs.
 *
 * MSRPM (APM Vol. 2, 15.11): two bits per MSR (read, write) for three
 * ranges; every MSR outside them always exits. Policy (docs/design.md,
 * "SVM"; docs/qemu-svm.md, "MSRs"):
 *   EFER            read/write shadowed: SVME stays set, the guest never sees it
 *   VM_CR           reads "SVM disabled and locked"; writes #GP
 *   VM_HSAVE_PA     a per-vCPU shadow; never the real register
 *   APIC_BASE       reads real; writes that change anything dropped
 *   MTRRs           writes that would make any of the hole non-WB dropped
 *   SYSCFG, HWCR, SMM_ADDR/MASK, SMM_BASE, TOP_MEM/TOP_MEM2, IORRs,
 *   MMIO_CFG_BASE   writes dropped (reported): they route or hide memory
 *   MTRR writes that the CPU would refuse (#GP) are refused the same way
 *   TSC             writes become the vCPU's TSC offset
 *   x2APIC 0x800-0x8FF and MSRs outside the map   #GP
 *   everything else passes straight through (no exit)
 */
#include "svm/internal.h"
#include "arch/x86.h"
#include "lib/lib.h"

#define MSR_TSC          0x00000010
#define MSR_MTRR_BASE0   0x00000200
#define MSR_MTRR_LAST    0x0000026F
#define MSR_MTRR_DEF     0x000002FF
#define MSR_SYSCFG       0xC0010010
#define MSR_HWCR         0xC0010015
#define MSR_SMM_ADDR     0xC0010112
#define MSR_SMM_MASK     0xC0010113
#define MSR_SMM_BASE     0xC0010111
#define MSR_IORR_FIRST   0xC0010016   /* IORRBase0 .. IORRMask1 */
#define MSR_IORR_LAST    0xC0010019
#define MSR_TOP_MEM      0xC001001A
#define MSR_TOP_MEM2     0xC001001D
#define MSR_MMIO_CFG     0xC0010058
#define MSR_MTRR_CAP     0x000000FE
#define MTRR_VALID       BIT(11)
#define MTRR_TYPE_WB     6
#define EFER_GUEST_OK    (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | \
			  BIT(13) | BIT(14) | BIT(15))

#define MSRPM_READ  1
#define MSRPM_WRITE 2

/* Bit offset of @msr in the map, or -1 when outside its ranges. */
static long msrpm_bit(uint32_t msr)
{
	if (msr <= 0x1FFF)
		return (long)msr * 2;
	if (msr >= 0xC0000000 && msr <= 0xC0001FFF)
		return 0x800 * 8 + (long)(msr - 0xC0000000) * 2;
	if (msr >= 0xC0010000 && msr <= 0xC0011FFF)
		return 0x1000 * 8 + (long)(msr - 0xC0010000) * 2;
	return -1;
}

static void msrpm_set(uint8_t *pm, uint32_t msr, unsigned rw)
{
	long bit = msrpm_bit(msr);

	assert(bit >= 0);
	if (rw & MSRPM_READ)
		pm[bit / 8] |= (uint8_t)(1U << (bit % 8));
	if (rw & MSRPM_WRITE)
		pm[(bit + 1) / 8] |= (uint8_t)(1U << ((bit + 1) % 8));
}

void msrpm_setup(uint8_t *pm)
{
	msrpm_set(pm, MSR_EFER, MSRPM_READ | MSRPM_WRITE);
	msrpm_set(pm, MSR_VM_CR, MSRPM_READ | MSRPM_WRITE);
	msrpm_set(pm, MSR_VM_HSAVE_PA, MSRPM_READ | MSRPM_WRITE);
	msrpm_set(pm, MSR_APIC_BASE, MSRPM_WRITE);
	msrpm_set(pm, MSR_TSC, MSRPM_WRITE);
	for (uint32_t m = MSR_MTRR_BASE0; m <= MSR_MTRR_LAST; m++)
		msrpm_set(pm, m, MSRPM_WRITE);
	msrpm_set(pm, MSR_MTRR_DEF, MSRPM_WRITE);
	msrpm_set(pm, MSR_SYSCFG, MSRPM_WRITE);
	msrpm_set(pm, MSR_HWCR, MSRPM_WRITE);
	msrpm_set(pm, MSR_SMM_ADDR, MSRPM_READ | MSRPM_WRITE);
	msrpm_set(pm, MSR_SMM_MASK, MSRPM_READ | MSRPM_WRITE);
	msrpm_set(pm, MSR_SMM_BASE, MSRPM_WRITE);
	for (uint32_t m = MSR_IORR_FIRST; m <= MSR_IORR_LAST; m++)
		msrpm_set(pm, m, MSRPM_WRITE);
	msrpm_set(pm, MSR_TOP_MEM, MSRPM_WRITE);
	msrpm_set(pm, MSR_TOP_MEM2, MSRPM_WRITE);
	msrpm_set(pm, MSR_MMIO_CFG, MSRPM_WRITE);
	for (uint32_t m = 0x800; m <= 0x8FF; m++)
		msrpm_set(pm, m, MSRPM_READ | MSRPM_WRITE);
}

/* Would variable MTRR pair @n with (base, mask) give any byte of the
 * hole a type other than WB? Non-contiguous masks are refused. */
static bool mtrr_pair_hurts_hole(uint64_t base, uint64_t mask)
{
	uint64_t physmask, start, size;
	unsigned bits = cpuid(0x80000008, 0).eax & 0xFF;

	if (!(mask & MTRR_VALID) || (base & 0xFF) == MTRR_TYPE_WB)
		return false;
	physmask = (bits >= 64 ? ~0ULL : (1ULL << bits) - 1) & ~0xFFFULL;
	mask &= physmask;
	size = (~mask & physmask) + 0x1000;
	if (size & (size - 1))
		return true; /* non-contiguous: too clever to allow */
	start = base & mask & physmask;
	return in_hv_hole(start, size);
}

static bool mtrr_type_ok(uint64_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* Would the CPU take this MTRR write (APM Vol. 2, 7.7)? An MSR that does
 * not exist or a reserved bit set means #GP, which the guest gets instead
 * of the hypervisor. */
static bool mtrr_write_valid(uint32_t msr, uint64_t val)
{
	unsigned bits = cpuid(0x80000008, 0).eax & 0xFF;
	uint64_t above = bits >= 64 ? 0 : ~((1ULL << bits) - 1);
	unsigned vcnt = rdmsr(MSR_MTRR_CAP) & 0xFF;

	if (msr == MSR_MTRR_DEF)
		return !(val & ~(0xFFULL | BIT(10) | BIT(11))) && mtrr_type_ok(val & 0xFF);
	if (msr >= 0x250) {
		if (msr != 0x250 && msr != 0x258 && msr != 0x259 &&
		    (msr < 0x268 || msr > 0x26F))
			return false;
		for (int i = 0; i < 8; i++)
			if (!mtrr_type_ok((val >> (8 * i)) & 0xFF))
				return false;
		return true;
	}
	if ((msr - MSR_MTRR_BASE0) / 2 >= vcnt)
		return false;
	if (msr & 1) /* PHYSMASK */
		return !(val & (GENMASK(10, 0) | above));
	return !(val & (GENMASK(11, 8) | above)) && mtrr_type_ok(val & 0xFF);
}

static bool mtrr_write_ok(uint32_t msr, uint64_t val)
{
	if (msr == MSR_MTRR_DEF) {
		/* Default type matters where no variable range covers: be
		 * strict and keep it WB (or MTRRs disabled: bit 11 clear
		 * means UC everywhere, refused too). */
		return (val & MTRR_VALID) && (val & 0xFF) == MTRR_TYPE_WB;
	}
	if (msr >= 0x250)
		return true; /* fixed ranges: below 1 MiB, never the hole */
	if (msr & 1) /* PHYSMASK: pair with the current base */
		return !mtrr_pair_hurts_hole(rdmsr(msr - 1), val);
	return !mtrr_pair_hurts_hole(val, rdmsr(msr + 1));
}

static enum exit_action msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = v->vmcb->save.efer & ~(uint64_t)EFER_SVME;
		return EXIT_RESUME;
	case MSR_VM_CR:
		*val = VM_CR_SVMDIS | VM_CR_LOCK;
		return EXIT_RESUME;
	case MSR_VM_HSAVE_PA:
		*val = v->vm_hsave_shadow;
		return EXIT_RESUME;
	case MSR_SMM_ADDR:
	case MSR_SMM_MASK:
		*val = 0;
		return EXIT_RESUME;
	default:
		vcpu_inject_gp(v);
		return EXIT_INJECT;
	}
}

static enum exit_action msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vmcb_save *s = &v->vmcb->save;

	switch (msr) {
	case MSR_EFER:
		if (val & ~(uint64_t)EFER_GUEST_OK) {
			vcpu_inject_gp(v); /* SVME included: no SVM here */
			return EXIT_INJECT;
		}
		/* LMA is the CPU's to set; keep it. SVME stays on. */
		s->efer = (val & ~(uint64_t)EFER_LMA) | (s->efer & EFER_LMA) |
			  EFER_SVME;
		return EXIT_RESUME;
	case MSR_VM_HSAVE_PA:
		v->vm_hsave_shadow = val;
		return EXIT_RESUME;
	case MSR_TSC:
		v->vmcb->ctl.tsc_offset = val - rdtsc();
		return EXIT_RESUME;
	case MSR_APIC_BASE:
		if (val != rdmsr(MSR_APIC_BASE))
			printk("vcpu %u: APIC_BASE write %llx dropped (relocation, "
			       "disable and x2APIC are not offered)\n", v->index,
			       (unsigned long long)val);
		return EXIT_RESUME;
	case MSR_SYSCFG:
	case MSR_HWCR:
	case MSR_SMM_ADDR:
	case MSR_SMM_MASK:
	case MSR_SMM_BASE:
	case MSR_IORR_FIRST ... MSR_IORR_LAST:
	case MSR_TOP_MEM:
	case MSR_TOP_MEM2:
	case MSR_MMIO_CFG:
		if (val != rdmsr(msr))
			printk("vcpu %u: write %llx to MSR %x dropped\n", v->index,
			       (unsigned long long)val, msr);
		return EXIT_RESUME;
	case MSR_VM_CR:
		vcpu_inject_gp(v);
		return EXIT_INJECT;
	default:
		break;
	}
	if ((msr >= MSR_MTRR_BASE0 && msr <= MSR_MTRR_LAST) || msr == MSR_MTRR_DEF) {
		if (!mtrr_write_valid(msr, val)) {
			vcpu_inject_gp(v);
			return EXIT_INJECT;
		}
		if (mtrr_write_ok(msr, val))
			wrmsr(msr, val);
		else
			printk("vcpu %u: MTRR %x write %llx dropped: it would make "
			       "hypervisor memory non-write-back\n", v->index, msr,
			       (unsigned long long)val);
		return EXIT_RESUME;
	}
	vcpu_inject_gp(v); /* x2APIC range, outside the map, or unknown */
	return EXIT_INJECT;
}

enum exit_action handle_msr(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint32_t msr = (uint32_t)v->regs.rcx;
	bool write = v->vmcb->ctl.exit_info1 & 1;
	enum exit_action act;
	uint64_t val = 0;

	if (write)
		act = msr_write(v, msr, (s->rax & 0xFFFFFFFF) |
					    (v->regs.rdx << 32));
	else
		act = msr_read(v, msr, &val);
	if (act != EXIT_RESUME)
		return act;
	if (!vcpu_skip_insn(v))
		return EXIT_STOP;
	if (!write) {
		s->rax = (uint32_t)val;
		v->regs.rdx = val >> 32;
	}
	return EXIT_RESUME;
}
