/*
 * smp/percpu.c - a CPU's own state: struct percpu from the heap, stacks
 * from the frame domain (tag STACK), its GDT with a TSS whose IST slots
 * give NMI, #DF and #MC stacks of their own (APM Vol. 2, 8.9.4), and GS
 * base pointing at the percpu so this_cpu() works.
 */
#include "smp/internal.h"
#include "arch/x86.h"
#include "kernel/private.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define GDT_CODE64 0x00AF9A000000FFFFULL
#define GDT_DATA   0x00CF92000000FFFFULL
#define GDT_CODE32 0x00CF9A000000FFFFULL
#define TSS_TYPE_AVAIL 0x9ULL

struct percpu **cpus;
unsigned int cpus_max;

static uint64_t stack_alloc(unsigned order)
{
	struct paddr pa;

	if (frame_alloc(order, FRAME_TAG_STACK, 0, &pa) != MM_OK)
		return 0;
	return (uint64_t)phys_to_virt(pa) + FRAME_ORDER_BYTES(order);
}

static void stack_free(uint64_t top, unsigned order)
{
	if (top)
		frame_free(virt_to_phys((void *)(top - FRAME_ORDER_BYTES(order))),
			   order, FRAME_TAG_STACK);
}

/* percpu_create: a percpu for CPU @index with its stacks, or NULL when
 * memory ran out (nothing leaks). @with_stack: APs need a main stack; the
 * boot CPU keeps the boot stack. */
struct percpu *percpu_create(uint32_t index, uint32_t apic_id, bool with_stack)
{
	struct percpu *c = knew(struct percpu);
	bool ok = c != NULL;

	if (!c)
		return NULL;
	c->self = c;
	c->index = index;
	c->apic_id = apic_id;
	if (with_stack)
		ok = c->stack_is_frame =
			(c->stack_top = stack_alloc(CPU_STACK_ORDER)) != 0;
	for (int i = 0; ok && i < 3; i++)
		ok = (c->ist_top[i] = stack_alloc(CPU_IST_ORDER)) != 0;
	if (!ok) {
		percpu_destroy(c);
		return NULL;
	}
	return c;
}

static void stack_pin(uint64_t top, unsigned order, bool pin)
{
	struct paddr pa = virt_to_phys((void *)(top - FRAME_ORDER_BYTES(order)));

	if (pin)
		frame_pin(pa, order, FRAME_TAG_STACK);
	else
		frame_unpin(pa, order, FRAME_TAG_STACK);
}

void percpu_pin_stacks(struct percpu *c, bool pin)
{
	if (c->stack_is_frame)
		stack_pin(c->stack_top, CPU_STACK_ORDER, pin);
	for (int i = 0; i < 3; i++)
		stack_pin(c->ist_top[i], CPU_IST_ORDER, pin);
}

void percpu_destroy(struct percpu *c)
{
	if (c->stack_is_frame)
		stack_free(c->stack_top, CPU_STACK_ORDER);
	for (int i = 0; i < 3; i++)
		stack_free(c->ist_top[i], CPU_IST_ORDER);
	kfree(c);
}

/* Load this CPU's GDT, TSS, IDT and GS base. Runs on the CPU itself. */
void percpu_load(struct percpu *c)
{
	uint64_t tss = (uint64_t)&c->tss;
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed gdtr = { sizeof(c->gdt) - 1, (uint64_t)c->gdt };

	c->tss.ist[IST_NMI - 1] = c->ist_top[0];
	c->tss.ist[IST_DF - 1] = c->ist_top[1];
	c->tss.ist[IST_MC - 1] = c->ist_top[2];
	c->tss.iomap_base = sizeof(struct tss64); /* no I/O bitmap */
	c->gdt[0] = 0;
	c->gdt[SEL_CODE64 / 8] = GDT_CODE64;
	c->gdt[SEL_DATA / 8] = GDT_DATA;
	c->gdt[SEL_CODE32 / 8] = GDT_CODE32;
	/* 16-byte system descriptor (APM Vol. 2, 4.8.3). */
	c->gdt[SEL_TSS / 8] = (sizeof(struct tss64) - 1) |
			      ((tss & 0xFFFFFF) << 16) | (TSS_TYPE_AVAIL << 40) |
			      (1ULL << 47) | ((tss >> 24) & 0xFF) << 56;
	c->gdt[SEL_TSS / 8 + 1] = tss >> 32;

	__asm__ __volatile__(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %2, %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movl %%eax, %%fs\n\t"
		"movl %%eax, %%gs\n\t"
		"ltr %w3"
		:
		: "m"(gdtr), "i"(SEL_CODE64), "i"(SEL_DATA), "r"(SEL_TSS)
		: "rax", "memory");
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	idt_load();
}
