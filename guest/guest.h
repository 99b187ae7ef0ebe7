/*
 * guest/guest.h - our small guest OS: one public header for the whole
 * folder. The guest is its own freestanding Multiboot2 kernel (linked at
 * 1 MiB, identity mapped); it shares only lib/ (strings, formatting) and
 * the hypercall ABI (hypercall/hypercall.h) with the hypervisor. It does
 * not include kernel/kernel.h: the hypervisor's core header declares
 * hypervisor interfaces whose names would collide with the guest's.
 *
 * The constants at the top are shared with the assembly files.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include "arch/x86.h"
#include "boot/multiboot2.h"

/* ---- constants shared with assembly ------------------------------------ */
#define GDT_CODE64        0x08
#define GDT_DATA          0x10
#define GDT_CODE32        0x18
#define GDT_LIMIT         (4 * 8 - 1)  /* four descriptors, guest/entry.S */

/* Every xAPIC ID there is: 0..254 (0xFF is the broadcast ID; the guest
 * drives its APIC in xAPIC mode only, so larger IDs are not for it). */
#define GUEST_MAX_CPUS    255
#define GUEST_STACK_SIZE  16384
#define TRAMP_BASE        0x8000       /* AP trampoline page; SIPI vector 8 */

/* Interrupt vectors. */
#define VEC_UD            6
#define VEC_GP            13
#define VEC_NMI           2
#define VEC_PIC_BASE      0x20         /* 8259 master; slave at +8 */
#define VEC_PIT           (VEC_PIC_BASE + 0)
#define VEC_LAPIC_TIMER   0x30
#define VEC_IPI           0x40
#define VEC_SPURIOUS      0xff

/* MB2_BOOTLOADER_MAGIC, MB2_HEADER_MAGIC: boot/multiboot2.h */

#ifndef __ASSEMBLY__
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/lib.h"
#include "hypercall/hypercall.h"

/* Basics (BIT, ALIGN_UP, spinlocks...) come from lib/lib.h and the x86
 * instruction wrappers from arch/x86.h, shared with the hypervisor. */

/* printk writes to COM1 with "guest: " at the start of every line, lines
 * from different CPUs never interleave within a call (guest/serial.c).
 * panic prints and halts this CPU. */
int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);
_Noreturn void panic(const char *fmt, ...) __printf(1, 2);

static inline void irq_enable(void)  { __asm__ __volatile__("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
/* sti; hlt: the STI shadow makes the pair atomic, so a wake-up interrupt
 * that is already pending is taken after HLT, not lost before it. */
static inline void safe_halt(void)
{
	__asm__ __volatile__("sti; hlt" ::: "memory");
}


/* Legacy machine ports (ICH9 datasheet 13.7.2, 13.8.3.5; 8042). */
#define PORT_SYSCTL_A     0x92         /* bit 0 fast reset, bit 1 A20 gate */
#define SYSCTL_A_RESET    BIT(0)
#define SYSCTL_A_A20      BIT(1)
#define PORT_APM_CNT      0xb2         /* write: APMC SMI when enabled */
#define PORT_RST_CNT      0xcf9        /* 0x06: SYS_RST | RST_CPU */
#define PORT_KBC_DATA     0x60
#define PORT_KBC_CMD      0x64         /* read: status, bit 1 input full */

/* ---- per-CPU state (GS base points at it; first field is self) -------- */

/* The "expect an exception" mechanism: arm with the vector, then run the
 * instruction inside TRY_INSN (which records the recovery RIP right before
 * it); the exception handler sees the armed vector, sets hit and resumes at
 * the recovery RIP, i.e. right after the instruction. */
struct expect {
	volatile uint64_t fixup_rip;
	volatile int vector;              /* -1 = not armed */
	volatile bool hit;
};

struct cpu {
	struct cpu *self;                 /* gs:0 */
	uint32_t index;                   /* 0 = boot CPU */
	uint32_t apic_id;
	struct expect expect;
	volatile uint32_t online;         /* times this CPU came up */
	volatile uint32_t checks_failed;
	volatile uint64_t lapic_ticks;
	volatile uint64_t ipis;
	volatile uint64_t nmis;
	volatile bool stop_timer;
};
_Static_assert(offsetof(struct cpu, self) == 0, "gs:0 is the self pointer");

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

extern struct cpu cpus[GUEST_MAX_CPUS];

/* Run one instruction (asm text INSN) with exception VEC expected. OUTS,
 * INS and CLOBBERS are parenthesised asm operand lists; OUTS and CLOBBERS
 * start with a comma when not empty, e.g.
 *   TRY_INSN(VEC_UD, "vmmcall", (, "+a"(rax)), ("D"(a0)), ())
 * Evaluates to true when the exception happened; execution then resumes
 * right after the instruction, whose outputs are undefined. */
#define GUEST_UNPAREN(...) __VA_ARGS__
#define TRY_INSN(vec, insn, outs, ins, clobbers)                           \
	({                                                                  \
		struct expect *ex_ = &this_cpu()->expect;                    \
		ex_->hit = false;                                            \
		ex_->vector = (vec);                                         \
		__asm__ __volatile__("leaq 1f(%%rip), %%r11\n\t"             \
				     "movq %%r11, %[fix_]\n\t"               \
				     insn "\n\t"                             \
				     "1:"                                    \
				     : [fix_] "=m"(ex_->fixup_rip)           \
				       GUEST_UNPAREN outs                    \
				     : GUEST_UNPAREN ins                     \
				     : "r11", "memory" GUEST_UNPAREN clobbers); \
		ex_->vector = -1;                                            \
		ex_->hit;                                                    \
	})

/* ---- trap frame (built by guest/entry.S) -------------------------------- */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(offsetof(struct trap_frame, rax) == 14 * 8, "entry.S");
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "entry.S");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8, "entry.S");
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "entry.S");

/* ---- Multiboot2 information (guest/mb2.c) ------------------------------- */
#define GUEST_MAX_RANGES  128
struct guest_range {
	uint64_t base;
	uint64_t len;
	uint32_t type;                    /* Multiboot2 3.6.8: 1 usable, 2 reserved, ... */
};
struct guest_boot {
	const char *cmdline;              /* never NULL ("" when absent) */
	const char *loader;               /* never NULL */
	size_t nr_ranges;
	bool mmap_truncated;
	struct guest_range ranges[GUEST_MAX_RANGES];
	const void *rsdp;                 /* copy inside the info, or NULL */
	size_t rsdp_len;
};

/* mb2_parse: validate the Multiboot2 information at INFO (Multiboot2 spec
 * 3.6: 8-aligned, total_size, 8-aligned tags, end tag) and fill OUT with
 * the command line (tag 1), boot loader name (2), memory map (6) and ACPI
 * RSDP (14/15). Every tag's size is checked against the block before use.
 * MAX_LEN bounds total_size. Returns NULL on success or a static string
 * saying why the information was refused (OUT is then incomplete). */
const char *mb2_parse(const void *info, size_t max_len, struct guest_boot *out);

/* ---- ACPI MADT (guest/acpi.c) ------------------------------------------- */
struct guest_madt {
	uint64_t lapic_base;
	size_t nr_cpus;                   /* enabled or online-capable */
	uint32_t apic_ids[GUEST_MAX_CPUS];
	bool truncated;
};
/* acpi_read_madt: RSDP (ACPI 6.5, 5.2.5) -> XSDT or RSDT (5.2.7/5.2.8) ->
 * MADT (5.2.12); checksums and lengths checked, tables read through the
 * identity map, nothing above LIMIT (the mapped address space) followed.
 * Returns NULL on success or why the tables were refused. */
const char *acpi_read_madt(const void *rsdp, size_t rsdp_len, uint64_t limit,
			   struct guest_madt *out);
/* acpi_find_table: the valid table with signature SIG listed by the XSDT
 * (the RSDT when there is none, or when RSDT is true), or NULL with why
 * ("not listed" when the root is fine but lacks it). */
const void *acpi_find_table(const void *rsdp, size_t rsdp_len, uint64_t limit,
			    const char *sig, bool rsdt, const char **why);

/* ---- console (guest/serial.c) ------------------------------------------ */
void serial_init(void);

/* ---- interrupts (guest/idt.c, guest/entry.S) ----------------------------- */
void idt_init(void);                  /* build the IDT once */
void idt_load(void);                  /* load it on this CPU */
void trap_dispatch(struct trap_frame *f);
_Noreturn void triple_fault(void);    /* empty IDT + int3 */
extern volatile uint64_t pit_ticks;

/* ---- timers and APIC (guest/timer.c) ------------------------------------ */
void pic_init(void);                  /* remap to 0x20/0x28, all masked but IRQ0 */
void pit_start(unsigned hz);
extern uint64_t tsc_per_ms;           /* 0 until the PIT calibrated it */
void udelay(uint64_t us);
void lapic_init(bool bsp);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_timer_calibrate(void);
void lapic_timer_start(unsigned hz);
void lapic_timer_stop(void);
/* lapic_reg_takes: write V to local APIC register REG, read it back, put
 * the old value back; whether the bits in MASK read back as written. */
bool lapic_reg_takes(uint32_t reg, uint32_t v, uint32_t mask);
/* lapic_send: ICR (Intel SDM 10.6.1) to DEST with LOW (vector | mode ...);
 * returns false when delivery status stays busy. */
bool lapic_send(uint32_t dest, uint32_t low);
#define ICR_FIXED         0x00000u
#define ICR_NMI           0x00400u
#define ICR_INIT          0x00500u
#define ICR_STARTUP       0x00600u
#define ICR_ASSERT        0x04000u
#define ICR_LEVEL         0x08000u

/* ---- checks (guest/checks.c) ---------------------------------------------- */
bool hv_present(void);                /* our signature at 0x40000000 */
/* hypercall: VMMCALL per hypercall/hypercall.h; returns the hypervisor's
 * RAX, or HC_UD when the instruction raised #UD (no hypervisor, unknown
 * function). */
#define HC_UD  (-1000)
long hypercall(unsigned long nr, unsigned long a0, unsigned long a1);
/* check_report: print "check NAME ok" or "check NAME FAIL (why)" (with
 * the CPU on APs); FMT formats the reason of a failure. Counts failures
 * in this_cpu()->checks_failed. */
void check_report(const char *name, bool ok, const char *fmt, ...)
	__printf(3, 4);
void checks_cpu(void);                /* CPUID, EFER, VMMCALL, VMRUN: any CPU */
/* guest_parse_hole: BASE:LEN of hv_hole= (guest/bootchecks.c). */
bool guest_parse_hole(const char *opt, uint64_t *base, uint64_t *len);
/* checks_keysearch (guest/keysearch.c, option keysearch=HEX): the console
 * key (HEX: its bytes inverted) is nowhere in our RAM. */
void checks_keysearch(const struct guest_boot *b, const char *inv_hex,
		      const char *hole);
/* checks_hpetview (guest/hpetview.c, option hpetview=NK): the HPET with
 * the hypervisor's timer hidden (K = k) or only its FSB routes checked
 * (K = g); N the timers we should see (1-9). */
void checks_hpetview(const struct guest_boot *b, const char *arg);
/* checks_dma (guest/dma.c, option dma): the IOMMU hidden, edu DMA into
 * guest RAM works, into and out of the hypervisor's hole it does not. */
void checks_dma(const struct guest_boot *b, const char *hole);
/* QEMU's edu device (guest/dma.c). edu_open: its BAR0 with memory
 * decoding and bus mastering on, FN its bus/device/function (-1 and 0
 * when there is none). edu_xfer: one DMA of LEN (<= EDU_XFER_MAX) bytes,
 * from RAM at SRC to device address DST (EDU_BUF_ADDR + offset), or with
 * TO_RAM the other way; false when the engine has not finished after
 * 2 s. QEMU 7.2's edu stops the whole machine (hw_error) on a transfer
 * that ends at the last byte of its 4 KiB buffer (its range check is off
 * by one): transfers stay 8 bytes short of it. */
#define EDU_BUF_ADDR  0x40000ull
#define EDU_XFER_MAX  4088u
uintptr_t edu_open(int *fn);
bool edu_xfer(uintptr_t bar, uint64_t src, uint64_t dst, uint32_t len,
	      bool to_ram);
/* dmabench_run (guest/dmabench.c, option dmabench=N): edu DMA
 * throughput, DMABENCH_ROUNDS rounds of N round trips RAM -> device ->
 * RAM of EDU_XFER_MAX bytes each, printed as "dmabench ..." lines. */
#define DMABENCH_ROUNDS 3
#define DMABENCH_MAX    64
void dmabench_run(unsigned n);
void checks_boot(const struct guest_boot *b, const char *hole_opt,
		 bool console);
/* ACPI PM1 registers of QEMU's q35 (ICH9: PMBASE from LPC config 0x40;
 * ACPI 6.5, 4.8.3.1.1 / 4.8.3.2.1) and QEMU's DSDT sleep types. */
#define PM1_STS            0x00
#define PM1_CNT            0x04
#define PM1_WAK_STS        (1u << 15)
#define PM1_SLP_EN         (1u << 13)
#define PM1_SLP_TYP_MASK   (7u << 10)
#define PM1_SLP_TYP(t)     ((uint32_t)(t) << 10)
#define QEMU_S3_TYP        1
#define QEMU_S5_TYP        0
/* guest/chipset.c: PCI configuration mechanism #1 (bdf: bus << 16 | dev
 * << 11 | fn << 8), the chipset, its ACPI PM base (ICH9 PMBASE or PIIX4
 * PMBA; 0: neither), and the checks that the hypervisor keeps the chipset
 * registers that route memory or I/O (pmbase_kept, chipset_guard,
 * rcba_attack, esmramc_attack). */
uint32_t pci_read(uint32_t bdf, uint8_t reg);
void pci_write(uint32_t bdf, uint8_t reg, uint32_t val);
bool is_ich9(void);
uint16_t acpi_pmbase(void);
void checks_chipset(const struct guest_boot *b);
/* check_pci_hidden (guest argument `pcihidden`, with the hypervisor's
 * pci_hide=1f.3 on Q35): 00:1f.3 reads all-ones through 0xCF8/0xCFC and
 * ECAM at every width, a write does not bring it back, and 00:1f.0 beside
 * it is still there. */
void check_pci_hidden(void);
/* check_cfg_joined (with `pcihidden`): Linux's configuration read
 * sequences take one exit each, not two, and read what two would. */
void check_cfg_joined(void);
/* checks_msr (guest/msrchecks.c): the hypervisor's MSR policy (EFER, VM_CR,
 * VM_HSAVE_PA, MTRRs, TOP_MEM, x2APIC and unmapped #GP, TSC offset); boot
 * CPU, last of checks_boot (the TSC jumps and is put back). */
void checks_msr(void);
/* check_hvnic_hidden (guest/pcichecks.c): hvnic=BB:DD.F, the hypervisor's
 * NIC, reads as absent through 0xCF8/0xCFC and ECAM; our NICs remain. */
void check_hvnic_hidden(const char *opt);
/* check_hvnic_ports (with hvnic=): no I/O port from 0x1000 up answers
 * except our own functions' I/O BARs: the hypervisor's NIC does not
 * decode I/O. */
void check_hvnic_ports(void);
/* check_hvnic_path (with hvnic= on a bus other than 0): the bridge to
 * that bus keeps its command, bridge control and window. */
void check_hvnic_path(const char *opt);

/* ---- reset=METHOD (guest/reset.c) ----------------------------------------- */
/* reset_method: the index of the method named by the N characters at NAME
 * (92, cf9, kbc, kbcout, cf9w, kbcf0), or -1. reset_machine: print "resetting via
 * NAME" and reset the machine that way; returns only when the machine was
 * not reset (after printing so). */
int reset_method(const char *name, size_t n);
void reset_machine(int method);

/* ---- main (guest/main.c) --------------------------------------------- */
void guest_main(uint32_t magic, uint32_t info);   /* from entry.S */
void cpu_setup(struct cpu *c, uint32_t index);     /* self, GS base */

/* ---- benchmark (guest/bench.c) ------------------------------------------ */
/* bench_run: exit round trips (RDTSC deltas) and idle exits, printed as
 * "bench ..." lines; needs the boot CPU's checks done (PIC, PIT, TSC rate). */
void bench_run(void);
/* The SMP part (`smp bench`, issue 7; docs/bench-svm.md):
 * bench_sipi_write: write LOW (a STARTUP IPI) to the ICR low word, whose
 *   high word already holds the destination; returns the TSC read right
 *   before the write.
 * bench_sipi_sample: record one SIPI latency: CPU's trampoline read
 *   FIRST_INSN, the boot CPU wrote the ICR at SENT.
 * bench_win_snap: on any CPU: begin (first call) or end (second) its own
 *   idle window with HC_EXIT_STATS.
 * bench_smp: on the boot CPU with NR_CPUS online: idle every CPU for
 *   1000 PIT ticks (SNAP_APS makes every AP call bench_win_snap and
 *   returns when they have) and print "bench smp ..." lines, the SIPI
 *   samples included. */
extern bool smp_bench;                /* `bench` and `smp`: set by main.c */
extern bool smp_nmistorm;             /* `nmistorm` and `smp`: set by main.c */

/* guest/nmistorm.c */
void nmistorm_ap(uint32_t i, uint32_t n);
void nmistorm_run(uint32_t n, void (*post)(uint32_t i));
bool nmihold_taken(void);
_Noreturn void nmihold_run(void);
_Noreturn void nmihold_forever(void);
uint64_t bench_sipi_write(uint32_t low);
void bench_sipi_sample(uint32_t cpu, uint64_t sent, uint64_t first_insn);
void bench_win_snap(void);
void bench_smp(uint32_t nr_cpus, void (*snap_aps)(void));

/* ---- SMP (guest/smp.c) ----------------------------------------------------- */
/* smp_run: start every CPU the MADT lists, run the SMP checks, print
 * "all N cpus ok" or "smp FAILED ..."; returns the failed checks of all
 * CPUs, the boot CPU's earlier ones included. */
int smp_run(const struct guest_boot *b);
void ap_main(void);

/* Linker symbols. */
extern char _start_image[], _end[];
#endif /* __ASSEMBLY__ */
#endif
