/*
 * svm/apic.c - the guest's writes to its local APIC (xAPIC page mapped
 * read-only in the NPT, so reads cost nothing and each write exits).
 *
 * Every write is performed on this CPU's real APIC, except:
 *  - ICR high goes to a per-vCPU shadow (and through to the real one,
 *    which the guest reads directly);
 *  - ICR low with INIT, STARTUP or NMI delivery is emulated and never
 *    reaches the hardware: an INIT resets the core under QEMU TCG even
 *    when intercepted (docs/qemu-svm.md, "INIT"), and NMIs are the
 *    hypervisor's signal. Targets get a request and a kick (smp_kick);
 *  - LDR and DFR are also shadowed, to resolve logical destinations.
 * Fixed and lowest-priority IPIs go to the real APIC with the shadowed ICR
 * high half; SMI and reserved delivery modes are dropped (an SMI would
 * enter SMM behind the hypervisor), as are LVT writes with SMI, INIT or
 * reserved delivery (svm/events.c, lvt_refused). Destinations follow
 * APM Vol. 2, 16.6: physical (0xFF broadcast), logical flat or cluster,
 * and the shorthands. A target without a vCPU is dropped.
 *
 * The guest's x2APIC (when the CPU has one; docs/interrupts.md, "x2APIC"):
 * its ICR (MSR 0x830) is emulated the same way (apic_x2_icr_write, from
 * svm/msr.c), with 32-bit destinations (Intel SDM Vol. 3, 10.12.9-10).
 * Once a CPU's APIC is in x2APIC mode its xAPIC page is not decoded any
 * more: reads give 0 and writes are dropped, except those to the plain
 * registers (EOI, TPR, timer, ...), which exist in both modes and keep
 * the hot path free of the check.
 */
#include "svm/internal.h"
#include "decode/decode.h"


void vcpu_post_ipi(struct vcpu *from, struct vcpu *to, unsigned mode,
		   uint8_t vector)
{
	if (mode == ICR_MODE_INIT) {
		/* A SIPI that reached the target while it ran (the ignored
		 * second SIPI of a pair) must not start it after this INIT:
		 * hardware drops SIPIs outside wait-for-SIPI. */
		__atomic_store_n(&to->sipi_req, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&to->init_req, 1, __ATOMIC_RELEASE);
	}
	else if (mode == ICR_MODE_STARTUP)
		__atomic_store_n(&to->sipi_req, SIPI_VALID | vector, __ATOMIC_RELEASE);
	else
		__atomic_fetch_add(&to->nmi_req, 1, __ATOMIC_ACQ_REL);
	if (to == from)
		to->cpu->kick_pending = 1; /* seen before the next VMRUN */
	else
		smp_kick(to->cpu);
}

/* Kept out of line: the common APIC writes (EOI, TPR, timer) stay cheap. */
static __attribute__((noinline)) void icr_write(struct vcpu *v, uint32_t lo)
{
	switch (icr_classify(lo)) {
	case ICR_FORWARD:
		lapic_send_ipi(v->icr_high >> 24, lo);
		return;
	case ICR_IGNORE:
		return; /* INIT level de-assert does nothing on this APIC */
	case ICR_REFUSE:
		if (v->apic_refused++ < 4)
			printk("vcpu %u: guest IPI %#x (SMI or reserved delivery "
			       "mode) dropped\n", v->index, lo);
		return;
	case ICR_EMULATE:
		break;
	}
	for (unsigned i = 0; i < cpus_max; i++) {
		struct vcpu *t = cpus[i] ? cpus[i]->vcpu : NULL;

		if (t && icr_targets(lo, v->icr_high, t == v, t->cpu->apic_id,
				     t->ldr, t->dfr))
			vcpu_post_ipi(v, t, ICR_MODE(lo), (uint8_t)lo);
	}
}

void apic_x2_icr_write(struct vcpu *v, uint64_t icr)
{
	uint32_t lo = (uint32_t)icr, dest = (uint32_t)(icr >> 32);

	switch (icr_classify(lo)) {
	case ICR_FORWARD:
		lapic_send_ipi(dest, lo);
		return;
	case ICR_IGNORE:
		return;
	case ICR_REFUSE:
		if (v->apic_refused++ < 4)
			printk("vcpu %u: guest x2APIC IPI %#llx (SMI or reserved "
			       "delivery mode) dropped\n", v->index,
			       (unsigned long long)icr);
		return;
	case ICR_EMULATE:
		break;
	}
	for (unsigned i = 0; i < cpus_max; i++) {
		struct vcpu *t = cpus[i] ? cpus[i]->vcpu : NULL;

		if (t && icr_targets_x2(lo, dest, t == v, t->cpu->apic_id))
			vcpu_post_ipi(v, t, ICR_MODE(lo), (uint8_t)lo);
	}
}

/* The mode apic_policy_init built the page's masks for; a CPU whose APIC
 * the guest moved to x2APIC since no longer decodes the page. */
static bool policy_x2apic;

static bool page_decoded(void)
{
	return lapic_x2apic() == policy_x2apic;
}

/* Reads of the page's registers (the decoder's read of a read-modify-
 * write, or any read after a write fault): registers the hardware has
 * (svm/apicregs.c), ICR high from the shadow; bytes within the first
 * dword of a register; everything else reads 0 (16.3.2: only aligned
 * 32-bit accesses are defined). */
static int apic_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	uint32_t reg = (uint32_t)(gpa & 0xFF0), off = (uint32_t)(gpa & 0xF);
	struct vcpu *v = ctx;
	uint32_t r;

	*val = 0;
	if (off + size > 4 || !page_decoded())
		return 0;
	if (reg == APIC_REG_ICR_HI)
		r = v->icr_high;
	else if (apic_reg_flags(reg, lapic_x2apic()) & APIC_REG_R)
		r = lapic_read(reg);
	else
		return 0;
	*val = (r >> (8 * off)) & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
	return 0;
}

/* Registers a guest write reaches the real APIC for: the writable ones
 * of svm/apicregs.c (never ID: the hypervisor addresses its kicks by APIC
 * ID; LDR and DFR only in xAPIC mode). Writes to the rest are dropped, as
 * the hardware ignores writes to read-only registers. */
#define APIC_FORWARD_WORDS (0x1000 / 16 / 64)  /* one bit per register */
static uint64_t apic_forward_mask[APIC_FORWARD_WORDS];
/* The forwarded registers minus those whose value needs a look: LDR and
 * DFR (shadowed) and every LVT entry lvt_refused can refuse some value
 * for (derived from lvt_refused itself, so the two cannot disagree). All
 * of them lie below 0x400, so one word holds them. The hottest writes
 * (EOI, TPR, timer count) take this one test and go straight to the real
 * APIC; everything else keeps the check-then-act order of
 * apic_write_checked. */
static uint64_t apic_plain_mask;

static bool apic_forwarded(uint32_t reg)
{
	return apic_forward_mask[(reg >> 4) / 64] & (1ULL << ((reg >> 4) % 64));
}

static bool apic_plain(uint32_t reg)
{
	return reg < 0x400 && (apic_plain_mask & (1ULL << (reg >> 4)));
}

void apic_policy_init(void)
{
	policy_x2apic = lapic_x2apic();
	for (uint32_t reg = 0; reg < 0x1000; reg += 0x10)
		if (apic_reg_flags(reg, lapic_x2apic()) & APIC_REG_W)
			apic_forward_mask[(reg >> 4) / 64] |= 1ULL << ((reg >> 4) % 64);
	apic_plain_mask = 0;
	for (uint32_t reg = 0; reg < 0x400; reg += 0x10) {
		bool refusable = false;

		for (uint32_t mode = 0; mode < 8; mode++)
			refusable |= lvt_refused(reg, mode << 8);
		if (apic_forwarded(reg) && !refusable &&
		    reg != APIC_REG_LDR && reg != APIC_REG_DFR &&
		    reg != APIC_REG_ICR_LO && reg != APIC_REG_ICR_HI)
			apic_plain_mask |= 1ULL << (reg >> 4);
	}
}

/* Writes that need a look at the register or the value, in order: check,
 * then act. Out of line, like icr_write. */
static __attribute__((noinline)) void apic_write_checked(struct vcpu *v,
							  uint32_t reg,
							  uint32_t val)
{
	/* The plain registers exist in both modes, so only here can a page
	 * write meet a register the x2APIC lacks (LDR, DFR): dropped. */
	if (!page_decoded())
		return;
	switch (reg) {
	case APIC_REG_ICR_HI:
		/* Shadowed, and written through (xAPIC) so that the guest's
		 * direct reads see it (the hypervisor's own IPIs restore
		 * it: lapic_send_ipi). */
		v->icr_high = val;
		if (!lapic_x2apic())
			lapic_write(reg, val);
		return;
	case APIC_REG_ICR_LO:
		icr_write(v, val);
		return;
	case APIC_REG_LDR:
		v->ldr = val;
		break;
	case APIC_REG_DFR:
		v->dfr = val;
		break;
	default:
		if (lvt_refused(reg, val)) {
			if (v->apic_refused++ < 4)
				printk("vcpu %u: guest LVT %#x write %#x (SMI, "
				       "INIT or reserved delivery) dropped\n",
				       v->index, reg, val);
			return;
		}
		break;
	}
	if (apic_forwarded(reg))
		lapic_write(reg, val);
}

static int apic_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	uint32_t reg = (uint32_t)(gpa & 0xFF0);

	if ((gpa & 0xF) || size != 4)
		return 0; /* 16.3.2: only aligned 32-bit accesses; ignore */
	if (reg < 0x400)
		((struct vcpu *)ctx)->apic_writes[reg >> 4]++;
	if (apic_plain(reg))
		lapic_write(reg, (uint32_t)val);
	else
		apic_write_checked(ctx, reg, (uint32_t)val);
	return 0;
}

static const struct mmio_ops apic_ops = { apic_read, apic_write };

/* The hottest exit of a LAPIC-driven guest (its EOI and timer writes):
 * tried by the run loop before the dispatch table; false sends the exit
 * down the normal path (handle_npf). */
bool apic_fast_write(struct vcpu *v)
{
	const struct vmcb_control *c = &v->vmcb->ctl;
	unsigned size;
	uint64_t val;

	if ((c->exit_info2 & ~0xFFFULL) != APIC_PAGE_GPA ||
	    (c->exit_info1 & (NPF_ERR_P | NPF_ERR_WRITE | NPF_ERR_WALK)) !=
	    (NPF_ERR_P | NPF_ERR_WRITE))
		return false;
	if (!vcpu_mmio_site_match(v, c->exit_info2, &size, &val))
		return false;
	apic_write(v, c->exit_info2, size, val);  /* never fails */
	vcpu_mmio_site_done(v);
	return true;
}

enum exit_action apic_write_fault(struct vcpu *v, uint64_t gpa)
{
	struct insn in;
	int rc;

	rc = vcpu_emulate_mmio(v, gpa, &apic_ops, v, &in);
	if (rc != DEC_OK) {
		printk("vcpu %u: APIC write at %llx not emulated: %s\n", v->index,
		       (unsigned long long)gpa, decode_strerror(rc));
		vmcb_dump(v);
		vcpu_stop(v, "undecodable local APIC write");
		return EXIT_STOP;
	}
	return EXIT_RESUME;
}
