/*
 * guest/idt.c - the guest's IDT and its one trap dispatcher: exceptions
 * print and halt (unless expected, see struct expect), the PIT, LAPIC
 * timer, IPI and NMI are counted.
 */
#include "guest/guest.h"

/* 64-bit interrupt gate, APM Vol. 2, 4.8.4 (figure 4-24). */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved_0x0c;
} __packed;
_Static_assert(offsetof(struct idt_gate, offset_lo) == 0x00, "gate");
_Static_assert(offsetof(struct idt_gate, selector) == 0x02, "gate");
_Static_assert(offsetof(struct idt_gate, ist) == 0x04, "gate");
_Static_assert(offsetof(struct idt_gate, type_attr) == 0x05, "gate");
_Static_assert(offsetof(struct idt_gate, offset_mid) == 0x06, "gate");
_Static_assert(offsetof(struct idt_gate, offset_hi) == 0x08, "gate");
_Static_assert(offsetof(struct idt_gate, reserved_0x0c) == 0x0c, "gate");
_Static_assert(sizeof(struct idt_gate) == 16, "gate");

#define GATE_INTERRUPT_P  0x8e          /* present, DPL 0, 64-bit int gate */
#define ISR_STUB_SIZE     16            /* entry.S aligns every stub to 16 */

static struct idt_gate idt[256] __aligned(16);
extern char isr_stubs_start[];
volatile uint64_t pit_ticks;

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)(uintptr_t)isr_stubs_start + v * ISR_STUB_SIZE;
		idt[v] = (struct idt_gate){
			.offset_lo = (uint16_t)a,
			.selector = GDT_CODE64,
			.type_attr = GATE_INTERRUPT_P,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_hi = (uint32_t)(a >> 32),
		};
	}
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed ptr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ __volatile__("lidt %0" : : "m"(ptr));
}

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "09",
	"#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP", "22", "23", "24", "25", "26", "27", "#HV", "#VC", "#SX",
	"31",
};

static _Noreturn void fatal_exception(const struct trap_frame *f)
{
	uint64_t cr2;
	__asm__ __volatile__("mov %%cr2, %0" : "=r"(cr2));
	panic("cpu %u: exception %s (vector %lu) error %#lx at rip %#lx "
	      "rsp %#lx rflags %#lx cr2 %#lx rax %#lx",
	      this_cpu()->index, exc_names[f->vector & 31], f->vector,
	      f->error, f->rip, f->rsp, f->rflags, cr2, f->rax);
}

void trap_dispatch(struct trap_frame *f)
{
	struct cpu *c = this_cpu();

	if (c->expect.vector >= 0 && (uint64_t)c->expect.vector == f->vector) {
		c->expect.hit = true;
		c->expect.vector = -1;
		f->rip = c->expect.fixup_rip;
		return;
	}
	switch (f->vector) {
	case VEC_NMI:
		if (nmihold_taken())
			nmihold_forever();
		c->nmis++;
		return;
	case VEC_PIT:
		pit_ticks++;
		outb(0x20, 0x20);                   /* non-specific EOI */
		return;
	case VEC_PIC_BASE + 7:                      /* spurious IRQ7: no EOI */
		return;
	case VEC_PIC_BASE + 15:                     /* spurious IRQ15 */
		outb(0x20, 0x20);
		return;
	case VEC_LAPIC_TIMER:
		c->lapic_ticks++;
		lapic_eoi();
		return;
	case VEC_IPI:
		c->ipis++;
		lapic_eoi();
		return;
	case VEC_SPURIOUS:
		return;
	}
	if (f->vector < 32)
		fatal_exception(f);
	printk("cpu %u: unexpected interrupt vector %#lx\n", c->index,
	       f->vector);
	lapic_eoi();
}
