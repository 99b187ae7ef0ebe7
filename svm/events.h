/*
 * svm/events.h - the pure logic of event delivery and IPI routing, kept
 * apart from the hardware so the host tests can drive it (tests/unit/
 * test_events.c). Private to svm/; svm/internal.h includes it.
 *
 * Event merging (APM Vol. 2, 15.20 EVENTINJ, 15.7.2 EXITINTINFO): an event
 * that was being delivered when the exit happened goes in first, verbatim;
 * an event the hypervisor raised waits behind it for the next entry. A
 * virtual NMI goes in only when EVENTINJ is free, the guest is not in its
 * NMI handler (we track that: EVENTINJ ignores the guest's NMI blocking)
 * and no interrupt shadow is active; its IRET is intercepted, and the
 * window reopens at the first later exit with a different RIP (the IRET
 * exit comes before the IRET retires).
 */
#ifndef SVM_EVENTS_H
#define SVM_EVENTS_H

#include "kernel/kernel.h"

/* EVENTINJ / EXITINTINFO (APM Vol. 2, 15.20) */
#define EVENT_VECTOR_MASK     0xFFULL
#define EVENT_TYPE_SHIFT      8
#define EVENT_TYPE_INTR       (0ULL << 8)
#define EVENT_TYPE_NMI        (2ULL << 8)
#define EVENT_TYPE_EXCEPTION  (3ULL << 8)
#define EVENT_TYPE_SOFTINT    (4ULL << 8)
#define EVENT_TYPE_MASK       (7ULL << 8)
#define EVENT_ERROR_VALID     BIT(11)
#define EVENT_VALID           BIT(31)
#define EVENT_ERROR_SHIFT     32
#define EVENT_NMI             (EVENT_VALID | EVENT_TYPE_NMI | 2)

struct event_state {
	uint64_t inject;          /* raised by an exit handler, not yet queued */
	uint64_t pending;         /* waiting behind a re-injected event */
	uint64_t dropped;         /* raised while one was already waiting */
	uint32_t nmi_queued;      /* 0 or 1: NMIs latch, they do not queue */
	bool nmi_blocked;         /* the guest is in its NMI handler */
	bool awaiting_iret;       /* its IRET exited, not yet retired */
	uint64_t iret_rip;
	uint64_t nmis_injected;
	/* An NMI waits for the guest's IRET to retire, and the guest may run
	 * on without another exit: single-step over the IRET (RFLAGS.TF,
	 * #DB intercepted) so that the window opens right after it, as
	 * hardware delivers a pending NMI right after IRET. */
	bool step_iret;           /* set by events_prepare: step this entry */
	bool stepping;            /* TF is ours until the next #DB */
	uint64_t iret_steps;
};

/* events_exception: the EVENTINJ value of an exception. */
uint64_t events_exception(unsigned vector, bool has_error, uint32_t error);

/* events_prepare: EVENTINJ for the next VMRUN, given the last exit's
 * EXITINTINFO, the guest's RIP and interrupt shadow. *iret_intercept
 * becomes true when an NMI went in (intercept the guest's IRET). */
uint64_t events_prepare(struct event_state *es, uint64_t exitintinfo,
			uint64_t rip, bool shadow, bool *iret_intercept);

/* events_step_db: a #DB exit at @rip; true when it is the end of our
 * single step over an IRET (the hypervisor's own: not for the guest). */
bool events_step_db(struct event_state *es, uint64_t rip);

/* events_iret: the guest's IRET exited at @rip (not yet executed). */
void events_iret(struct event_state *es, uint64_t rip);

/* events_queue_nmi: an NMI for the guest (latched: at most one waits). */
void events_queue_nmi(struct event_state *es);

/* events_reset: what INIT does to pending events. */
void events_reset(struct event_state *es);

/* ---- IPI routing (APM Vol. 2, 16.5-16.6) ---------------------------- */
#define ICR_MODE(lo)       (((lo) >> 8) & 7)
#define ICR_DEST_LOGICAL   BIT(11)
#define ICR_LEVEL_ASSERT   BIT(14)
#define ICR_SHORTHAND(lo)  (((lo) >> 18) & 3)
#define ICR_MODE_FIXED     0
#define ICR_MODE_LOWEST    1
#define ICR_MODE_SMI       2
#define ICR_MODE_NMI       4
#define ICR_MODE_INIT      5
#define ICR_MODE_STARTUP   6
#define ICR_MODE_EXTINT    7      /* LVT LINT0/1 only */
#define APIC_DFR_FLAT      0xF

enum icr_action {
	ICR_FORWARD,      /* to the real APIC, ICR high from the shadow */
	ICR_EMULATE,      /* INIT (assert), STARTUP or NMI: ours */
	ICR_IGNORE,       /* INIT level de-assert: no effect */
	ICR_REFUSE,       /* SMI or a reserved mode: never sent, logged */
};

enum icr_action icr_classify(uint32_t lo);

/* lvt_refused: whether a guest write of val to local APIC LVT register reg
 * must be dropped: a delivery mode that would reach SMM or reset the core
 * (SMI, INIT) or is reserved. LINT0/LINT1 take fixed, NMI, ExtINT;
 * thermal, performance counter and CMCI take fixed, NMI (APM Vol. 2,
 * 16.4.1, figure 16-11 "Local Vector Table"); timer and error entries have
 * no delivery mode. */
bool lvt_refused(uint32_t reg, uint32_t val);

/* icr_targets: whether the vCPU with @apic_id, @ldr, @dfr is a target of
 * ICR (@lo, @hi) written by the vCPU @self (true if it is that vCPU). */
bool icr_targets(uint32_t lo, uint32_t hi, bool self, uint32_t apic_id,
		 uint32_t ldr, uint32_t dfr);

/* ---- the guest's x2APIC (svm/x2apic.c; Intel SDM Vol. 3, 10.12) ------- */
/* x2apic_icr_valid: no reserved ICR bit set (else the WRMSR #GPs). */
bool x2apic_icr_valid(uint64_t icr);
/* icr_targets_x2: whether the vCPU with @x2apic_id is a target of the
 * x2APIC ICR low half @lo with destination @dest, written by @self. */
bool icr_targets_x2(uint32_t lo, uint32_t dest, bool self, uint32_t x2apic_id);
/* x2apic_write_passes: whether a guest WRMSR to @msr runs without an exit
 * (svm/msrtable.c opens exactly these). */
bool x2apic_write_passes(uint32_t msr);
/* x2apic_write_class: what an intercepted guest WRMSR of @val to x2APIC
 * MSR @msr (0x800-0x8FF) becomes. */
enum x2_write {
	X2_ICR,           /* the ICR: emulated like the xAPIC's (svm/apic.c) */
	X2_FORWARD,       /* written to the hardware as it is */
	X2_DROP,          /* an LVT with SMI, INIT or reserved delivery */
	X2_GP,            /* read-only, absent, or reserved bits: #GP */
};
enum x2_write x2apic_write_class(uint32_t msr, uint64_t val);
/* apic_base_write_check: a guest write of @val to APIC_BASE (MSR 0x1B)
 * whose current value is @cur; @valid: the bits that may be 1 (BSP, EXTD,
 * EN, the base up to MAXPHYADDR). */
enum apic_base_action {
	APIC_BASE_SAME,       /* nothing changes */
	APIC_BASE_TO_X2APIC,  /* xAPIC to x2APIC: performed */
	APIC_BASE_DROP,       /* relocation, disable, BSP: dropped, logged */
	APIC_BASE_GP,         /* the CPU would refuse it: #GP */
};
enum apic_base_action apic_base_write_check(uint64_t cur, uint64_t val,
					    bool has_x2apic, uint64_t valid);

#endif
