/*
 * guest/bootchecks.c - the checks only the boot CPU runs: memory map,
 * the hypervisor's hole, the hypercalls with buffers, PIT and HLT, and two
 * machine policies: an SMI does not break the vCPU, A20 stays on. The
 * MSR policy checks (guest/msrchecks.c) run last.
 */
#include "guest/guest.h"

#define MB2_MEM_USABLE    1
#define MB2_MEM_RESERVED  2
#define MAPPED_LIMIT      (4 * GiB)     /* entry.S maps 0..4 GiB */

static void check_memmap(const struct guest_boot *b)
{
	uint64_t img_lo = (uintptr_t)_start_image, img_hi = (uintptr_t)_end;
	bool image_in_ram = false;

	if (b->nr_ranges == 0) {
		check_report("memmap", false, "no memory map");
		return;
	}
	if (b->mmap_truncated) {
		check_report("memmap", false, "more than %d ranges", GUEST_MAX_RANGES);
		return;
	}
	for (size_t i = 0; i < b->nr_ranges; i++) {
		const struct guest_range *r = &b->ranges[i];
		if (r->len == 0 || r->base + r->len < r->base) {
			check_report("memmap", false, "range %zu empty or wraps", i);
			return;
		}
		if (i > 0 && r->base < b->ranges[i - 1].base + b->ranges[i - 1].len) {
			check_report("memmap", false, "range %zu at %#lx unsorted "
				     "or overlapping", i, r->base);
			return;
		}
		if (r->type == MB2_MEM_USABLE && r->base <= img_lo &&
		    img_hi <= r->base + r->len)
			image_in_ram = true;
	}
	check_report("memmap", image_in_ram, "image %#lx-%#lx not in usable RAM",
		     img_lo, img_hi);
}

/* The hole: hv_hole=BASE:LEN when given (exact). Otherwise a guess: a
 * reserved range below 4 GiB that starts where usable RAM ends; one with
 * usable RAM on both sides (carved out of the middle of RAM) beats one
 * without, then the highest wins. Firmware ranges usually sit below 1 MiB,
 * at the very top of RAM or in the MMIO window, so the guess can still pick
 * a firmware range (then the probe FAILs): the loader should pass hv_hole=. */
bool guest_parse_hole(const char *opt, uint64_t *base, uint64_t *len)
{
	size_t n = 0;
	while (opt[n] && opt[n] != ':' && opt[n] != ' ')
		n++;
	if (opt[n] != ':' || kparse_u64(opt, n, base) != 0)
		return false;
	const char *l = opt + n + 1;
	n = 0;
	while (l[n] && l[n] != ' ')
		n++;
	return kparse_u64(l, n, len) == 0 && *len >= 8;
}

static bool find_hole(const struct guest_boot *b, const char *opt,
		      uint64_t *base, uint64_t *len)
{
	if (opt)
		return guest_parse_hole(opt, base, len);
	int best = 0;                   /* 0 none, 1 RAM before, 2 both sides */
	for (size_t i = 1; i < b->nr_ranges; i++) {
		const struct guest_range *r = &b->ranges[i], *p = &b->ranges[i - 1];
		const struct guest_range *nx = i + 1 < b->nr_ranges ? r + 1 : NULL;
		if (r->type != MB2_MEM_RESERVED || r->base < MiB ||
		    r->base + r->len > MAPPED_LIMIT || r->len < 8 ||
		    p->type != MB2_MEM_USABLE || p->base + p->len != r->base)
			continue;
		int score = (nx && nx->type == MB2_MEM_USABLE &&
			     nx->base == r->base + r->len) ? 2 : 1;
		if (score >= best) {
			*base = r->base;
			*len = r->len;
			best = score;
		}
	}
	return best > 0;
}

static const char *probe_hole(uint64_t addr)
{
	volatile uint64_t *q = (volatile uint64_t *)(uintptr_t)addr;
	volatile uint32_t *d = (volatile uint32_t *)(uintptr_t)addr;
	volatile uint8_t *bp = (volatile uint8_t *)(uintptr_t)addr;

	if (*q != ~0ull)
		return "64-bit read not all-ones";
	if (*d != ~0u)
		return "32-bit read not all-ones";
	if (*bp != 0xff)
		return "byte read not all-ones";
	*q = 0x5a5a5a5a5a5a5a5aull;
	if (*q != ~0ull)
		return "64-bit write reached memory";
	*d = 0x12345678u;
	*bp = 0x00;
	if (*q != ~0ull)
		return "32-bit or byte write reached memory";
	return NULL;
}

static void check_hole(const struct guest_boot *b, const char *opt)
{
	uint64_t base = 0, len = 0;
	const char *why = NULL;

	if (!hv_present()) {
		check_report("hv_hole", false, "no hypervisor");
		return;
	}
	if (!find_hole(b, opt, &base, &len)) {
		check_report("hv_hole", false, opt ? "hv_hole= malformed" :
			     "no reserved range after usable RAM");
		return;
	}
	if (base + len > MAPPED_LIMIT || base + len < base) {
		check_report("hv_hole", false, "hole %#lx+%#lx above 4 GiB", base, len);
		return;
	}
	printk("hypervisor hole %#lx-%#lx (%s)\n", base, base + len - 1,
	       opt ? "from hv_hole=" : "from the memory map");
	uint64_t probes[3] = { base, ALIGN_DOWN(base + len / 2, 8),
			       ALIGN_DOWN(base + len - 8, 8) };
	for (int i = 0; i < 3 && !why; i++)
		why = probe_hole(probes[i]);
	check_report("hv_hole", why == NULL, "%s", why);
}

static void check_hc_log(void)
{
	static const char msg[] = "hello from the guest through HC_LOG";
	long r = hypercall(HC_LOG, (uintptr_t)msg, sizeof(msg) - 1);
	check_report("hc_log", r == 0, r == HC_UD ? "#UD: no hypervisor" :
		     "returned %ld", r);
}

static uint64_t stats_buf[256] __aligned(4096);

static void check_hc_exit_stats(void)
{
	struct hc_exit_stats h;
	long r = hypercall(HC_EXIT_STATS, (uintptr_t)stats_buf, sizeof(stats_buf));
	size_t cap = (sizeof(stats_buf) - sizeof(h)) / sizeof(struct hc_exit_stat);

	if (r != 0) {
		check_report("hc_exit_stats", false, r == HC_UD ?
			     "#UD: no hypervisor" : "returned %ld", r);
		return;
	}
	memcpy(&h, stats_buf, sizeof(h));
	if (h.version != HC_ABI_VERSION || h.nr_written > cap ||
	    h.nr_written > h.nr_nonzero) {
		check_report("hc_exit_stats", false, "header inconsistent "
			     "(version %#x, %u of %u entries)", h.version,
			     h.nr_written, h.nr_nonzero);
		return;
	}
	uint64_t sum = 0;
	const uint8_t *e = (const uint8_t *)stats_buf + sizeof(h);
	for (uint32_t i = 0; i < h.nr_written; i++) {
		struct hc_exit_stat s;
		memcpy(&s, e + i * sizeof(s), sizeof(s));
		printk("  exit %#lx: %lu\n", s.code, s.count);
		sum += s.count;
	}
	check_report("hc_exit_stats", sum <= h.total_exits && sum > 0,
		     "counters sum %lu, total %lu", sum, h.total_exits);
}

#define PIT_TEST_HZ     1000
#define PIT_TEST_TICKS  50
#define TSC_TIMEOUT     (20ull * 1000 * 1000 * 1000)

static void check_pit(void)
{
	uint64_t start = rdtsc(), t0, t1;

	pic_init();
	lapic_init(true);
	pit_start(PIT_TEST_HZ);
	irq_enable();
	uint64_t first = pit_ticks;
	while (pit_ticks == first && rdtsc() - start < TSC_TIMEOUT)
		cpu_relax();
	t0 = rdtsc();
	first = pit_ticks;
	while (pit_ticks < first + PIT_TEST_TICKS && rdtsc() - start < TSC_TIMEOUT)
		cpu_relax();
	t1 = rdtsc();
	uint64_t got = pit_ticks - first;
	if (got < PIT_TEST_TICKS) {
		check_report("pit_ticks", false, "%lu of %d ticks", got, PIT_TEST_TICKS);
		return;
	}
	tsc_per_ms = (t1 - t0) / PIT_TEST_TICKS;
	printk("PIT at %d Hz: %d ticks, TSC about %lu MHz\n", PIT_TEST_HZ,
	       PIT_TEST_TICKS, tsc_per_ms / 1000);
	check_report("pit_ticks", true, " ");
}

static void check_hlt(void)
{
	if (tsc_per_ms == 0) {
		check_report("hlt_wakes", false, "no timer");
		return;
	}
	for (int i = 0; i < 10; i++) {
		uint64_t t = pit_ticks;
		safe_halt();            /* returns after the next interrupt */
		if (pit_ticks == t) {
			/* Woken by something else: allow one more HLT. */
			safe_halt();
			if (pit_ticks == t) {
				check_report("hlt_wakes", false, "HLT %d woke "
					     "without a tick", i);
				return;
			}
		}
	}
	check_report("hlt_wakes", true, " ");
}

/* Odd accesses to the local APIC page (the review's `or dword
 * [0xFEE00000], 0` read a register the x2APIC does not have and took
 * the host down): reserved, unaligned, AMD-extended and byte-sized
 * read-modify-writes must neither stop anything nor change a register
 * (APM Vol. 2, 16.3.2: only aligned dword accesses are defined). */
#define MSR_APIC_BASE_G  0x1b
#define LAPIC_ID_OFF     0x20
#define LAPIC_TPR_OFF    0x80
#define LAPIC_SVR_OFF    0xf0
#define LAPIC_LVT_T_OFF  0x320

static void check_apic_odd(void)
{
	uintptr_t base = (uintptr_t)(rdmsr(MSR_APIC_BASE_G) & GENMASK(31, 12));
	static const uint32_t offs[] = { 0x000, 0x401, 0x400, 0xff0, 0xffc,
					 0x3f0, 0x0e4, 0x081 };
	uint32_t before[4], after[4];
	const uint32_t regs[4] = { LAPIC_ID_OFF, LAPIC_TPR_OFF, LAPIC_SVR_OFF,
				   LAPIC_LVT_T_OFF };

	if (!hv_present()) {
		check_report("apic_odd_access", false, "no hypervisor");
		return;
	}
	for (int i = 0; i < 4; i++)
		before[i] = *(volatile uint32_t *)(base + regs[i]);
	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		volatile void *p = (volatile void *)(base + offs[i]);

		if (offs[i] & 3)
			__asm__ __volatile__("orb $0, %0" : "+m"(*(volatile uint8_t *)p));
		else
			__asm__ __volatile__("orl $0, %0" : "+m"(*(volatile uint32_t *)p));
	}
	/* A qword store over TPR and the reserved dword after it. */
	__asm__ __volatile__("movq %1, %0" : "=m"(*(volatile uint64_t *)(base + 0x80))
			     : "r"((uint64_t)0x10));
	for (int i = 0; i < 4; i++)
		after[i] = *(volatile uint32_t *)(base + regs[i]);
	for (int i = 0; i < 4; i++)
		if (after[i] != before[i]) {
			check_report("apic_odd_access", false, "register %#x "
				     "%#x -> %#x", regs[i], before[i], after[i]);
			return;
		}
	check_report("apic_odd_access", hypercall(HC_VERSION, 0, 0) ==
		     HC_ABI_VERSION, "no hypercall after the accesses");
}

/* ICH9 LPC (00:1f.0): PMBASE at config 0x40, SMI_EN at PMBASE + 0x30 with
 * APMC_EN (bit 5): a write to the APM control port raises an SMI only when
 * it is set (ICH9 datasheet 13.1.17, 13.8.3.12). Returns -1 when the
 * chipset is not an ICH9 (nothing is known), else whether it is set. */
#define ICH9_SMI_EN       0x30
#define SMI_EN_APMC       BIT(5)
#define APM_CMD_NOP       0x00         /* no firmware acts on command 0 */

static int apmc_smi_enabled(void)
{
	uint16_t pmbase = acpi_pmbase();

	if (pmbase == 0 || !is_ich9())
		return -1;
	return (inl((uint16_t)(pmbase + ICH9_SMI_EN)) & SMI_EN_APMC) != 0;
}

/* An SMI taken while the guest runs was seen to make QEMU clear
 * EFER.SVME in the VMCB; the hypervisor must set it again or the next
 * VMRUN fails and this vCPU stops (docs/qemu-svm.md, "SMM"). The exits after the SMI
 * (CPUID, VMMCALL) prove the vCPU still runs. The delay after the write
 * matters under QEMU TCG: the SMI is taken at the next translation-block
 * boundary, and an intercepted instruction in the same block would exit
 * first, so the SMI would land in the hypervisor (after its STGI) instead
 * of the guest. Without a hypervisor the
 * CPUID part still applies; VMMCALL is skipped. */
static void check_smi_svme(void)
{
	bool hv = hv_present();
	uint32_t max_leaf = cpuid(0, 0).eax;
	int apmc = apmc_smi_enabled();

	printk("APM command %#x to port %#x: %s\n", APM_CMD_NOP, PORT_APM_CNT,
	       apmc < 0 ? "not an ICH9, SMI unknown" : apmc ?
	       "raises an SMI (APMC_EN set)" : "no SMI (APMC_EN clear)");
	outb(PORT_APM_CNT, APM_CMD_NOP);
	udelay(1000);                   /* take the SMI here, not in an exit */
	if (cpuid(0, 0).eax != max_leaf || hv_present() != hv) {
		check_report("smi_svme", false, "CPUID changed after the SMI");
		return;
	}
	if (!hv) {
		check_report("smi_svme", true, " ");
		return;
	}
	long v = hypercall(HC_VERSION, 0, 0);
	check_report("smi_svme", v == HC_ABI_VERSION, "VMMCALL after the SMI "
		     "returned %ld", v);
}

/* A20: a write of port 0x92 with the A20 gate clear must leave A20 on
 * (the hypervisor keeps it: QEMU masks address bit 20 of every access of
 * the CPU, the hypervisor's included). Checked by reading the port back
 * and by a pair of bytes 1 MiB apart that must not alias: two usable bytes
 * outside our image, LO with bit 20 clear and LO + 1 MiB; both are saved
 * and restored. Without the hypervisor A20 would really go off and alias
 * our own image (linked at 1 MiB) onto low memory: not tried, FAIL. */
#define A20_SCAN_LIMIT    (64 * MiB)

static bool usable_scratch(const struct guest_boot *b, uint64_t a)
{
	if (a + 1 > (uintptr_t)_start_image && a < (uintptr_t)_end)
		return false;
	for (size_t i = 0; i < b->nr_ranges; i++)
		if (b->ranges[i].type == MB2_MEM_USABLE && b->ranges[i].base <= a &&
		    a < b->ranges[i].base + b->ranges[i].len)
			return true;
	return false;
}

/* Whether LO + 1 MiB aliases LO (A20 off); both bytes put back. */
static bool aliases(uint64_t lo)
{
	volatile uint8_t *p_lo = (volatile uint8_t *)(uintptr_t)lo;
	volatile uint8_t *p_hi = (volatile uint8_t *)(uintptr_t)(lo + MiB);
	uint8_t save_lo = *p_lo, save_hi = *p_hi;
	bool alias;

	*p_lo = 0xa5;
	*p_hi = 0x5a;
	alias = *p_lo != 0xa5;
	*p_hi = save_hi;                /* if aliased, this lands on LO... */
	*p_lo = save_lo;                /* ...which is restored last */
	return alias;
}

#define KBC_STATUS_IBF       BIT(1)
#define KBC_A20_OFF          0xdd
#define KBC_A20_ON           0xdf
#define KBC_WRITE_OUTPUT_CMD 0xd1
#define KBC_OUT_NO_RESET     0x01   /* bit 0 high: no reset; bit 1: A20 off */

static void kbc_send(uint16_t port, uint8_t val)
{
	for (int i = 0; i < 100000 && (inb(PORT_KBC_CMD) & KBC_STATUS_IBF); i++)
		cpu_relax();
	outb(port, val);
}

static void check_a20_kept(const struct guest_boot *b)
{
	uint64_t lo;

	if (!hv_present()) {
		check_report("a20_kept", false, "no hypervisor: A20 would go off");
		return;
	}
	for (lo = 2 * MiB; lo < A20_SCAN_LIMIT; lo += 2 * MiB)
		if (usable_scratch(b, lo) && usable_scratch(b, lo + MiB))
			break;
	if (lo >= A20_SCAN_LIMIT) {
		check_report("a20_kept", false, "no usable scratch pair below "
			     "%llu MiB", A20_SCAN_LIMIT / MiB);
		return;
	}
	uint8_t old = inb(PORT_SYSCTL_A);

	outb(PORT_SYSCTL_A, (uint8_t)(old & ~(SYSCTL_A_A20 | SYSCTL_A_RESET)));
	uint8_t now = inb(PORT_SYSCTL_A);
	bool alias = aliases(lo);
	outb(PORT_SYSCTL_A, (uint8_t)((old | SYSCTL_A_A20) & ~SYSCTL_A_RESET));
	if (!(now & SYSCTL_A_A20)) {
		check_report("a20_kept", false, "port 0x92 reads %#x: A20 off", now);
		return;
	}
	if (alias) {
		check_report("a20_kept", false, "after port 0x92: %#lx aliases "
			     "%#lx", (uint64_t)(lo + MiB), lo);
		return;
	}
	/* The keyboard controller's two ways: command 0xDD (A20 off) and
	 * an output-port write (0xD1) with bit 1 clear, reset bit 0 set. */
	kbc_send(PORT_KBC_CMD, KBC_A20_OFF);
	alias = aliases(lo);
	kbc_send(PORT_KBC_CMD, KBC_WRITE_OUTPUT_CMD);
	kbc_send(PORT_KBC_DATA, KBC_OUT_NO_RESET);
	alias = alias || aliases(lo);
	kbc_send(PORT_KBC_CMD, KBC_A20_ON);   /* in case it went off */
	check_report("a20_kept", !alias, "after keyboard controller 0xDD or "
		     "0xD1: %#lx aliases %#lx", (uint64_t)(lo + MiB), lo);
}

/* With the hypervisor's debug console on COM2 (guest argument
 * `console`): COM2 is not there for us (its scratch register reads
 * all-ones), the I/O APIC entry that carries the console's NMI (pin 3:
 * ISA IRQ 3 on q35) keeps its route whatever we write to it, and another
 * entry takes our writes as usual (82093AA data sheet, 3.2.4). */
#define COM2_SCR        0x2ff
#define IOAPIC_BASE     0xfec00000u   /* q35's, as the MADT says */
#define FREE_PIN        23            /* q35: nothing of ours uses it */

static uint32_t ioapic_rd(uint32_t reg)
{
	volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)IOAPIC_BASE;

	io[IOAPIC_REGSEL / 4] = reg;
	return io[IOAPIC_WIN / 4];
}

static void ioapic_wr(uint32_t reg, uint32_t val)
{
	volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)IOAPIC_BASE;

	io[IOAPIC_REGSEL / 4] = reg;
	io[IOAPIC_WIN / 4] = val;
}

static void check_console_guard(void)
{
	uint32_t before, after, orig, got;
	uint8_t scr;

	outb(COM2_SCR, 0x5a);
	scr = inb(COM2_SCR);
	check_report("console_com2_hidden", scr == 0xff,
		     "COM2 scratch register reads %#x", scr);
	before = ioapic_rd(IOAPIC_RTE(3));
	ioapic_wr(IOAPIC_RTE(3), RTE_MASKED | 0x30);
	after = ioapic_rd(IOAPIC_RTE(3));
	check_report("console_pin_kept",
		     after == before &&
		     (before & RTE_DELIVERY_MASK) == RTE_DELIVERY_NMI,
		     "pin 3 entry %#x, after our write %#x", before, after);
	orig = ioapic_rd(IOAPIC_RTE(FREE_PIN));
	ioapic_wr(IOAPIC_RTE(FREE_PIN), RTE_MASKED | 0x41);
	got = ioapic_rd(IOAPIC_RTE(FREE_PIN));
	ioapic_wr(IOAPIC_RTE(FREE_PIN), orig);
	check_report("console_other_pin_ours",
		     (got & (RTE_MASKED | 0xff)) == (RTE_MASKED | 0x41),
		     "pin %u entry %#x after writing %#x", FREE_PIN, got,
		     RTE_MASKED | 0x41);
}

/* A sleep request (PM1 control SLP_EN with S3's SLP_TYP) must not put the
 * machine to sleep under the hypervisor: resuming would run the firmware
 * and then our waking vector without it. The hypervisor refuses it and
 * makes it look as if the machine woke at once: PM1 status WAK_STS set,
 * clear again once we write it (ACPI 6.5, 4.8.3.1.1 and 4.8.3.2.1). */
static void check_sleep_refused(void)
{
	uint16_t pmbase = acpi_pmbase(), cnt, sts, sts2;

	if (!hv_present()) {
		check_report("sleep_refused", false, "no hypervisor: the "
			     "machine would sleep");
		return;
	}
	if (!pmbase) {
		check_report("sleep_refused", false, "neither ICH9 nor PIIX4 "
			     "(no PM base)");
		return;
	}
	cnt = inw((uint16_t)(pmbase + PM1_CNT));
	outw((uint16_t)(pmbase + PM1_CNT), (uint16_t)((cnt & ~PM1_SLP_TYP_MASK) |
	     PM1_SLP_TYP(QEMU_S3_TYP) | PM1_SLP_EN));
	sts = inw((uint16_t)(pmbase + PM1_STS));
	outw((uint16_t)(pmbase + PM1_STS), PM1_WAK_STS);
	sts2 = inw((uint16_t)(pmbase + PM1_STS));
	check_report("sleep_refused", (sts & PM1_WAK_STS) && !(sts2 & PM1_WAK_STS),
		     "PM1 status %#x after the S3 request, %#x after clearing "
		     "WAK_STS", sts, sts2);
}

/* An I/O APIC entry with INIT or SMI delivery would reset a core or
 * enter SMM behind the hypervisor's back: such writes must not land. A
 * masked entry on a free pin, then restored. */
static void check_ioapic_modes(void)
{
	static const struct { uint32_t mode; const char *name; } modes[] = {
		{ RTE_DELIVERY_INIT, "INIT" }, { RTE_DELIVERY_SMI, "SMI" },
	};
	uint32_t orig = ioapic_rd(IOAPIC_RTE(FREE_PIN));

	if (!hv_present()) {
		check_report("ioapic_init_smi_refused", false, "no hypervisor");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		uint32_t got;

		ioapic_wr(IOAPIC_RTE(FREE_PIN), RTE_MASKED | modes[i].mode);
		got = ioapic_rd(IOAPIC_RTE(FREE_PIN));
		ioapic_wr(IOAPIC_RTE(FREE_PIN), orig);
		if ((got & RTE_DELIVERY_MASK) == modes[i].mode) {
			check_report("ioapic_init_smi_refused", false,
				     "pin %u took %s delivery (%#x)", FREE_PIN,
				     modes[i].name, got);
			return;
		}
	}
	check_report("ioapic_init_smi_refused",
		     ioapic_rd(IOAPIC_RTE(FREE_PIN)) == orig,
		     "pin %u entry not restored", FREE_PIN);
}

/* Local APIC LVT entries with SMI or INIT delivery (APM Vol. 2, 16.4.1)
 * would enter SMM or reset the core behind the hypervisor: the writes
 * must not land, while a fixed-mode write to the same entry does (and
 * shows the register was reachable). Masked entries, the old value put
 * back. LVT_PERF and LINT1 go through the hypervisor's checked path; the
 * TPR writes of every other check take its direct one. */
#define LVT_PERF_REG      0x340
#define LVT_LINT1_REG     0x360
#define LVT_MODE_MASK     0x700u
#define LVT_MASK_BIT      BIT(16)
static void check_lvt_modes(void)
{
	static const struct { uint32_t reg, mode; const char *name; } bad[] = {
		{ LVT_PERF_REG, 0x200, "SMI" }, { LVT_LINT1_REG, 0x500, "INIT" },
		{ LVT_LINT1_REG, 0x200, "SMI" },
	};

	if (!hv_present()) {
		check_report("lvt_init_smi_refused", false, "no hypervisor");
		return;
	}
	if (!lapic_reg_takes(LVT_PERF_REG, LVT_MASK_BIT | 0x45,
			     LVT_MODE_MASK | 0xFF)) {
		check_report("lvt_init_smi_refused", false,
			     "a fixed-mode LVT_PERF write did not land");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (lapic_reg_takes(bad[i].reg, LVT_MASK_BIT | bad[i].mode,
				    LVT_MODE_MASK)) {
			check_report("lvt_init_smi_refused", false,
				     "LVT %#x took %s delivery", bad[i].reg,
				     bad[i].name);
			return;
		}
	check_report("lvt_init_smi_refused", true, "no SMI/INIT in LVT");
}

void checks_boot(const struct guest_boot *b, const char *hole_opt,
		 bool console)
{
	check_memmap(b);
	check_hole(b, hole_opt);
	check_hc_log();
	check_hc_exit_stats();
	check_pit();
	check_hlt();
	check_apic_odd();
	check_smi_svme();
	check_a20_kept(b);
	check_ioapic_modes();
	check_lvt_modes();
	check_sleep_refused();
	checks_chipset(b);
	if (console)
		check_console_guard();
	checks_msr();                   /* last: it moves the TSC */
}
