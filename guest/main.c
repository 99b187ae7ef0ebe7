/*
 * guest/main.c - the guest's boot CPU: bring-up in order, the checks, the
 * summary line, then idle (or exit / triple-fault when asked).
 *
 * Command line (tokens separated by spaces; others are ignored):
 *   exit            after the checks, end QEMU: HC_SHUTDOWN with 0 (all
 *                   passed) or 1, or isa-debug-exit (port 0xf4) without
 *                   our hypervisor
 *   triplefault     triple-fault after the checks (empty IDT + int3)
 *   smp             start the other CPUs and run the SMP checks
 *   console         the hypervisor's debug console owns COM2 and I/O APIC
 *                   pin 3: check that both are kept from us
 *   bench           after the boot CPU's checks, measure exit round trips
 *                   and idle exits (guest/bench.c); with smp also SIPI
 *                   latency and every CPU's idle exits
 *   hv_hole=B:L     the hypervisor's hole for the hv_hole check
 *   poweroff        after the checks, power off through ACPI (PM1 control,
 *                   S5: SLP_TYP 0 | SLP_EN on QEMU's q35)
 *   reset=METHOD    after the checks, reset the machine through METHOD
 *                   (92, cf9, kbc, kbcout: guest/reset.c)
 *   nmistorm        with smp: the NMI storm and ping (guest/nmistorm.c)
 *   nmihold         at the end, an NMI to ourselves whose handler never
 *                   returns (guest/nmistorm.c)
 *   keysearch=HEX   the hypervisor's console key (its bytes inverted) must
 *                   be nowhere in our memory (guest/keysearch.c)
 *   hpetview=NK     the HPET as the hypervisor left it: N timers, K = k
 *                   (it keeps one: we cannot reach it) or g (ours, FSB
 *                   routes checked) (guest/hpetview.c)
 *   dmabench=N      after the boot CPU's checks, edu DMA throughput: 3
 *                   rounds of N (1..64) round trips of 4088 bytes RAM ->
 *                   device -> RAM (guest/dmabench.c)
 */
#include "guest/guest.h"

#define MAPPED_LIMIT   (4 * GiB)
#define MB2_INFO_MAX   (1 * MiB)
#define DEBUG_EXIT_PORT 0xf4

struct cpu cpus[GUEST_MAX_CPUS];
static struct guest_boot boot;

struct options {
	bool exit, triplefault, smp, bench, console, poweroff, nmistorm,
	     nmihold, pcihidden, spin, work, dma;
	const char *hv_hole;            /* points after "hv_hole=" */
	const char *hvnic;              /* points after "hvnic=" */
	const char *keysearch;          /* points after "keysearch=" */
	const char *hpetview;           /* points after "hpetview=" */
	int reset;                      /* reset_method() index, -1 none */
	unsigned dmabench;              /* round trips per round, 0 none */
};

void cpu_setup(struct cpu *c, uint32_t index)
{
	c->self = c;
	c->index = index;
	c->expect.vector = -1;
	wrmsr(MSR_GS_BASE, (uintptr_t)c);
}

static bool token_is(const char *tok, size_t n, const char *word)
{
	return strlen(word) == n && strncmp(tok, word, n) == 0;
}

static void parse_dmabench(const char *v, size_t n, struct options *o)
{
	uint64_t x;

	if (kparse_u64(v, n, &x) == 0 && x >= 1 && x <= DMABENCH_MAX)
		o->dmabench = (unsigned)x;
	else
		printk("dmabench=%.*s: not 1..%u, ignored\n", (int)n, v,
		       DMABENCH_MAX);
}

static void parse_options(const char *s, struct options *o)
{
	while (*s) {
		while (*s == ' ')
			s++;
		size_t n = 0;
		while (s[n] && s[n] != ' ')
			n++;
		if (token_is(s, n, "exit"))
			o->exit = true;
		else if (token_is(s, n, "triplefault"))
			o->triplefault = true;
		else if (token_is(s, n, "smp"))
			o->smp = true;
		else if (token_is(s, n, "bench"))
			o->bench = true;
		else if (token_is(s, n, "console"))
			o->console = true;
		else if (token_is(s, n, "poweroff"))
			o->poweroff = true;
		else if (token_is(s, n, "nmistorm"))
			o->nmistorm = true;
		else if (token_is(s, n, "nmihold"))
			o->nmihold = true;
		else if (token_is(s, n, "pcihidden"))
			o->pcihidden = true;
		else if (token_is(s, n, "spin"))
			o->spin = true;
		else if (token_is(s, n, "work"))
			o->work = true;
		else if (token_is(s, n, "dma"))
			o->dma = true;
		else if (n > 8 && strncmp(s, "hv_hole=", 8) == 0)
			o->hv_hole = s + 8;
		else if (n == 10 + 64 && strncmp(s, "keysearch=", 10) == 0)
			o->keysearch = s + 10;
		else if (n == 11 && strncmp(s, "hpetview=", 9) == 0)
			o->hpetview = s + 9;
		else if (n > 9 && strncmp(s, "dmabench=", 9) == 0)
			parse_dmabench(s + 9, n - 9, o);
		else if (n > 6 && strncmp(s, "hvnic=", 6) == 0)
			o->hvnic = s + 6;
		else if (n >= 6 && strncmp(s, "reset=", 6) == 0 &&
			 (o->reset = reset_method(s + 6, n - 6)) < 0)
			printk("reset=%.*s: unknown method, ignored\n",
			       (int)(n - 6), s + 6);
		s += n;
	}
}

static const char *type_name(uint32_t t)
{
	static const char *const names[] = { "?", "usable", "reserved",
		"ACPI reclaimable", "ACPI NVS", "bad", "?", "persistent" };
	return t < ARRAY_SIZE(names) ? names[t] : "?";
}

static void print_boot_info(const struct guest_boot *b)
{
	printk("boot loader: '%s'\n", b->loader);
	printk("command line: '%s'\n", b->cmdline);
	printk("memory map: %zu ranges%s\n", b->nr_ranges,
	       b->mmap_truncated ? " (truncated)" : "");
	for (size_t i = 0; i < b->nr_ranges; i++) {
		const struct guest_range *r = &b->ranges[i];
		printk("  0x%012lx-0x%012lx %s (%u)\n", r->base,
		       r->base + r->len - 1, type_name(r->type), r->type);
	}
	if (b->rsdp)
		printk("ACPI RSDP: present (%zu bytes, revision %u)\n",
		       b->rsdp_len, b->rsdp_len > 15 ?
		       ((const uint8_t *)b->rsdp)[15] : 0);
	else
		printk("ACPI RSDP: none\n");
}

static _Noreturn void shutdown(int code)
{
	printk("exiting with code %d\n", code);
	if (hv_present())
		hypercall(HC_SHUTDOWN, (unsigned long)code, 0);
	outl(DEBUG_EXIT_PORT, (uint32_t)code);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

static _Noreturn void idle(void)
{
	printk("idle\n");
	for (;;)
		safe_halt();
}

void guest_main(uint32_t magic, uint32_t info)
{
	struct options opt = { .reset = -1 };
	const char *why;

	cpu_setup(&cpus[0], 0);                 /* GS base: this_cpu() */
	serial_init();                          /* COM1 */
	idt_init();                             /* exceptions, PIT, LAPIC, IPI */
	idt_load();
	printk("starting: magic %#x, Multiboot2 information at %#x\n",
	       magic, info);
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not started by a Multiboot2 loader (EAX %#x)", magic);
	why = mb2_parse((const void *)(uintptr_t)info,
			MIN(MB2_INFO_MAX, MAPPED_LIMIT - info), &boot);
	if (why)
		panic("Multiboot2 information refused: %s", why);
	print_boot_info(&boot);
	parse_options(boot.cmdline, &opt);
	cpus[0].apic_id = cpuid(1, 0).ebx >> 24;

	smp_bench = opt.bench;                  /* msr_tsc and the SMP bench read it */
	smp_nmistorm = opt.nmistorm;
	checks_cpu();                           /* CPUID, EFER, VMMCALL, VMRUN */
	checks_boot(&boot, opt.hv_hole, opt.console); /* memory, hole, PIT, HLT, SMI, A20 */
	if (opt.keysearch)
		checks_keysearch(&boot, opt.keysearch, opt.hv_hole);
	if (opt.pcihidden) {
		check_pci_hidden();             /* hypervisor's pci_hide=1f.3 */
		check_cfg_joined();             /* its reads in one exit */
	}
	if (opt.hvnic) {
		check_hvnic_hidden(opt.hvnic);  /* the hypervisor's NIC is absent */
		check_hvnic_ports();            /* ... from I/O space too */
		check_hvnic_path(opt.hvnic);    /* its bridge keeps it */
	}
	if (opt.dma)
		checks_dma(&boot, opt.hv_hole);  /* edu DMA against the IOMMU */
	if (opt.hpetview)
		checks_hpetview(&boot, opt.hpetview); /* the hypervisor's tick */
	uint32_t failed = cpus[0].checks_failed;
	if (failed == 0)
		printk("boot cpu ok\n");
	else
		printk("boot cpu FAILED %u checks\n", failed);

	if (opt.bench)
		bench_run();                    /* before the APs add exits */
	if (opt.dmabench)
		dmabench_run(opt.dmabench);     /* edu DMA throughput */
	if (opt.smp)
		failed = (uint32_t)smp_run(&boot);
	if (opt.poweroff) {
		uint16_t pmbase = acpi_pmbase();

		printk("powering off (S5)\n");
		if (pmbase)
			outw((uint16_t)(pmbase + PM1_CNT),
			     (uint16_t)((inw((uint16_t)(pmbase + PM1_CNT)) &
					 ~PM1_SLP_TYP_MASK) |
					PM1_SLP_TYP(QEMU_S5_TYP) | PM1_SLP_EN));
		udelay(100000);
		printk("power off did not happen\n");
		idle();
	}
	if (opt.reset >= 0) {
		reset_machine(opt.reset);       /* returns if it did not happen */
		idle();
	}
	if (opt.triplefault) {
		printk("triple-faulting now, as asked\n");
		triple_fault();
	}
	if (opt.nmihold)
		nmihold_run();
	if (opt.exit)
		shutdown(failed ? 1 : 0);
	if (opt.work) {
		/* A fixed unit of work, counted per half second of TSC time
		 * with interrupts off: what the hypervisor's activity (a
		 * network flood, tools/bench-net.py) costs the guest shows as
		 * fewer units. */
		uint64_t per_ms = tsc_per_ms ? tsc_per_ms : 1000000;
		uint64_t x = 88172645463325252ull;

		printk("working\n");
		irq_disable();
		for (;;) {
			uint64_t t0 = rdtsc(), units = 0;

			while (rdtsc() - t0 < 500 * per_ms) {
				for (unsigned i = 0; i < 1000; i++) {
					x ^= x << 13;
					x ^= x >> 7;
					x ^= x << 17;
				}
				units++;
			}
			/* The TSC at the end of the sample: a benchmark
			 * places it among its own phases (tools/bench-net.py). */
			printk("work %lu units/s (%lx) tsc %lx\n", units * 2,
			       x & 0xF, rdtsc());
		}
	}
	if (opt.spin) {
		/* The hypervisor must get control back without our help:
		 * no interrupt, no exit, from here on. */
		printk("spinning with interrupts off\n");
		irq_disable();
		for (;;)
			__asm__ __volatile__("" ::: "memory");
	}
	idle();
}
