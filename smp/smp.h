/*
 * smp/smp.h - CPUs: per-CPU state, the local APIC, AP start-up, cross-CPU
 * calls and NMI signalling.
 *
 * Each CPU's state lives in one struct percpu reached through GS base
 * (this_cpu()). Once the guest runs, every interrupt vector belongs to the
 * guest, so CPUs signal each other with NMIs only (docs/design.md,
 * "Interrupts"; docs/interrupts.md): a sender sets a flag in the target's
 * percpu, then sends an NMI IPI; the NMI handler only records it and asks
 * the NMI sources; the target acts on it in its own loop. CPUs that wait,
 * wait in HLT with IF = 0.
 */
#ifndef SMP_SMP_H
#define SMP_SMP_H

#include "kernel/kernel.h"

#define CPU_STACK_ORDER 2          /* 16 KiB hypervisor stack per CPU */
#define CPU_IST_ORDER   1          /* 8 KiB per IST stack */
#define IST_NMI 1
#define IST_DF  2
#define IST_MC  3

/* 64-bit TSS (APM Vol. 2, 12.2.5). */
struct tss64 {
	uint32_t reserved_0x00;
	uint64_t rsp[3];
	uint64_t reserved_0x1c;
	uint64_t ist[7];
	uint64_t reserved_0x5c;
	uint16_t reserved_0x64;
	uint16_t iomap_base;
} __packed;
_Static_assert(offsetof(struct tss64, rsp) == 0x04, "TSS");
_Static_assert(offsetof(struct tss64, ist) == 0x24, "TSS");
_Static_assert(offsetof(struct tss64, iomap_base) == 0x66, "TSS");
_Static_assert(sizeof(struct tss64) == 0x68, "TSS");

enum cpu_state {
	CPU_ABSENT = 0,    /* never answered */
	CPU_STARTING,      /* SIPI sent */
	CPU_ONLINE,        /* in the hypervisor, idle */
	CPU_IN_GUEST,      /* running its vCPU */
	CPU_STOPPED,       /* halted for good (panic, fatal error) */
};

typedef void (*smp_fn)(void *arg);

struct vcpu;

struct percpu {
	struct percpu *self;        /* 0x00: this_cpu() reads %gs:0 */
	uint32_t index;             /* logical CPU number, 0 = boot CPU */
	uint32_t apic_id;
	volatile uint32_t state;    /* enum cpu_state */
	uint32_t reserved_0x14;
	uint64_t stack_top;
	uint64_t ist_top[3];        /* NMI, #DF, #MC */

	/* Signals (docs/interrupts.md, "Every NMI looks at every source").
	 * kick_pending: "look at your requests": set by a sender after its
	 * request fields and by the NMI handler on every NMI; the CPU's loop
	 * clears it (sequentially consistent store) before it reads them.
	 * kick_nmi: a kick's NMI is on its way and no NMI handler has taken
	 * it yet (a flag, never a count: two kicks in flight are one NMI). */
	volatile uint32_t kick_pending;
	volatile uint32_t kick_nmi;
	volatile uint32_t src_pending;    /* nmi_sources claimed, to service */
	volatile uint32_t nmi_count;      /* NMIs taken by the host handler */
	volatile uint64_t kicks_taken;    /* NMIs that found kick_nmi set */
	volatile uint64_t foreign_nmis;   /* NMIs nothing of ours explains: the
	                                   * guest's, queued for its vCPU */
	volatile uint64_t device_nmis;    /* NMIs an nmi_source claimed */
	uint64_t poll_due_tsc;            /* next look at polled sources */
	volatile smp_fn call_fn;
	void *volatile call_arg;
	volatile uint32_t call_done;

	struct vcpu *vcpu;          /* svm/: this CPU's vCPU, or NULL */
	bool stack_is_frame;        /* stack_top ends a STACK frame block */
	bool lapic_x2;              /* its local APIC is in x2APIC mode */

	uint64_t gdt[7] __aligned(16); /* null, code64, data, code32, TSS(2), pad */
	struct tss64 tss __aligned(16);
};
_Static_assert(offsetof(struct percpu, self) == 0, "this_cpu() reads %gs:0");

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* All CPUs by index (NULL when absent), cpus_max slots: one per enabled
 * CPU of the MADT (at least 1), allocated at boot (smp_init_bsp); no
 * fixed limit. How many are online, and how many the MADT offered. */
extern struct percpu **cpus;
extern unsigned int cpus_max;
extern unsigned int cpus_online;
extern unsigned int cpus_possible;

/*
 * What the pool must hold per CPU (docs/memory.md, "Per CPU"): its
 * stacks (16 KiB + 3 x 8 KiB IST), its vCPU's VMCB, host save area and
 * host-state page (3 x 4 KiB), its heap caches (about 7 KiB) and its
 * percpu and vcpu objects, with room to spare. `make bench` (bench/
 * scale.mk) measures the real figure and fails above this bound. Plus
 * SMP_POOL_REST for everything that does not grow with the CPU count
 * (nested page tables, MSRPM/IOPM, the NIC's buffers, lwIP, the guest's
 * boot information).
 */
#define SMP_POOL_PER_CPU (80 * KiB)
#define SMP_POOL_REST    (8 * MiB)

/* ---- bring-up (init/main.c calls these in order) ------------------------ */
struct acpi_info;
/* smp_init_bsp: percpu, GDT, TSS with IST stacks, GS base, NMI handler
 * for the boot CPU; local APIC (xAPIC or x2APIC, reported); cpus[] and
 * the heap's per-CPU caches sized for the MADT's enabled CPUs. A pool
 * (hv_mem=) too small for them stops the boot with the size needed:
 * "hv_mem=NNNM needed for N CPUs" (CPUs are never left out for lack of
 * memory: a guest would wait for them). */
void smp_init_bsp(const struct acpi_info *acpi);
/* smp_start_aps: start every enabled CPU of the MADT with INIT-SIPI-SIPI
 * through a trampoline below 1 MiB; a CPU that does not answer in time is
 * reported and skipped, as is the one with APIC ID @skip (cpu_skip=, for
 * tests; UINT32_MAX: none). Returns the number of CPUs online. */
unsigned int smp_start_aps(const struct acpi_info *acpi,
			   const struct bootinfo *bi, uint32_t skip);
/* The trampoline page (for the guest's memory map: given back), or 0. */
uint64_t smp_trampoline_pa(void);

/* ---- cross-CPU ---------------------------------------------------------- */
/* Run fn(arg) on every online CPU (this one included) and wait for all;
 * a CPU that does not finish in @timeout_ms is reported. Returns the
 * number of CPUs that ran it. */
unsigned int smp_call_all(smp_fn fn, void *arg, unsigned int timeout_ms);
/* Service the nmi_sources this CPU's NMIs (or polls) found pending, then
 * run the smp_call_all() function posted to this CPU, if any, and report
 * it done (the idle loop and the vCPU loop both call this whenever the
 * CPU was kicked). */
void smp_run_pending_call(struct percpu *c);
/* Set the target's kick_pending (after the caller wrote its request),
 * then NMI it unless a kick's NMI is already on its way (kick_nmi). */
void smp_kick(struct percpu *target);

/*
 * NMI sources: everything that may raise an NMI for the hypervisor besides
 * a kick (the debug console's UART today; a NIC's MSI in NMI delivery mode
 * and the IOMMU's event log later). Sources are never inferred from
 * counts: every NMI on a CPU asks every source registered for that CPU
 * whether it has something (pending()), and the CPU's loop then runs the
 * service() of each source that said yes. Rules for a source:
 *  - pending() runs in NMI context, possibly while service() runs on the
 *    same CPU: no locks, no printing, cheap (a register read or two); it
 *    must not lose the device's state (a read-to-clear cause register is
 *    read into the source's own memory, which service() then consumes);
 *    it may claim generously (an NMI claimed by a source is not given to
 *    the guest, so a source that says yes for no reason steals the
 *    guest's NMIs; one that says no when it raised the NMI makes the
 *    guest see a spurious NMI).
 *  - service() runs in the CPU's loop, GIF = 1, NMIs open, never with a
 *    lock held by the loop; it must leave the device able to raise a new
 *    edge (read until its line drops), or call smp_nmi_source_again().
 *  - poll_us != 0: the source is also asked on this CPU's VM exits at
 *    most this often (its NMI route may be missing or held off); then
 *    pending() must be false when there is nothing to do.
 *  - poll_only: it has no NMI route at all. Its CPU's vCPU then does not
 *    let the guest sleep in HLT without exits: the guest's HLT exits and
 *    the hypervisor waits for the guest's next interrupt itself, polling
 *    (svm/, docs/interrupts.md, "Polled sources").
 * Registration happens at boot, before the source can raise anything;
 * NMI_MAX_SOURCES at most. A NIC driver: pending() reads (and keeps) the
 * cause, cpu = the CPU its MSI targets (NMI_ANY_CPU if it may move).
 */
#define NMI_MAX_SOURCES 8
#define NMI_ANY_CPU     0xFFFFFFFFu
struct nmi_source {
	const char *name;
	uint32_t cpu;                      /* the CPU its NMIs go to */
	uint32_t poll_us;                  /* 0: NMIs only */
	bool poll_only;                    /* no NMI route: polling only */
	/* Whether the source has work: asked on an NMI (from_nmi: claim
	 * it if it may be yours) and at exit-time polls (false). */
	bool (*pending)(bool from_nmi);
	void (*service)(struct percpu *c);
	volatile uint64_t nmis;            /* NMIs it claimed */
	volatile uint64_t polls;           /* exit-time looks that found work */
};
/* 0, or -1 when the table is full (the source is then never asked). */
int smp_nmi_source_add(struct nmi_source *s);
/* From service(): run service() again before the CPU's next VMRUN. */
void smp_nmi_source_again(const struct nmi_source *s);
/* The vCPU loop, after an exit, with GIF = 1: ask the polled sources of
 * this CPU whose period ran out; those with work become pending like an
 * NMI's. Cheap when nothing is due (one compare against @now, the TSC
 * the loop read at the exit). */
void smp_poll_sources_due(struct percpu *c);
static inline void smp_poll_sources(struct percpu *c, uint64_t now)
{
	if (now >= c->poll_due_tsc)
		smp_poll_sources_due(c);
}
/* The source table's pure logic (smp/nmisrc.c, host-tested):
 * nmi_sources_look: ask every source of @cpu; returns the mask of those
 * that have work (counted in their nmis when @from_nmi). */
uint32_t nmi_sources_look(uint32_t cpu, bool from_nmi);
/* nmi_sources_service: service() for each bit of @mask. */
void nmi_sources_service(struct percpu *c, uint32_t mask);
/* The polling period of @cpu's sources in us (the smallest), 0: none. */
uint32_t nmi_sources_poll_us(uint32_t cpu);
/* Whether a source of @cpu can only be polled (no NMI route). */
bool nmi_sources_poll_only(uint32_t cpu);
/* nmi_kick_mark: smp_kick's flags; true when an NMI must be sent (no
 * kick's NMI is on its way to @t). */
bool nmi_kick_mark(struct percpu *t);
/* nmi_record: what the NMI handler does on @c (not halting): take the
 * kick flag, ask the sources, count, give the NMI to the guest when
 * nothing of ours explains it, set kick_pending. */
void nmi_record(struct percpu *c);
/* nmi_for_guest: whether an NMI belongs to the guest: nothing of ours
 * (no kick in flight, no source with work) explains it. */
static inline bool nmi_for_guest(bool kick, uint32_t claimed)
{
	return !kick && !claimed;
}
/* nmi_park_rip: where an NMI that interrupted smp_park_until at @rip
 * resumes: anywhere from its first instruction to its HLT (inclusive,
 * [begin, end)) goes back to the first, which reads the flag again;
 * elsewhere unchanged. An NMI between the flag test and the HLT would
 * otherwise return to a HLT with the wake-up lost. */
static inline uint64_t nmi_park_rip(uint64_t rip, uint64_t begin, uint64_t end)
{
	return rip >= begin && rip < end ? begin : rip;
}
/* The bit of @s in the masks above (0: not registered). */
uint32_t nmi_source_bit(const struct nmi_source *s);
/* nmi_sources_add: smp_nmi_source_add without telling the CPUs. */
int nmi_sources_add(struct nmi_source *s);
/* smp_nmi_unmask: an IRET to the next instruction, which ends the CPU's
 * NMI blocking (APM Vol. 2, 8.2.2: IRET unmasks NMIs) without leaving
 * this code. */
void smp_nmi_unmask(void);
/*
 * Races: each decided by one atomic operation on the target's percpu, so
 * exactly one side wins (smp/handshake.c, host-tested with threads).
 * smp_ap_accept (the AP) and smp_ap_give_up (the boot CPU, after its
 * timeout): STARTING becomes ONLINE or ABSENT, never both; an AP that
 * loses halts before taking any lock. smp_call_take (the target's loop)
 * and smp_call_withdraw (smp_call_all after its timeout): the posted call
 * is either taken, and run once, or withdrawn, and never run.
 * smp_kick_take: the loop clears kick_pending, sequentially consistent,
 * before it reads any request field.
 */
bool smp_ap_accept(struct percpu *c);
bool smp_ap_give_up(struct percpu *c);
smp_fn smp_call_take(struct percpu *c);
bool smp_call_withdraw(struct percpu *c, smp_fn fn);
void smp_kick_take(struct percpu *c);
/* For tests: forget every source. */
void nmi_sources_reset(void);

/* The loop every CPU ends in: parked in HLT until kicked; runs cross-CPU
 * calls and, through smp_vcpu_work, its vCPU when there is work. */
_Noreturn void smp_idle_loop(struct percpu *c);
/* Set by svm/: run this CPU's vCPU if it has been started (SIPI);
 * returns when the vCPU goes back to waiting (INIT) or stops. */
extern void (*smp_vcpu_work)(struct percpu *c);
/* Wait in HLT (IF = 0) until *flag becomes nonzero. NMI-safe: an NMI
 * anywhere between the load of the flag and the HLT resumes at the load
 * (nmi_park_rip), so a kick is never lost. */
void smp_park_until(volatile uint32_t *flag);

/* ---- local APIC (smp/lapic.c) ------------------------------------------ */
#define APIC_REG_ID      0x020
#define APIC_REG_VERSION 0x030
#define APIC_REG_TPR     0x080
#define APIC_REG_EOI     0x0B0
#define APIC_REG_LDR     0x0D0
#define APIC_REG_DFR     0x0E0
#define APIC_REG_SVR     0x0F0
#define APIC_REG_ISR     0x100
#define APIC_REG_ESR     0x280
#define APIC_REG_ICR_LO  0x300
#define APIC_REG_ICR_HI  0x310
#define APIC_REG_LVT_TIMER 0x320
#define APIC_REG_LVT_LINT0 0x350
#define APIC_REG_LVT_LINT1 0x360
#define APIC_REG_LVT_ERROR 0x370
#define APIC_REG_TIMER_ICR 0x380
#define APIC_REG_TIMER_DCR 0x3E0

#define ICR_FIXED     (0U << 8)
#define ICR_NMI       (4U << 8)
#define ICR_INIT      (5U << 8)
#define ICR_STARTUP   (6U << 8)
#define ICR_BUSY      (1U << 12)
#define ICR_ASSERT    (1U << 14)
#define ICR_LEVEL     (1U << 15)
#define ICR_SELF      (1U << 18)
#define ICR_ALL       (2U << 18)
#define ICR_ALL_BUT_SELF (3U << 18)

/* smp/lapicmode.c (pure, host-tested): whether the hypervisor runs the
 * APICs in x2APIC mode. */
bool lapic_want_x2apic(uint64_t apic_base, uint32_t max_apic_id, bool has_x2apic);
/* The MSR of the register at offset @reg of the xAPIC page (Intel SDM
 * Vol. 3, 10.12.1.2, table 10-6): 0x800 + reg / 16; ID 0x802, ICR 0x830.
 * Inline: lapic_write stays a leaf on the guest's hot APIC writes. */
static inline uint32_t lapic_x2_msr(uint32_t reg)
{
	return 0x800 + (reg >> 4);
}
/* The x2APIC ICR is one 64-bit MSR: destination in bits 63:32, the
 * xAPIC's low half below (10.12.9). */
static inline uint64_t lapic_x2_icr(uint32_t dest, uint32_t icr_lo)
{
	return (uint64_t)dest << 32 | icr_lo;
}

void lapic_init_bsp(uint64_t base_pa, uint32_t max_apic_id);
void lapic_init_ap(void);
void lapic_restore_firmware_state(void);
/* Whether this CPU's local APIC is in x2APIC mode: the boot's choice
 * (all CPUs alike), or the guest's since (lapic_now_x2apic). Inline: the
 * guest's trapped APIC writes ask it (bench-svm counts them). */
static inline bool lapic_x2apic(void)
{
	return this_cpu()->lapic_x2;
}
/* The guest moved this CPU's APIC from xAPIC to x2APIC mode (svm/msr.c,
 * after its APIC_BASE write): from now on MSRs reach it here. */
void lapic_now_x2apic(void);
/* The local APIC page's physical address (the MADT's, else APIC_BASE's),
 * also in x2APIC mode, where the page is not decoded. */
uint64_t lapic_base_pa(void);
uint32_t lapic_id(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
/* Send an IPI: @icr_lo holds mode/level/shorthand bits; @dest is the
 * APIC ID (ignored with a shorthand). Waits for delivery (xAPIC). */
void lapic_send_ipi(uint32_t dest, uint32_t icr_lo);

#endif
