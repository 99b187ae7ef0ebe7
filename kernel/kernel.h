/*
 * kernel/kernel.h - the kernel's public core interface.
 *
 * Basic types and helpers, printk, panic/assert, ticket spinlocks.
 * Every subsystem includes this. It must also compile in the host build
 * (tests/unit, HOST_BUILD defined), where tests/unit/host_stubs.c provides
 * printk and a catchable panic.
 */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"

/* printk: formats with lib/ kvsnprintf (%d %i %u %x %X %p %s %c %% with
 * flags '-', '0', width, precision, and l/ll/z/h/hh length modifiers) and
 * writes to the console and the log ring. Lines from different CPUs never
 * interleave within a call. Returns the number of characters written. */
int printk(const char *fmt, ...) __printf(1, 2);
/* Where a report goes: printk (the log), or the debug console. */
typedef int (*print_fn)(const char *fmt, ...) __printf(1, 2);

/* The general registers but RSP (callers print it beside RIP), four to a
 * line, in the order RAX RBX RCX RDX RSI RDI RBP R8 .. R15: exception
 * dumps and the console's regs. */
#define PRINTED_GPRS 15
void print_gprs(print_fn pr, const uint64_t gpr[PRINTED_GPRS]);
int vprintk(const char *fmt, va_list ap);

/* A second output for everything printk prints (fb/: the screen). putc
 * gets each character of the log (the "hv: " prefixes included, '\n'
 * without '\r'), called under the print lock, from any CPU and from NMI
 * context; panic, when set, is called once on the panicking CPU before
 * its report. printk_set_sink first replays the log's last @lines lines
 * to it; NULL removes it. */
struct printk_sink {
	void (*putc)(char c);
	void (*panic)(void);
};
void printk_set_sink(const struct printk_sink *sink, unsigned lines);

/* log_ratelimit: for log lines a guest can trigger at will (it must not
 * flood the serial line, which every CPU prints to under one lock): call
 * it once per event with that event's counter; it returns the count so
 * far when the line should be printed (the first LOG_FIRST events, then
 * every LOG_EVERY-th), else 0. Print the count with the line. */
#define LOG_FIRST 8
#define LOG_EVERY 1024
static inline uint64_t log_ratelimit(uint64_t *counter)
{
	uint64_t n = __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);

	return n <= LOG_FIRST || n % LOG_EVERY == 0 ? n : 0;
}

/* panic: for what the hypervisor cannot survive. Prints the message, the
 * CPU, a register dump and a backtrace, stops every other CPU and halts.
 * In the host build it longjmps back to the test that expected it. */
_Noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* assert: for our own bugs only, never for input validation. */
#define assert(c)                                                        \
	do {                                                             \
		if (unlikely(!(c)))                                      \
			panic("assertion '%s' failed at %s:%d", #c,      \
			      __FILE__, __LINE__);                       \
	} while (0)

/* ---- boot information, as parsed from Multiboot2 (kernel/mb2.c) -------- */

/* Memory types: 1..5 and 7 are the e820/Multiboot2 numbers; the EFI map is
 * classified into these plus MEM_EFI_RUNTIME and MEM_MMIO. raw_type keeps
 * the firmware's own number so the guest's map can keep it exactly. */
enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIM = 3,
	MEM_ACPI_NVS = 4,
	MEM_BAD = 5,
	MEM_PERSISTENT = 7,
	MEM_EFI_RUNTIME = 20,
	MEM_MMIO = 21,
};

struct mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type;     /* enum mem_type */
	uint32_t raw_type; /* e820 type, or EFI type when from_efi */
};

#define BOOT_MAX_RANGES  512
#define BOOT_MAX_MODULES 16

/* The hypervisor's own memory, which the guest never sees: its pool and
 * its image; two holes when they are not adjacent (init/main.c). */
#define HV_MAX_HOLES 2
struct hv_hole {
	uint64_t base, end;   /* [base, end), page aligned */
};

/* The framebuffer GRUB set up (Multiboot2 tag 8, spec 3.6.12), after
 * mb2_parse validated it: what fb/ draws the log on. */
#define BOOT_FB_MAX_BYTES (64 * MiB)       /* pitch * height */
#define BOOT_FB_MAX_END   (64ULL << 40)     /* 64 TiB: what we map */
enum boot_fb_status {
	BOOT_FB_NONE,      /* no tag */
	BOOT_FB_OK,        /* indexed, RGB or EGA text, validated */
	BOOT_FB_REJECTED,  /* see bootinfo.fb_why */
};
struct boot_framebuffer {
	uint64_t addr;             /* physical, first byte */
	uint32_t pitch;            /* bytes per row */
	uint32_t width, height;    /* pixels (EGA text: characters) */
	uint8_t bpp;               /* 8, 15, 16, 24, 32 (EGA text: 16) */
	uint8_t type;              /* 0 indexed, 1 RGB, 2 EGA text */
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
	uint16_t ncolors;          /* indexed: palette entries */
	uint8_t palette[256][3];   /* ... R, G, B each */
};

struct boot_module {
	uint64_t start;  /* physical, first byte */
	uint64_t end;    /* physical, one past the last byte */
	const char *string;
};

/* Everything the boot loader told us, validated (kernel/mb2.c). The
 * string and RSDP pointers point into GRUB's block, which lies in memory
 * that becomes the guest's: init/main.c copies the command line and
 * loader name out, and forgets the rest once the guest is loaded
 * (loader/boot.c copies what the guest needs before loading it). */
struct bootinfo {
	uint64_t mbi_pa;
	uint32_t mbi_size;
	const char *cmdline;      /* never NULL ("" when absent) */
	const char *loader_name;  /* never NULL */
	bool uefi;                /* an EFI system table tag was present */
	/* Tag 6: the BIOS-style map; raw_type is the e820 type. */
	struct mem_range mmap[BOOT_MAX_RANGES];
	size_t nmmap;
	/* Tag 17: the EFI map, classified; raw_type is the EFI type. */
	struct mem_range efimap[BOOT_MAX_RANGES];
	size_t nefimap;
	struct boot_module mods[BOOT_MAX_MODULES];
	size_t nmods;
	const void *rsdp_old;     /* tag 14 payload (RSDP v1 copy), or NULL */
	uint32_t rsdp_old_len;
	const void *rsdp_new;     /* tag 15 payload (RSDP v2+ copy), or NULL */
	uint32_t rsdp_new_len;
	bool has_load_base;
	uint64_t load_base;       /* tag 21 */
	bool has_meminfo;
	uint32_t mem_lower_kib, mem_upper_kib;
	uint8_t fb_status;        /* enum boot_fb_status */
	struct boot_framebuffer fb;
	char fb_why[112];         /* BOOT_FB_REJECTED: the reason */
};

/* mb2_parse: validate and decode a Multiboot2 information block
 * (Multiboot2 spec 3.6). @mbi points at @avail readable bytes.
 * Returns 0, or -1 with a message naming the offending tag in @err.
 * Nothing in @bi is trustworthy after a failure. */
int mb2_parse(const void *mbi, size_t avail, uint64_t mbi_pa,
	      struct bootinfo *bi, char *err, size_t errlen);

/* The map the hypervisor plans its own memory with: the EFI map when the
 * firmware gave one (docs/design.md, "Memory"), the BIOS-style map
 * otherwise. */
static inline const struct mem_range *bootinfo_ram_map(const struct bootinfo *bi,
						       size_t *n)
{
	if (bi->nefimap) {
		*n = bi->nefimap;
		return bi->efimap;
	}
	*n = bi->nmmap;
	return bi->mmap;
}

const char *mem_type_name(uint32_t type);

/* ---- command line (kernel/cmdline.c) ----------------------------------- */
#define HV_MAX_PCI_HIDE 4
struct hv_options {
	uint16_t serial_port;     /* serial=0x3f8 | com1..com4 */
	uint16_t console_port;    /* console=com2 (default) | 0xPORT | off: 0 */
	uint64_t hv_mem;          /* hv_mem=SIZE: pool size in bytes */
	bool exit_when_ready;     /* shutdown: leave QEMU after 'hv: ready' */
	bool mm_selftest;         /* mm_selftest: run the allocator self-test */
	uint32_t heap_poison;     /* heap_poison=full|BYTES (mm/mm.h) */
	int panic_on_cpu;         /* panic_on_cpu=N: test the panic path (-1 off) */
	/* cpu_skip=APICID: leave that CPU off (tests the guest's MADT
	 * without it); UINT32_MAX: none. */
	uint32_t cpu_skip;
	/* pci_hide=DD.F (repeatable): bus 0 functions the guest must not
	 * see (dev << 3 | fn); the hypervisor's own devices. */
	uint16_t pci_hide[HV_MAX_PCI_HIDE];
	size_t npci_hide;
	bool pci_dump;            /* pci_dump: print every function's config space */
	/* The hypervisor's network (net/net.h, docs/net.md). */
	uint8_t net_mode;         /* net=: 0 off, 1 auto, 2 BB:DD.F */
	uint32_t net_bdf;         /* PCI address for net=BB:DD.F */
	bool ip_static;           /* ip=A.B.C.D/NN given (else DHCP) */
	uint32_t ip, gw;          /* host byte order; gw= (0: none) */
	uint8_t ip_prefix;
	uint16_t udp_console_port; /* console_port=, default 4444 */
	uint8_t net_flood_ms;      /* net_flood=, ms between polls in a flood */
	bool console_key_none;    /* console_key=none: plaintext UDP console */
	bool console_key_set;     /* console_key=HEX given */
	uint8_t console_key[32];  /* ... its value (wiped after use) */
	const char *console_key_text; /* ... its text in the parsed string */
	bool iommu_required;      /* iommu=required: no boot without DMA protection */
	unsigned linux_entry;     /* linux_entry=32|64: a Linux guest's entry
				   * (0: 32) */
};

/* cmdline_parse: parse "key=value key ..." words. Unknown words and bad
 * values are reported in @err (first problem) and return -1; @opt keeps
 * defaults for everything not parsed. */
int cmdline_parse(const char *cmdline, struct hv_options *opt, char *err,
		  size_t errlen);

/* cmdline_redact: overwrite the value of every console_key= word but
 * "none" with '*' (the copy the log and the console show). */
void cmdline_redact(char *cmdline);

/* ---- address space (kernel/paging.c) ----------------------------------- */
uint64_t paging_extend_direct_map(const struct mem_range *map, size_t n);
void *ioremap(uint64_t pa, uint64_t len);          /* UC */
void *ioremap_uc_minus(uint64_t pa, uint64_t len); /* UC-: WC where MTRRs say */
void paging_drop_identity(void);
/* Whether [pa, pa + len) is RAM in the firmware map (and so mapped). */
bool paging_is_ram(uint64_t pa, uint64_t len);
void paging_flush_tlb(void *unused);

/* ---- time (kernel/time.c) ---------------------------------------------- */
/* time_init: calibrate the TSC against the ACPI PM timer at @pm_port
 * (24- or 32-bit counter; port 0 = none) or, failing that, the PIT. */
void time_init(uint16_t pm_port, bool pm_32bit);
uint64_t tsc_khz(void);
bool tsc_invariant(void);
uint64_t now_ns(void);
void udelay(uint64_t us);
void mdelay(uint64_t ms);

/* kernel/selftest.c: allocator self-test on the real pool (boot option
 * mm_selftest); panics on any inconsistency or leak. */
void mm_selftest(void);
#endif
