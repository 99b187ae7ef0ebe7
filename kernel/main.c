/*
 * kernel/main.c - bring-up, in order, one call per step (design.md,
 * "Bring-up"). Reads like a table of contents; the work is elsewhere.
 */
#include "kernel/kernel.h"
#include "arch/x86.h"
#include "kernel/private.h"
#include "lib/lib.h"

#define HV_VERSION "0.1.0"

static struct bootinfo boot_info;
static struct hv_options options;
static uint64_t image_base, image_end;

extern char __image_start[], __image_end[];

/* The boot information lies below 4 GiB (GRUB), inside the early direct
 * map. Its size is read first and bounded before anything else. */
static void parse_boot_info(uint64_t mbi_pa)
{
	static char err[160];
	const void *mbi = (const void *)(DIRECT_MAP_BASE + mbi_pa);
	uint32_t total;

	if (mbi_pa == 0 || mbi_pa >= 4 * GiB - 8)
		panic("boot information at 0x%llx is outside the early map",
		      (unsigned long long)mbi_pa);
	total = *(const volatile uint32_t *)mbi;
	if (mb2_parse(mbi, MIN((uint64_t)total, 4 * GiB - mbi_pa), mbi_pa,
		      &boot_info, err, sizeof(err)))
		panic("bad Multiboot2 information: %s", err);
}

static void parse_options(void)
{
	static char err[160];

	if (cmdline_parse(boot_info.cmdline, &options, err, sizeof(err)))
		panic("bad command line \"%s\": %s", boot_info.cmdline, err);
	if (options.serial_port != serial_current_port() &&
	    !serial_init(options.serial_port))
		printk("warning: no UART at port 0x%x, staying on 0x%x\n",
		       options.serial_port, serial_current_port());
}

/* Print a map with adjacent ranges of one class merged (an EFI map has
 * a hundred entries that differ only in the firmware's own types). */
static void print_map(const char *what, const struct mem_range *m, size_t n)
{
	printk("%s (%zu ranges, adjacent ones of one class merged):\n", what, n);
	for (size_t i = 0; i < n;) {
		uint64_t base = m[i].base, end = m[i].base + m[i].len;
		size_t j = i + 1;

		while (j < n && m[j].type == m[i].type && m[j].base == end)
			end += m[j++].len;
		printk("  %016llx-%016llx %s\n", (unsigned long long)base,
		       (unsigned long long)(end - 1), mem_type_name(m[i].type));
		i = j;
	}
}

static void print_boot_summary(void)
{
	const struct bootinfo *bi = &boot_info;

	printk("thin AMD hypervisor %s\n", HV_VERSION);
	printk("boot loader: %s, firmware: %s\n", bi->loader_name,
	       bi->uefi ? "UEFI" : "BIOS");
	printk("image: %016llx-%016llx (%llu KiB) at %p\n",
	       (unsigned long long)image_base, (unsigned long long)image_end - 1,
	       (unsigned long long)(image_end - image_base) / 1024,
	       (void *)__image_start);
	printk("command line: \"%s\"\n", bi->cmdline);
	if (bi->nefimap)
		print_map("memory map (EFI)", bi->efimap, bi->nefimap);
	else
		print_map("memory map", bi->mmap, bi->nmmap);
	printk("modules: %zu\n", bi->nmods);
	for (size_t i = 0; i < bi->nmods; i++)
		printk("  %016llx-%016llx \"%s\"\n",
		       (unsigned long long)bi->mods[i].start,
		       (unsigned long long)bi->mods[i].end, bi->mods[i].string);
	printk("ACPI RSDP: %s\n", bi->rsdp_new ? "v2+ (tag 15)" :
	       bi->rsdp_old ? "v1 (tag 14)" : "none");
}

void kmain(uint64_t mbi_pa, uint64_t load_base);
void kmain(uint64_t mbi_pa, uint64_t load_base)
{
	image_base = load_base;
	image_end = load_base + (uint64_t)(__image_end - __image_start);

	/* 1. Console first, so everything after can report (COM1). */
	serial_init(0x3F8);
	/* 2. Exceptions print registers and a backtrace, then halt. */
	idt_init();
	/* 3. Validate the Multiboot2 information; panic on what is broken. */
	parse_boot_info(mbi_pa);
	/* 4. Command line: serial=, hv_mem=, shutdown, ... */
	parse_options();
	/* 5. Tell the user what we were given. */
	print_boot_summary();

	printk("ready\n");
	if (options.exit_when_ready)
		isa_debug_exit(0);
	halt_forever();
}
