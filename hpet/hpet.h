/*
 * hpet/hpet.h - the hypervisor's tick: one timer of the HPET (IA-PC HPET
 * specification 1.0a) kept for the hypervisor, in periodic mode, its
 * interrupt delivered through the timer's FSB route (an MSI write, 2.3.9.2)
 * as an NMI to the boot CPU. It exists for a console whose UART IRQ cannot
 * be routed: without it such a console is asked only on the boot CPU's
 * exits, and a guest computing with interrupts off makes none. With it the
 * boot CPU exits at least every HPET_TICK_US, and the exit polls the
 * console (docs/interrupts.md, "The tick").
 *
 * The HPET is shared with the guest: its page is left out of the nested
 * page table and every guest access goes through the view below, which
 * hides the kept timer (the guest sees one timer fewer), keeps the main
 * counter running whatever the guest writes (the guest's enable bit and a
 * stopped counter are shadowed), and refuses FSB routes the HPET would
 * turn into writes outside the local APICs' MSI window or into INIT, SMI
 * or ExtINT messages.
 */
#ifndef HPET_HPET_H
#define HPET_HPET_H

#include "kernel/kernel.h"

#define HPET_TICK_US      10000     /* the tick's period */
#define HPET_REGS_SIZE    0x400     /* 1.0a, 2.3.1: 1 KiB of registers */
#define HPET_MAX_TIMERS   32        /* NUM_TIM_CAP is 5 bits */

/* Register offsets (1.0a, 2.3.1, table 2). Accessed as 32-bit dwords. */
#define HPET_GCAP         0x000     /* capabilities and ID */
#define HPET_GEN_CONF     0x010     /* ENABLE_CNF bit 0, LEG_RT_CNF bit 1 */
#define HPET_GINTR_STA    0x020     /* level interrupts' status, W1C */
#define HPET_COUNTER      0x0F0     /* main counter */
#define HPET_TIMER(n)     (0x100 + 0x20 * (n))
#define HPET_TN_CONF      0x00      /* within a timer's block */
#define HPET_TN_CMP       0x08
#define HPET_TN_FSB       0x10      /* low: data, high: address */

/* Tn_CONF bits (1.0a, 2.3.8). */
#define HPET_TN_INT_TYPE  BIT(1)    /* level */
#define HPET_TN_INT_ENB   BIT(2)
#define HPET_TN_PERIODIC  BIT(3)
#define HPET_TN_PER_CAP   BIT(4)
#define HPET_TN_VAL_SET   BIT(6)
#define HPET_TN_32MODE    BIT(8)
#define HPET_TN_FSB_EN    BIT(14)
#define HPET_TN_FSB_CAP   BIT(15)

/* The MSI window the FSB address must lie in (AMD APM Vol. 2, 16.5: the
 * local APICs' interrupt message address range). */
#define HPET_MSI_BASE     0xFEE00000u
#define HPET_MSI_MASK     0xFFF00000u

/* ---- the guest's view (hpet/view.c, pure; host-tested) ----------------- */

/* The hardware, one 32-bit register at a time (offsets in the block). */
struct hpet_hw {
	uint32_t (*rd)(void *ctx, uint32_t off);
	void (*wr)(void *ctx, uint32_t off, uint32_t val);
	void *ctx;
};

struct hpet_view {
	struct hpet_hw hw;
	unsigned ntimers;            /* the hardware's */
	bool keep;                   /* a timer kept (else routes checked only) */
	unsigned ours;               /* the kept timer: always the last */
	bool guest_enabled;          /* ENABLE_CNF as the guest last wrote it */
	uint64_t frozen;             /* the counter it reads while disabled */
	/* What the view refused or ignored, for the log and `hpet`. */
	uint64_t refused_routes;     /* FSB routes outside the rules */
	uint64_t ignored_writes;     /* the kept timer's, reserved, counter */
	uint64_t bad_accesses;       /* not 4 or 8 bytes, or misaligned */
	const char *last_refusal;    /* why the last write was refused */
};

/* hpet_view_init: the view of an HPET with @ntimers timers (2..32) whose
 * last one is kept. @guest_enabled/@frozen: what the guest first sees
 * (the counter's state before the hypervisor started it).
 * hpet_view_init_guard: the view of an HPET the guest keeps whole
 * (1..32 timers): only its FSB routes are checked. */
void hpet_view_init(struct hpet_view *v, const struct hpet_hw *hw,
		    unsigned ntimers, bool guest_enabled, uint64_t frozen);
void hpet_view_init_guard(struct hpet_view *v, const struct hpet_hw *hw,
			  unsigned ntimers);

/* A guest access at @off (0..4095 in the page) of @size bytes. Accesses
 * the HPET does not have (sizes other than 4 and 8, misaligned ones) read
 * all ones and write nothing; they return -1, everything else 0. */
int hpet_view_read(struct hpet_view *v, uint32_t off, unsigned size,
		   uint64_t *val);
int hpet_view_write(struct hpet_view *v, uint32_t off, unsigned size,
		    uint64_t val);

/* Whether an FSB route (address, data) is one the guest may program:
 * the address in the MSI window, delivery mode fixed, lowest priority or
 * NMI (data bits 10:8; SMI, INIT, ExtINT and the reserved ones refused:
 * the same rule as for the guest's LVT entries). */
bool hpet_route_allowed(uint32_t addr, uint32_t data);

/* ---- the tick (hpet/tick.c) -------------------------------------------- */

struct mmio_ops;

/* hpet_bringup: the HPET at @base (ACPI's HPET table; 0: none). With
 * @want_tick, its last timer becomes the tick, every @period_us to the
 * CPU with local APIC ID @apic_id, if that timer has FSB delivery and
 * periodic mode; registered as an NMI source of CPU 0 (smp.h). Without a
 * tick, an HPET with any FSB-capable timer is still trapped so that the
 * guest's FSB routes are checked. Returns 0 when what was asked holds
 * (-1: no tick, with a message saying why). */
int hpet_bringup(uint64_t base, bool want_tick, uint32_t period_us,
		 uint32_t apic_id);

/* The page the guest's accesses must come to hpet_guest_ops (0: the
 * guest keeps the HPET to itself, untouched). */
uint64_t hpet_guest_page(void);
extern const struct mmio_ops hpet_guest_ops;

/* One line for the console's `cpus`: ticks taken,
 * what the view refused. */
void hpet_tick_report(print_fn out);

#endif
