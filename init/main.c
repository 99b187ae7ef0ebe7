/*
 * init/main.c - bring-up, in order, one call per step (docs/design.md,
 * "Bring-up"). Reads like a table of contents; the work is elsewhere.
 */
#include "kernel/kernel.h"
#include "arch/x86.h"
#include "kernel/private.h"
#include "acpi/acpi.h"
#include "acpi/tables.h"
#include "pci/pci.h"
#include "net/net.h"
#include "net/ucon.h"
#include "crypto/crypto.h"
#include "lib/lib.h"
#include "loader/loader.h"
#include "console/console.h"
#include "fb/fb.h"
#include "iommu/iommu.h"
#include "hpet/hpet.h"
#include "mm/mm.h"
#include "svm/svm.h"
#include "smp/smp.h"

#define HV_VERSION "0.1.0"

static struct bootinfo boot_info;
static struct acpi_info acpi;
static uint64_t pool_base, pool_size;
static struct hv_options options;
static uint64_t image_base, image_end;
static char *grub_cmdline;        /* GRUB's copy, in memory the guest gets */
static uint8_t console_key[UCON_KEY_LEN];
static bool console_key_ok;
static struct keyscan key_scan;   /* the key's forms, for the last scan */

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
	static char cmdline[512], loader[128];

	if (mb2_parse(mbi, MIN((uint64_t)total, 4 * GiB - mbi_pa), mbi_pa,
		      &boot_info, err, sizeof(err)))
		panic("bad Multiboot2 information: %s", err);
	if (strlen(boot_info.cmdline) >= sizeof(cmdline))
		panic("command line longer than %zu bytes", sizeof(cmdline) - 1);
	ksnprintf(cmdline, sizeof(cmdline), "%s", boot_info.cmdline);
	ksnprintf(loader, sizeof(loader), "%s", boot_info.loader_name);
	grub_cmdline = (char *)boot_info.cmdline;
	boot_info.cmdline = cmdline;
	boot_info.loader_name = loader;
}

/* GRUB's block is guest memory now: drop every pointer into it. */
static void forget_boot_loader_memory(void)
{
	for (size_t i = 0; i < boot_info.nmods; i++)
		boot_info.mods[i].string = "(given to the guest)";
	boot_info.rsdp_old = boot_info.rsdp_new = NULL;
}

static void parse_options(void)
{
	static char err[160];

	if (cmdline_parse(boot_info.cmdline, &options, err, sizeof(err))) {
		cmdline_redact((char *)boot_info.cmdline);
		cmdline_redact(grub_cmdline);
		panic("bad command line \"%s\": %s", boot_info.cmdline, err);
	}
	if (options.serial_port != serial_current_port() &&
	    !serial_init(options.serial_port))
		printk("warning: no UART at port 0x%x, staying on 0x%x\n",
		       options.serial_port, serial_current_port());
}

/* The console key (docs/console-protocol.md, "The key"): the module
 * 'console_key' (preferred) or console_key=HEX. What GRUB left where we
 * know it is wiped now: the value in its Multiboot2 information's command
 * line and the module's pages (the module also leaves the list the guest
 * is given). Our own copy of the command line is redacted before anything
 * prints it. key_scrub_guest_memory finds the copies GRUB made elsewhere. */
static void key_bringup(void)
{
	const char *given = options.console_key_set ? options.console_key_text : NULL;
	bool from_module = false;

	if (options.console_key_set)
		memcpy(console_key, options.console_key, UCON_KEY_LEN);
	console_key_ok = options.console_key_set;
	for (size_t i = 0; i < boot_info.nmods; i++) {
		struct boot_module *m = &boot_info.mods[i];
		uint64_t len = m->end - m->start;
		/* GRUB loads modules below 4 GiB: the early direct map. */
		bool reach = m->end <= 4 * GiB && m->end >= m->start;
		char *text = (char *)(DIRECT_MAP_BASE + m->start);

		if (strcmp(m->string, "console_key"))
			continue;
		if (from_module)
			printk("console: a second key module; the first one's key is used\n");
		else if (len <= 4096 && reach &&
			 !ucon_key_parse(text, (size_t)len, console_key)) {
			if (options.console_key_set)
				printk("console: both a key module and console_key=; "
				       "the module's key is used\n");
			from_module = console_key_ok = true;
			keyscan_init(&key_scan, console_key);
			for (size_t j = 0; j + UCON_KEY_HEX <= len; j++)
				if (!ucon_key_parse(text + j, UCON_KEY_HEX, console_key)) {
					keyscan_add(&key_scan, text + j, UCON_KEY_HEX);
					break;
				}
		} else {
			printk("console: the key module (%llu bytes) is not 64 hex "
			       "digits; ignored\n", (unsigned long long)len);
		}
		if (reach)
			crypto_wipe(text, (size_t)len);
		else
			printk("console: the key module lies above 4 GiB: not wiped\n");
		boot_info.mods[i--] = boot_info.mods[--boot_info.nmods];
	}
	if (console_key_ok && !from_module) {
		keyscan_init(&key_scan, console_key);
		if (given)
			keyscan_add(&key_scan, given, UCON_KEY_HEX);
	}
	if (options.console_key_set)
		keyscan_add(&key_scan, options.console_key_text, UCON_KEY_HEX);
	cmdline_redact(grub_cmdline);
	cmdline_redact((char *)boot_info.cmdline);
	options.console_key_text = NULL;
	crypto_wipe(options.console_key, sizeof(options.console_key));
	if (console_key_ok)
		printk("console: key from %s\n", from_module ?
		       "the module 'console_key'" : "the command line (a key "
		       "module is preferred)");
}

/* Every other copy of the key in RAM the guest will own (below 4 GiB,
 * where GRUB keeps its heap and buffers; the hypervisor's holes keep
 * theirs): found and wiped before the guest runs. */
static void key_scrub_guest_memory(const struct hv_hole *holes, size_t nholes)
{
	const struct mem_range *map;
	uint64_t t0 = rdtsc(), scanned = 0;
	size_t n, found = 0;

	if (!console_key_ok)
		return;
	map = bootinfo_ram_map(&boot_info, &n);
	for (size_t i = 0; i < n; i++) {
		uint64_t b = ALIGN_UP(map[i].base, 8);
		uint64_t e = ALIGN_DOWN(MIN(map[i].base + map[i].len, 4 * GiB), 8);

		if (map[i].type != MEM_USABLE && map[i].type != MEM_ACPI_RECLAIM)
			continue;
		while (b < e) {
			uint64_t stop = e;

			/* Cut at the hypervisor's holes. */
			for (size_t h = 0; h < nholes; h++) {
				if (holes[h].base <= b && b < holes[h].end) {
					b = MIN(holes[h].end, e);
					stop = b;
					break;
				}
				if (holes[h].base > b && holes[h].base < stop)
					stop = holes[h].base;
			}
			if (stop > b && paging_is_ram(b, stop - b)) {
				found += keyscan_wipe(&key_scan, phys_to_virt(PADDR(b)),
						      (size_t)(stop - b));
				scanned += stop - b;
			}
			b = stop;
		}
	}
	keyscan_done(&key_scan);
	printk("console: key: %zu more copies wiped in guest memory (%llu MiB "
	       "scanned in %llu ms)\n", found, (unsigned long long)(scanned >> 20),
	       (unsigned long long)((rdtsc() - t0) / (tsc_khz() ? tsc_khz() : 1)));
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

/* The pool: hv_mem= bytes of plain RAM next to the image (mm/pool.c
 * picks it), then the frame domain on it, the direct map over all RAM,
 * the heap on frames. */
static void mm_bringup(void)
{
	struct mem_range avoid[BOOT_MAX_MODULES + 1];
	const struct mem_range *map;
	size_t n, navoid = 0;
	int rc;

	for (size_t i = 0; i < boot_info.nmods; i++)
		avoid[navoid++] = (struct mem_range){
			boot_info.mods[i].start,
			boot_info.mods[i].end - boot_info.mods[i].start, 0, 0 };
	avoid[navoid++] = (struct mem_range){ boot_info.mbi_pa,
					      boot_info.mbi_size, 0, 0 };
	map = bootinfo_ram_map(&boot_info, &n);
	pool_size = options.hv_mem;
	rc = mm_pick_pool(map, n, avoid, navoid, image_base, image_end,
			  pool_size, &pool_base);
	if (rc)
		panic("no room for the hypervisor pool of %llu MiB in usable RAM "
		      "between 16 MiB and 4 GiB (status %d); try a smaller hv_mem=",
		      (unsigned long long)(pool_size >> 20), rc);
	mm_direct_map_offset = DIRECT_MAP_BASE;
	mm_direct_map_size = 4 * GiB;
	mm_set_image_range((uintptr_t)__image_start, (uintptr_t)__image_end);
	if (frame_init(PADDR(pool_base), pool_size) != MM_OK)
		panic("frame_init refused the pool %llx+%llx",
		      (unsigned long long)pool_base, (unsigned long long)pool_size);
	heap_init(options.heap_poison);
	mm_direct_map_size = paging_extend_direct_map(map, n);
	if (!mm_direct_map_size)
		panic("out of frames while mapping RAM above 4 GiB");
	printk("mm: pool %016llx-%016llx (%llu MiB), image %016llx-%016llx, "
	       "direct map up to %llu MiB\n",
	       (unsigned long long)pool_base,
	       (unsigned long long)(pool_base + pool_size - 1),
	       (unsigned long long)(pool_size >> 20),
	       (unsigned long long)image_base, (unsigned long long)image_end - 1,
	       (unsigned long long)(mm_direct_map_size >> 20));
}

/* The log on the screen when GRUB gave a framebuffer we can draw on
 * (docs/screen.md); the log so far is redrawn there. Early: through the
 * boot page tables (below 4 GiB), so that a panic in the command line or
 * the memory setup is on the screen too; late: mapped UC-. */
static void screen_bringup(bool early)
{
	if (boot_info.fb_status == BOOT_FB_OK) {
		if (early)
			fb_console_early(&boot_info.fb);
		else
			fb_console_init(&boot_info.fb);
	} else if (boot_info.fb_status == BOOT_FB_REJECTED && early) {
		printk("fb: framebuffer tag refused: %s: no screen log\n",
		       boot_info.fb_why);
	}
}

/* ACPI tables through the direct map, bounded to what it covers. */
static const void *acpi_map(uint64_t pa, uint64_t len, void *ctx)
{
	/* Below 4 GiB the boot map covers everything (tables may sit in
	 * reserved memory); above it only RAM is mapped. */
	if (pa + len < pa || (pa + len > 4 * GiB && !paging_is_ram(pa, len)))
		return NULL;
	return phys_to_virt(PADDR(pa));
}

/* The same, writable: the guest's view of ACPI is edited in place. */
static void *acpi_map_rw(uint64_t pa, uint64_t len, void *ctx)
{
	return (void *)acpi_map(pa, len, ctx);
}

static void acpi_bringup(void)
{
	const void *rsdp = boot_info.rsdp_new ? boot_info.rsdp_new : boot_info.rsdp_old;
	size_t len = boot_info.rsdp_new ? boot_info.rsdp_new_len : boot_info.rsdp_old_len;

	if (!rsdp) {
		printk("warning: no ACPI RSDP from the boot loader: one CPU, PIT timing\n");
		return;
	}
	if (acpi_parse(rsdp, len, acpi_map, NULL, kmalloc, &acpi) != 0) {
		printk("warning: ACPI unusable (see above): one CPU, PIT timing\n");
		memset(&acpi, 0, sizeof(acpi));
		return;
	}
	if (acpi_copy_tables(&acpi, acpi_map, NULL, kmalloc) != 0)
		printk("warning: could not copy all ACPI tables the hypervisor uses\n");
	acpi_print_summary(&acpi);
}

/* PCI: the access method (ECAM from the MCFG, ports otherwise) and every
 * function; pci_dump prints each one's configuration space and BAR sizes
 * (how tests/unit/pci_q35.h was recorded). */
static void pci_bringup(void)
{
	pci_init(acpi.mcfg, acpi.mcfg_count);
	pci_enumerate();
	if (options.pci_dump)
		pci_dump(printk);
}

/* The hypervisor's NIC (net=; none without it) and its address. */
static void net_bringup(void)
{
	struct net_options o = {
		.mode = options.net_mode,
		.bdf = options.net_bdf,
		.static_ip = options.ip_static,
		.ip = options.ip,
		.gw = options.gw,
		.prefix = options.ip_prefix,
		.console_port = options.udp_console_port,
		.flood_ms = options.net_flood_ms,
		.console_plain = options.console_key_none,
		.console_key = console_key_ok ? console_key : NULL,
	};

	/* Randomness for the console's sessions and the admission's salt
	 * (net/admit.c); never none: the last resort is the TSC's jitter. */
	if (options.net_mode != NET_OFF)
		rng_init();
	net_init(&o);
	crypto_wipe(console_key, sizeof(console_key));
}

static void time_bringup(void)
{
	const struct acpi_reg *pm = &acpi.fadt.pm_timer;

	if (pm->present && pm->space == ACPI_SPACE_IO && pm->address &&
	    pm->address <= 0xFFFC)
		time_init((uint16_t)pm->address, acpi.fadt.pm_timer_32bit);
	else
		time_init(0, false);
}

/* An NMI to this CPU, taken at once (NMIs ignore IF). */
static void self_nmi(void)
{
	lapic_send_ipi(lapic_id(), ICR_NMI | ICR_ASSERT);
	mdelay(1);
}

/* panic_on_cpu=N: the panic path under test (all CPUs stop, the report
 * names the CPU and is complete although an NMI arrives during it). */
static void maybe_panic(void *arg)
{
	if ((int)this_cpu()->index != options.panic_on_cpu)
		return;
	panic_mid_report = self_nmi;
	panic("panic_on_cpu=%d requested on the command line",
		      options.panic_on_cpu);
}

/* What the guest never sees: pool and image, one hole when adjacent,
 * two otherwise (the gap between them may hold firmware memory, e.g. the
 * ACPI tables under UEFI, which must keep its type and stay visible). */
static size_t hv_holes(struct hv_hole *h)
{
	uint64_t iend = ALIGN_UP(image_end, 4096);

	if (pool_base + pool_size == image_base) {
		h[0] = (struct hv_hole){ pool_base, iend };
		return 1;
	}
	if (iend == pool_base) {
		h[0] = (struct hv_hole){ image_base, pool_base + pool_size };
		return 1;
	}
	h[0] = (struct hv_hole){ pool_base, pool_base + pool_size };
	h[1] = (struct hv_hole){ image_base, iend };
	return 2;
}

/* An ACPI register's port when it lives in I/O space (5.2.3.2), else 0. */
static uint16_t io_port_of(const struct acpi_reg *r)
{
	return r->present && r->space == ACPI_SPACE_IO && r->address &&
	       r->address <= 0xFFFE ? (uint16_t)r->address : 0;
}

/* AMD-Vi (iommu/): every IOMMU the IVRS names translates before the
 * guest's first instruction; without one, the boot line says DMA is not
 * protected, and iommu=required stops here. */
static void iommu_bringup(void)
{
	struct hv_hole holes[HV_MAX_HOLES];
	struct iommu_config cfg = { 0 };
	struct net_hidden_range dma_r[NET_MAX_DMA];
	struct iopt_range dma[NET_MAX_DMA];
	uint32_t nic_addr;
	size_t n, nr;

	cfg.ivrs = acpi_table_copy(&acpi, ACPI_SIG_IVRS, &cfg.ivrs_len);
	cfg.map = bootinfo_ram_map(&boot_info, &n);
	cfg.nmap = n;
	cfg.nholes = hv_holes(holes);
	cfg.holes = holes;
	cfg.required = options.iommu_required;
	/* The NIC's DMA blocks are all allocated by now (net_bringup runs
	 * first): its entry maps exactly them. */
	if (net_function(&nic_addr) && !(nic_addr >> 16)) {
		nr = net_dma_ranges(dma_r, NET_MAX_DMA);
		for (size_t i = 0; i < nr; i++)
			dma[i] = (struct iopt_range){ dma_r[i].base,
				dma_r[i].base + dma_r[i].size };
		cfg.hv_dev = true;
		cfg.hv_devid = (uint16_t)nic_addr;
		cfg.hv_dma = dma;
		cfg.nhv_dma = nr;
	}
	if (iommu_init(&cfg) == 0) {
		/* Its table leaves the guest's ACPI view (acpi/hide.c). */
		int k = acpi_hide_table(boot_info.rsdp_new ? boot_info.rsdp_new :
					boot_info.rsdp_old,
					boot_info.rsdp_new ? boot_info.rsdp_new_len :
					boot_info.rsdp_old_len, ACPI_SIG_IVRS,
					acpi_map_rw, NULL);
		printk("iommu: IVRS %s the guest's ACPI tables\n",
		       k > 0 ? "removed from" : "not found in");
	} else if (options.iommu_required) {
		panic("iommu=required but DMA is not protected (see the iommu: "
		      "lines above): refusing to boot");
	}
}

/* The IOMMUs' registers and configuration pages (ECAM, segment 0). */
static size_t iommu_hidden_pages(uint64_t *out, size_t cap)
{
	struct iopt_range r[IVRS_MAX_IOMMUS];
	size_t n = 0, nr = iommu_mmio_ranges(r, ARRAY_SIZE(r));

	for (size_t i = 0; i < nr; i++)
		for (uint64_t pa = r[i].base; pa < r[i].end && n < cap; pa += 4096)
			out[n++] = pa;
	for (unsigned b = 0; b < 65536 && n < cap; b++) {
		if (!iommu_is_own_function(0, (uint16_t)b))
			continue;
		for (unsigned k = 0; k < acpi.mcfg_count && n < cap; k++)
			if (acpi.mcfg[k].segment == 0 &&
			    (b >> 8) >= acpi.mcfg[k].start_bus &&
			    (b >> 8) <= acpi.mcfg[k].end_bus)
				out[n++] = acpi.mcfg[k].base +
					   ((uint64_t)(b - (acpi.mcfg[k].start_bus << 8)) << 12);
	}
	return n;
}

static void svm_bringup(const struct console_guard *con)
{
	struct svm_config cfg = { 0 };
	static uint64_t hidden_pages[SVM_MAX_HIDDEN_PAGES];
	size_t n;

	uint64_t ioapics[ACPI_MAX_IOAPICS];
	struct net_hidden_range hidden_r[NET_MAX_HIDDEN];
	struct hv_hole hidden[NET_MAX_HIDDEN];
	uint32_t nic_addr;
	size_t nh;

	cfg.console_port = con->port;
	for (size_t i = 0; i < options.npci_hide && i < SVM_MAX_CFG_HIDE; i++)
		cfg.cfg_hide[cfg.ncfg_hide++] = options.pci_hide[i];
	cfg.console_ioapic_pa = con->ioapic_pa;
	cfg.console_pin = con->pin;
	for (unsigned i = 0; i < acpi.ioapic_count; i++)
		ioapics[i] = acpi.ioapics[i].address;
	cfg.ioapic_pa = ioapics;
	cfg.nioapics = acpi.ioapic_count;
	cfg.pm1_cnt[0] = io_port_of(&acpi.fadt.pm1a_cnt);
	cfg.pm1_cnt[1] = io_port_of(&acpi.fadt.pm1b_cnt);
	cfg.pm1_sts[0] = io_port_of(&acpi.fadt.pm1a_evt);
	cfg.pm1_sts[1] = io_port_of(&acpi.fadt.pm1b_evt);
	/* The legacy ports too when the X_ blocks name other ones. */
	for (unsigned i = 0; i < 2; i++) {
		uint32_t c = acpi.fadt.pm1_cnt_port[i];
		uint32_t e = acpi.fadt.pm1_evt_port[i];

		if (c && c <= 0xFFFE && c != cfg.pm1_cnt[i])
			cfg.pm1_cnt[2 + i] = (uint16_t)c;
		if (e && e <= 0xFFFE && e != cfg.pm1_sts[i])
			cfg.pm1_sts[2 + i] = (uint16_t)e;
	}
	cfg.mcfg = acpi.mcfg;
	cfg.nmcfg = acpi.mcfg_count;
	cfg.trapped_page = hpet_guest_page();
	cfg.trapped_ops = &hpet_guest_ops;
	cfg.hidden_pages = hidden_pages;
	cfg.nhidden_pages = iommu_hidden_pages(hidden_pages, ARRAY_SIZE(hidden_pages));
	cfg.s5_known = acpi.sleep.known[5];
	cfg.s5_typ[0] = acpi.sleep.typ_a[5];
	cfg.s5_typ[1] = acpi.sleep.typ_b[5];
	if ((acpi.fadt.pm1a_cnt.present && !cfg.pm1_cnt[0]) ||
	    (acpi.fadt.pm1b_cnt.present && !cfg.pm1_cnt[1]))
		printk("warning: a PM1 control block outside I/O space: guest "
		       "sleep requests there are not intercepted\n");
	if (acpi.fadt.hw_reduced)
		printk("warning: hardware-reduced ACPI: the sleep control "
		       "register is not intercepted\n");
	cfg.nholes = hv_holes(cfg.holes);
	cfg.map = bootinfo_ram_map(&boot_info, &n);
	cfg.nmap = n;
	if (acpi.fadt.reset_supported &&
	    acpi.fadt.reset_reg.space == ACPI_SPACE_IO &&
	    acpi.fadt.reset_reg.address <= 0xFFFF) {
		cfg.reset_port = (uint16_t)acpi.fadt.reset_reg.address;
		cfg.reset_value = acpi.fadt.reset_value;
	} else if (acpi.fadt.reset_supported &&
		   acpi.fadt.reset_reg.space == ACPI_SPACE_MEMORY &&
		   acpi.fadt.reset_reg.address) {
		cfg.reset_mmio = acpi.fadt.reset_reg.address;
		cfg.reset_value = acpi.fadt.reset_value;
	}
	/* The hypervisor's NIC: absent for the guest (svm/hide.c). */
	nh = net_hidden(hidden_r, NET_MAX_HIDDEN);
	for (size_t i = 0; i < nh; i++)
		hidden[i] = (struct hv_hole){ ALIGN_DOWN(hidden_r[i].base, 4096),
			ALIGN_UP(hidden_r[i].base + hidden_r[i].size, 4096) };
	cfg.hidden = hidden;
	cfg.nhidden = nh;
	if (net_function(&nic_addr)) {
		cfg.hidden_bdf = &nic_addr;
		cfg.nhidden_bdf = 1;
	}
	if (svm_init(&cfg))
		panic("cannot run guests on this machine (see the svm: line above)");
	smp_call_all(svm_init_cpu, NULL, 2000);
	printk("svm: %u of %u CPUs ready\n", svm_vcpus_ready(), cpus_online);
}

/* Whether the CPU with @apic_id has a vCPU: online, with SVM set up. */
static bool cpu_has_vcpu(uint32_t apic_id, void *kctx)
{
	(void)kctx;
	for (unsigned int i = 0; i < cpus_max; i++)
		if (cpus[i] && cpus[i]->apic_id == apic_id && cpus[i]->vcpu)
			return true;
	return false;
}

/* The guest reads the firmware's MADT in place: every CPU it lists that
 * has no vCPU (it did not start, or SVM failed on it) and every
 * online-capable slot (no CPU hot-add) is marked disabled there, so the
 * guest neither starts nor waits for it (acpi_hide_cpus). */
static void hide_cpus_without_vcpu(void)
{
	const void *rsdp = boot_info.rsdp_new ? boot_info.rsdp_new : boot_info.rsdp_old;
	size_t len = boot_info.rsdp_new ? boot_info.rsdp_new_len : boot_info.rsdp_old_len;
	int k;

	if (!rsdp || !acpi.madt_present)
		return;
	k = acpi_hide_cpus(rsdp, len, cpu_has_vcpu, NULL, acpi_map_rw, NULL);
	if (k > 0)
		printk("acpi: %d CPU entries without a vCPU disabled in the "
		       "guest's MADT\n", k);
}

/* Returns true when a guest is loaded and ready to start. */
static bool guest_bringup(struct guest_start *gs)
{
	struct loader_err err = { "" };
	struct hv_hole holes[HV_MAX_HOLES];
	size_t n = hv_holes(holes);
	int rc;

	rc = guest_prepare(&boot_info, holes, n, options.linux_entry, gs, &err);
	if (rc != LOADER_OK) {
		printk("guest: refused (status %d): %s\n", rc, err.msg);
		return false;
	}
	printk("guest: loaded, entry %x, info at %x, command line \"%s\"\n",
	       gs->entry, gs->mbi, gs->cmdline);
	return true;
}

void kmain(uint64_t mbi_pa, uint64_t load_base);
void kmain(uint64_t mbi_pa, uint64_t load_base)
{
	struct guest_start gs;
	struct console_guard con;
	bool have_guest;

	/* The TSC runs from reset: read now, converted once it is calibrated
	 * (step 8), for the set-up time printed before 'ready'. */
	uint64_t tsc_entry = rdtsc();

	image_base = load_base;
	image_end = load_base + (uint64_t)(__image_end - __image_start);

	/* 1. Console first, so everything after can report (COM1). */
	serial_init(0x3F8);
	/* 2. Exceptions print registers and a backtrace, then halt. */
	idt_init();
	/* 3. Validate the Multiboot2 information; panic on what is broken. */
	parse_boot_info(mbi_pa);
	/* 3a. The screen too, when GRUB gave a framebuffer below 4 GiB. */
	screen_bringup(true);
	/* 4. Command line: serial=, hv_mem=, shutdown, ... */
	parse_options();
	/* 4a. The console key: taken, GRUB's copies we know wiped, the
	 *     command line redacted before it is printed. */
	key_bringup();
	/* 5. Tell the user what we were given. */
	print_boot_summary();
	/* 6. mm/: pool, frame domain, direct map, heap domain. */
	mm_bringup();
	/* 6a. The framebuffer mapped UC- (or, above 4 GiB, only now). */
	screen_bringup(false);
	/* 7. ACPI: MADT, FADT, MCFG, IVRS, validated and copied. */
	acpi_bringup();
	/* 7a. PCI: every function on every bus, read only. */
	pci_bringup();
	/* 8. TSC calibrated against the PM timer (PIT fallback). */
	time_bringup();
	/* 9. Boot CPU: per-CPU state, GDT/TSS/IST, NMI handler, local APIC. */
	smp_init_bsp(&acpi);
	/* 10. Every other CPU, with INIT-SIPI-SIPI; absent ones skipped. */
	smp_start_aps(&acpi, &boot_info, options.cpu_skip);
	/* 10a. No more real-mode trampolines: drop the identity map so a
	 *      stray low pointer faults (every CPU flushes its TLB). */
	paging_drop_identity();
	smp_call_all(paging_flush_tlb, NULL, 1000);
	/* 11. Allocator self-test (mm_selftest) and both domains' numbers. */
	if (options.mm_selftest)
		mm_selftest();
	/* 11a. Debug console on its own UART (console=, default COM2), its
	 *      IRQ routed as an NMI to the boot CPU; kept from the guest. */
	console_init(options.console_port, &acpi, lapic_id(), &con);
	/* 11a'. A console without that route: the HPET's last timer made
	 *      the hypervisor's tick, an NMI to the boot CPU every 10 ms,
	 *      so its exits poll the console even while the guest computes
	 *      without exits. Either way an HPET whose timers can write
	 *      FSB messages gets its page trapped (hpet/). */
	hpet_bringup(acpi.hpet_present ? acpi.hpet_base : 0, con.unrouted,
		     HPET_TICK_US, lapic_id());
	/* 11b. The hypervisor's own NIC (net=), lwIP, its address; its MSI
	 *      an NMI to the boot CPU like the console's IRQ. */
	net_bringup();
	/* 11c. AMD-Vi: device DMA translated, the hypervisor's memory out of
	 *      its reach, INIT/SMI/NMI/ExtINT MSIs refused, the IOMMU hidden;
	 *      or the boot line "DMA is not protected" (iommu=required: stop). */
	iommu_bringup();
	if (options.panic_on_cpu >= 0)
		smp_call_all(maybe_panic, NULL, 1000);
	/* 12. SVM on every CPU: NPT, MSRPM, IOPM shared; a vCPU per CPU. */
	svm_bringup(&con);
	/* 12a. CPUs without a vCPU leave the guest's MADT. */
	hide_cpus_without_vcpu();
	/* 13. The guest: validated, loaded, its boot information built. */
	have_guest = guest_bringup(&gs);
	forget_boot_loader_memory();
	/* 13a. The key's other copies in guest RAM (GRUB's buffers) wiped. */
	{
		struct hv_hole holes[HV_MAX_HOLES];

		key_scrub_guest_memory(holes, hv_holes(holes));
	}
	/* 14. Both memory domains' numbers, now that everything is set up. */
	mm_print_stats(printk);

	printk("set up in %llu us (kmain to ready)\n",
	       (unsigned long long)((rdtsc() - tsc_entry) * 1000 /
				    (tsc_khz() ? tsc_khz() : 1)));
	printk("ready\n");
	if (options.exit_when_ready || !have_guest)
		isa_debug_exit(have_guest ? 0 : 1);
	if (!have_guest)
		halt_forever();
	/* 15. The guest gets the screen (a panic still draws on it), the
	 *     firmware's APIC setup, then the boot CPU. */
	fb_console_stop();
	lapic_restore_firmware_state();
	svm_run_boot_vcpu(gs.entry, gs.mbi, gs.gdt, gs.pt,
			  !gs.is_linux ? SVM_BOOT_MULTIBOOT2 :
			  gs.linux64 ? SVM_BOOT_LINUX64 : SVM_BOOT_LINUX32);
}
