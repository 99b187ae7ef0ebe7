/*
 * kernel/idt.c - the hypervisor's IDT and exception reporting.
 * Gate layout: APM Vol. 2, 4.8.4 (64-bit interrupt gate, 16 bytes).
 */
#include "kernel/kernel.h"
#include "arch/x86.h"
#include "kernel/private.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;      /* bits 2:0 */
	uint8_t type_attr; /* P, DPL, type (0xE = interrupt gate) */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved_0x0c;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate");
_Static_assert(offsetof(struct idt_gate, ist) == 4, "IDT gate");
_Static_assert(offsetof(struct idt_gate, offset_mid) == 6, "IDT gate");
_Static_assert(offsetof(struct idt_gate, offset_hi) == 8, "IDT gate");

struct idtr {
	uint16_t limit;
	uint64_t base;
} __packed;
_Static_assert(sizeof(struct idtr) == 10, "IDTR");

#define GATE_INTR 0x8E
extern const uint64_t isr_table[33];

static struct idt_gate idt[256] __aligned(16);
static int fatal_nesting;
static void (*trap_hooks[32])(struct trap_frame *);

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XF SIMD error", "reserved 20", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security exception", "reserved 31",
};

static void set_gate(unsigned vec, uint64_t handler, unsigned ist)
{
	idt[vec] = (struct idt_gate){
		.offset_lo = (uint16_t)handler,
		.selector = SEL_CODE64,
		.ist = (uint8_t)ist,
		.type_attr = GATE_INTR,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_hi = (uint32_t)(handler >> 32),
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, isr_table[v < 32 ? v : 32], 0);
	idt_load();
}

void idt_load(void)
{
	struct idtr r = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ __volatile__("lidt %0" ::"m"(r));
}

/* Let a subsystem own an exception (e.g. svm/ takes NMI, #MC and #SX).
 * The hook returns to resume; a hook that cannot handle it panics. */
void trap_set_hook(unsigned vec, void (*fn)(struct trap_frame *))
{
	assert(vec < 32);
	trap_hooks[vec] = fn;
}

void trap_set_ist(unsigned vec, unsigned ist)
{
	assert(vec < 256 && ist < 8);
	idt[vec].ist = (uint8_t)ist;
}

void dump_trap_frame(const struct trap_frame *f)
{
	printk("rip %016llx cs %04llx rflags %016llx\n",
	       (unsigned long long)f->rip, (unsigned long long)f->cs,
	       (unsigned long long)f->rflags);
	printk("rsp %016llx ss %04llx err %016llx cr2 %016llx\n",
	       (unsigned long long)f->rsp, (unsigned long long)f->ss,
	       (unsigned long long)f->error, (unsigned long long)read_cr2());
	print_gprs(printk, (const uint64_t[PRINTED_GPRS]){
		f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp,
		f->r8, f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15 });
	printk("cr0 %016llx cr3 %016llx cr4 %016llx\n",
	       (unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
	       (unsigned long long)read_cr4());
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector < 32 && trap_hooks[f->vector]) {
		trap_hooks[f->vector](f);
		return;
	}
	if (f->vector >= 32) {
		/* Interrupts are off in the hypervisor; count and drop. */
		printk("stray interrupt (vector >= 32) at rip %016llx\n",
		       (unsigned long long)f->rip);
		return;
	}
	/* An exception while reporting one (a bad frame pointer in the
	 * backtrace, say) must not recurse down the stack: report it in a
	 * line and stop. */
	if (__atomic_fetch_add(&fatal_nesting, 1, __ATOMIC_SEQ_CST) > 0) {
		printk("\nexception %llu at %016llx while reporting another: halted\n",
		       (unsigned long long)f->vector, (unsigned long long)f->rip);
		halt_forever();
	}
	printk("\nexception %llu (%s)\n", (unsigned long long)f->vector,
	       exc_names[f->vector]);
	dump_trap_frame(f);
	backtrace_from(f->rbp);
	panic("unhandled exception %llu (%s) at %016llx",
	      (unsigned long long)f->vector, exc_names[f->vector],
	      (unsigned long long)f->rip);
}
