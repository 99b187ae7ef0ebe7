/*
 * arch/x86.h - x86-64 architectural definitions and instruction wrappers.
 * One definition per bit, here only (APM Vol. 2 chapter 3, 4, 5; Vol. 3
 * appendix E for CPUID). Shared with assembly: the parts between
 * #ifndef __ASSEMBLY__ are C only.
 */
#ifndef ARCH_X86_H
#define ARCH_X86_H

/* Virtual layout (docs/layout.md): the image is linked at KERNEL_VMA plus
 * its link-time physical address and mapped onto wherever GRUB put it. */
#define KERNEL_VMA        0xFFFFFFFF80000000
#define KERNEL_LINK_PHYS  0x200000
#define DIRECT_MAP_BASE   0xFFFF800000000000

/* Segment selectors of the hypervisor's GDT (kernel/gdt.c). */
#define SEL_CODE64   0x08
#define SEL_DATA     0x10
#define SEL_CODE32   0x18
#define SEL_TSS      0x20

/* CR0 (APM Vol. 2, 3.1.1) */
#define CR0_PE   (1U << 0)
#define CR0_MP   (1U << 1)
#define CR0_ET   (1U << 4)
#define CR0_NE   (1U << 5)
#define CR0_WP   (1U << 16)
#define CR0_AM   (1U << 18)
#define CR0_NW   (1U << 29)
#define CR0_CD   (1U << 30)
#define CR0_PG   (1U << 31)
/* CR4 (APM Vol. 2, 3.1.3) */
#define CR4_PSE  (1U << 4)
#define CR4_PAE  (1U << 5)
#define CR4_PGE  (1U << 7)
#define CR4_OSFXSR (1U << 9)
/* EFER (APM Vol. 2, 3.1.7) */
#define MSR_EFER        0xC0000080
#define EFER_SCE  (1U << 0)
#define EFER_LME  (1U << 8)
#define EFER_LMA  (1U << 10)
#define EFER_NXE  (1U << 11)
#define EFER_SVME (1U << 12)

#define MSR_APIC_BASE   0x0000001B
#define MSR_SPEC_CTRL   0x00000048
#define MSR_FS_BASE     0xC0000100
#define MSR_GS_BASE     0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_PAT         0x00000277
#define MSR_VM_CR       0xC0010114
#define MSR_VM_HSAVE_PA 0xC0010117

/* Page-table entry bits (APM Vol. 2, 5.3/5.4) */
#define PTE_P    (1ULL << 0)
#define PTE_RW   (1ULL << 1)
#define PTE_US   (1ULL << 2)
#define PTE_PWT  (1ULL << 3)
#define PTE_PCD  (1ULL << 4)
#define PTE_A    (1ULL << 5)
#define PTE_D    (1ULL << 6)
#define PTE_PS   (1ULL << 7)
#define PTE_G    (1ULL << 8)
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ULL

#ifdef __ASSEMBLY__
/* The trap frame's general registers (kernel/isr.S and guest/entry.S;
 * struct trap_frame in kernel/private.h mirrors the order). */
.macro PUSH_GPRS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm
.macro POP_GPRS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm
#endif

#define RFLAGS_TF (1U << 8)
#define RFLAGS_IF (1U << 9)

#ifndef __ASSEMBLY__
#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ __volatile__("cpuid"
			     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" ::"c"(msr), "a"((uint32_t)v),
			     "d"((uint32_t)(v >> 32)));
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define DEFINE_CR(n)                                                        \
	static inline uint64_t read_cr##n(void)                             \
	{                                                                   \
		uint64_t v;                                                 \
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v));        \
		return v;                                                   \
	}                                                                   \
	static inline void write_cr##n(uint64_t v)                          \
	{                                                                   \
		__asm__ __volatile__("mov %0, %%cr" #n ::"r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_rflags(void)
{
	uint64_t f;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline void cli(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ __volatile__("hlt" ::: "memory"); }
/* Write back and invalidate every cache (APM Vol. 3, WBINVD). */
static inline void wbinvd(void) { __asm__ __volatile__("wbinvd" ::: "memory"); }
static inline void invlpg(uint64_t va)
{
	__asm__ __volatile__("invlpg (%0)" ::"r"(va) : "memory");
}
static inline void io_delay(void) { outb(0x80, 0); }

#endif /* !__ASSEMBLY__ */
/* I/O APIC (82093AA data sheet): an index register and a data window;
 * IOAPIC_EOI exists from version 0x20 on (the IOxAPIC of ICH-class
 * chipsets, e.g. ICH9 datasheet 13.5.5). Redirection entry n is the
 * register pair 0x10 + 2n (low) and 0x11 + 2n (high), 3.2.4; IOREGSEL
 * holds an 8-bit index, so pins 0..119 are addressable. */
#define IOAPIC_REGSEL        0x00
#define IOAPIC_WIN           0x10
#define IOAPIC_EOI           0x40
#define IOAPIC_REG_VER       0x01
#define IOAPIC_VER_MRE(v)    (((v) >> 16) & 0xFF)   /* max redirection entry */
#define IOAPIC_RTE(pin)      (0x10 + 2 * (pin))
#define IOAPIC_MAX_PIN       119
#define RTE_DELIVERY_MASK    (7u << 8)
#define RTE_DELIVERY_FIXED   (0u << 8)
#define RTE_DELIVERY_LOWEST  (1u << 8)
#define RTE_DELIVERY_SMI     (2u << 8)
#define RTE_DELIVERY_NMI     (4u << 8)
#define RTE_DELIVERY_INIT    (5u << 8)
#define RTE_DELIVERY_EXTINT  (7u << 8)
#define RTE_ACTIVE_LOW       (1u << 13)
#define RTE_MASKED           (1u << 16)
#define RTE_HI_DEST(apic_id) ((uint32_t)(apic_id) << 24) /* physical mode */

#endif
