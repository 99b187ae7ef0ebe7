/*
 * smp/smp.h - CPUs: per-CPU state, the local APIC, AP start-up, cross-CPU
 * calls and NMI signalling.
 *
 * Each CPU's state lives in one struct percpu reached through GS base
 * (this_cpu()). Once the guest runs, every interrupt vector belongs to the
 * guest, so CPUs signal each other with NMIs only (design.md,
 * "Interrupts"): a sender sets a flag in the target's percpu, then sends
 * an NMI IPI; the NMI handler only records it; the target acts on it in
 * its own loop. CPUs that wait, wait in HLT with IF = 0.
 */
#ifndef SMP_SMP_H
#define SMP_SMP_H

#include "kernel/kernel.h"

#define SMP_MAX_CPUS 64
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

	/* Signals from other CPUs (set before the NMI that announces them). */
	volatile uint32_t kick_pending;
	volatile uint32_t nmi_count;      /* NMIs taken by the host handler */
	volatile uint64_t kicks_sent;     /* NMIs other CPUs sent as kicks */
	uint64_t kicks_taken;             /* kicks the NMI handler accounted */
	volatile uint64_t foreign_nmis;   /* NMIs that were not kicks: guest's */
	volatile uint64_t device_nmis;    /* claimed by smp_nmi_source */
	volatile smp_fn call_fn;
	void *volatile call_arg;
	volatile uint32_t call_done;

	struct vcpu *vcpu;          /* svm/: this CPU's vCPU, or NULL */
	bool stack_is_frame;        /* stack_top ends a STACK frame block */

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

/* All CPUs by index (NULL when absent) and how many are online. */
extern struct percpu *cpus[SMP_MAX_CPUS];
extern unsigned int cpus_online;
extern unsigned int cpus_possible;

/* ---- bring-up (kernel/main.c calls these in order) ---------------------- */
struct acpi_info;
/* smp_init_bsp: percpu, GDT, TSS with IST stacks, GS base, NMI handler
 * for the boot CPU; local APIC (xAPIC or x2APIC, reported). */
void smp_init_bsp(const struct acpi_info *acpi);
/* smp_start_aps: start every enabled CPU of the MADT with INIT-SIPI-SIPI
 * through a trampoline below 1 MiB; a CPU that does not answer in time is
 * reported and skipped. Returns the number of CPUs online. */
unsigned int smp_start_aps(const struct acpi_info *acpi,
			   const struct bootinfo *bi);
/* The trampoline page (for the guest's memory map: given back), or 0. */
uint64_t smp_trampoline_pa(void);

/* ---- cross-CPU ---------------------------------------------------------- */
/* Run fn(arg) on every online CPU (this one included) and wait for all;
 * a CPU that does not finish in @timeout_ms is reported. Returns the
 * number of CPUs that ran it. */
unsigned int smp_call_all(smp_fn fn, void *arg, unsigned int timeout_ms);
/* Run smp_poll_hook, then the smp_call_all() function posted to this CPU,
 * if any, and report it done (the idle loop and the vCPU loop both call
 * this whenever the CPU was kicked). */
void smp_run_pending_call(struct percpu *c);
/* A device that signals with NMIs (the debug console's UART, routed as an
 * NMI to the boot CPU): asked by the NMI handler, NMI context, when an NMI
 * is not an announced kick; true claims it (it then wakes the CPU's loop
 * like a kick and is not queued for the guest). NMIs coalesce: a guest
 * NMI that arrives while the device's condition holds is taken for the
 * device's (docs/interrupts.md). */
extern bool (*smp_nmi_source)(unsigned cpu_index);
/* Work for a kicked CPU's loops (the console's input), before its
 * cross-CPU call. */
extern void (*smp_poll_hook)(struct percpu *c);
/* Set the target's kick flag, then NMI it. An NMI that arrives with no
 * kick announced belongs to the guest (counted in foreign_nmis). NMIs
 * coalesce: a kick and a guest NMI that arrive together become one, and
 * the guest's is then lost (docs/interrupts.md). */
void smp_kick(struct percpu *target);
/* The loop every CPU ends in: parked in HLT until kicked; runs cross-CPU
 * calls and, through smp_vcpu_work, its vCPU when there is work. */
_Noreturn void smp_idle_loop(struct percpu *c);
/* Set by svm/: run this CPU's vCPU if it has been started (SIPI);
 * returns when the vCPU goes back to waiting (INIT) or stops. */
extern void (*smp_vcpu_work)(struct percpu *c);
/* Wait in HLT (IF = 0) until *flag becomes nonzero. NMI-safe: a kick
 * that lands between the check and the HLT is not lost. */
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

void lapic_init_bsp(uint64_t base_pa, uint32_t max_apic_id);
void lapic_init_ap(void);
void lapic_restore_firmware_state(void);
bool lapic_x2apic(void);
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
