/*
 * smp/boot.c - starting the application processors.
 *
 * INIT-SIPI-SIPI per the MP start-up protocol (Intel MP spec B.4, which
 * AMD follows; APM Vol. 2, 16.5): INIT, 10 ms, STARTUP, 200 us, STARTUP
 * if the AP has not answered yet. One AP at a time through one trampoline
 * page below 1 MiB taken from the memory map (never page 0, the BDA or the
 * EBDA; it works under UEFI where low memory is scarce). A CPU that does
 * not answer within AP_TIMEOUT_MS is reported and skipped.
 */
#include "smp/internal.h"
#include "acpi/acpi.h"
#include "arch/x86.h"
#include "kernel/private.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define AP_TIMEOUT_MS 200

extern const char trampoline_start[], trampoline_end[];
extern char boot_stack_top[];
extern const char tramp_gdtr[], tramp_pm_ptr[], tramp_lm_ptr[], tramp_cr3[],
	tramp_efer[], tramp_stack[], tramp_percpu[], tramp_entry[], tramp_pm[],
	tramp_lm[], tramp_gdt[];

unsigned int cpus_online = 1;
unsigned int cpus_possible = 1;
static uint64_t tramp_pa;


uint64_t smp_trampoline_pa(void)
{
	return tramp_pa;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The highest 4 KiB page in [0x1000, 0x9F000) that every map calls usable
 * and no module or the boot information touches. 0x9F000 and up may be
 * the EBDA; page 0 holds the IVT and BDA. */
static uint64_t pick_trampoline(const struct bootinfo *bi)
{
	size_t n;
	const struct mem_range *map = bootinfo_ram_map(bi, &n);

	for (uint64_t pg = 0x9E000; pg >= 0x1000; pg -= 0x1000) {
		bool usable = false, clash = false;

		for (size_t i = 0; i < n; i++) {
			if (!overlaps(pg, 4096, map[i].base, map[i].len))
				continue;
			if (map[i].type == MEM_USABLE && map[i].base <= pg &&
			    pg + 4096 <= map[i].base + map[i].len)
				usable = true;
			else
				clash = true;
		}
		for (size_t i = 0; i < bi->nmods; i++)
			clash |= overlaps(pg, 4096, bi->mods[i].start,
					  bi->mods[i].end - bi->mods[i].start);
		clash |= overlaps(pg, 4096, bi->mbi_pa, bi->mbi_size);
		if (usable && !clash)
			return pg;
	}
	return 0;
}

static void patch32(uint8_t *t, const char *sym, uint64_t v)
{
	uint32_t x = (uint32_t)v;

	memcpy(t + (sym - trampoline_start), &x, 4);
}

static void patch64(uint8_t *t, const char *sym, uint64_t v)
{
	memcpy(t + (sym - trampoline_start), &v, 8);
}

static void trampoline_install(uint64_t pa)
{
	uint8_t *t = phys_to_virt(PADDR(pa));
	size_t len = (size_t)(trampoline_end - trampoline_start);

	assert(len <= 4096);
	memcpy(t, trampoline_start, len);
	patch32(t, tramp_gdtr + 2, pa + (uint64_t)(tramp_gdt - trampoline_start));
	patch32(t, tramp_pm_ptr, pa + (uint64_t)(tramp_pm - trampoline_start));
	patch32(t, tramp_lm_ptr, pa + (uint64_t)(tramp_lm - trampoline_start));
	patch32(t, tramp_cr3, read_cr3());
	patch32(t, tramp_efer, rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
	patch64(t, tramp_entry, (uint64_t)ap_entry);
}

/* Runs on the AP, on its own stack, in long mode with the hypervisor's
 * page tables. It takes no lock before the boot CPU has accepted it: a
 * boot CPU that gave up on it (its state is no longer CPU_STARTING) INITs
 * it, and an INIT that hits a CPU holding a lock (the print lock) would
 * leave the lock held for good. */
void ap_entry(struct percpu *c)
{
	percpu_load(c);
	nmi_init_cpu();
	lapic_init_ap();
	if (!smp_ap_accept(c))
		halt_forever();         /* too late: the INIT is on its way */
	printk("cpu %u (APIC ID %u) online\n", c->index, lapic_id());
	smp_idle_loop(c);
}

void (*smp_vcpu_work)(struct percpu *c);

void smp_run_pending_call(struct percpu *c)
{
	uint32_t sources = __atomic_exchange_n(&c->src_pending, 0,
					       __ATOMIC_SEQ_CST);
	smp_fn fn;

	if (sources)
		nmi_sources_service(c, sources);
	/* Taken with an exchange: smp_call_all withdraws a call that timed
	 * out with a compare-exchange, so exactly one of the two wins. */
	fn = smp_call_take(c);
	if (!fn)
		return;
	fn(c->call_arg);
	__atomic_store_n(&c->call_done, 1, __ATOMIC_RELEASE);
}

_Noreturn void smp_idle_loop(struct percpu *c)
{
	for (;;) {
		smp_park_until(&c->kick_pending);
		smp_kick_take(c);       /* before the requests are read */
		smp_run_pending_call(c);
		if (smp_vcpu_work)
			smp_vcpu_work(c);
	}
}

/* The heap's per-CPU caches ask which CPU they run on. */
static unsigned int heap_cpu_index(void)
{
	return this_cpu()->index;
}

/* The pool must hold every CPU's share (SMP_POOL_PER_CPU) besides what is
 * in use and what the rest of bring-up takes (SMP_POOL_REST); if it
 * cannot, the boot stops here naming the hv_mem= that would do (in 2 MiB
 * steps, as cmdline.c takes it). Leaving CPUs out instead would leave
 * the guest waiting for CPUs its MADT lists. */
static void check_pool(unsigned int n)
{
	struct frame_stats st;
	uint64_t need, total;

	frame_get_stats(&st);
	need = (uint64_t)n * SMP_POOL_PER_CPU + SMP_POOL_REST;
	if (st.free_bytes >= need)
		return;
	total = ALIGN_UP(st.pool_size - st.free_bytes + need, 2 * MiB);
	panic("hv_mem=%lluM needed for %u CPUs (the pool is %lluM): "
	      "refusing to boot", (unsigned long long)(total >> 20), n,
	      (unsigned long long)(st.pool_size >> 20));
}

void smp_init_bsp(const struct acpi_info *acpi)
{
	unsigned int n = acpi_cpu_count(acpi) ? acpi_cpu_count(acpi) : 1;
	struct percpu *c;

	c = percpu_create(0, 0, false);
	if (!c)
		panic("no memory for the boot CPU's per-CPU state");
	c->stack_top = (uint64_t)boot_stack_top;
	percpu_load(c);
	percpu_pin_stacks(c, true);             /* its IST stacks, from now on */
	/* A refusal panics with this_cpu() and the IST stacks in place. */
	check_pool(n);
	cpus = kcalloc(n, sizeof(*cpus));
	if (!cpus || heap_set_cpus(n) != MM_OK)
		panic("no memory for the CPU table of %u CPUs", n);
	cpus_max = n;
	mm_cpu_index = heap_cpu_index;
	nmi_init_cpu();
	lapic_init_bsp(acpi->madt_present ? acpi->lapic_address : 0,
		       acpi_max_apic_id(acpi));
	c->apic_id = lapic_id();
	c->state = CPU_ONLINE;
	cpus[0] = c;
}

static bool wait_online(struct percpu *c, unsigned int ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000;

	while (now_ns() < end) {
		if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_ONLINE)
			return true;
		cpu_relax();
	}
	return false;
}

static bool start_one(struct percpu *c)
{
	uint8_t *t = phys_to_virt(PADDR(tramp_pa));
	uint32_t vector = (uint32_t)(tramp_pa >> 12);

	patch64(t, tramp_stack, c->stack_top);
	patch64(t, tramp_percpu, (uint64_t)c);
	c->state = CPU_STARTING;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_ipi(c->apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	mdelay(10);
	lapic_send_ipi(c->apic_id, ICR_STARTUP | ICR_ASSERT | vector);
	if (wait_online(c, 1))
		return true;
	lapic_send_ipi(c->apic_id, ICR_STARTUP | ICR_ASSERT | vector);
	return wait_online(c, AP_TIMEOUT_MS);
}

unsigned int smp_start_aps(const struct acpi_info *acpi,
			   const struct bootinfo *bi, uint32_t skip)
{
	const struct acpi_cpu *ac;
	unsigned int it = 0, index = 1, skipped = 0;
	uint32_t self = lapic_id();

	if (!acpi->madt_present || acpi_cpu_count(acpi) <= 1) {
		printk("cpus: %u online (%s)\n", cpus_online,
		       acpi->madt_present ? "the MADT lists one CPU" :
		       "no MADT: boot CPU only");
		return cpus_online;
	}
	tramp_pa = pick_trampoline(bi);
	if (!tramp_pa) {
		printk("warning: no free page below 1 MiB for the AP trampoline: boot CPU only\n");
		return cpus_online;
	}
	trampoline_install(tramp_pa);
	printk("smp: trampoline at 0x%llx, starting %u more CPUs\n",
	       (unsigned long long)tramp_pa, acpi_cpu_count(acpi) - 1);

	while ((ac = acpi_cpu_next(acpi, &it))) {
		struct percpu *c;

		if (ac->apic_id == self)
			continue;
		cpus_possible++;
		/* cpus_max counts the MADT's enabled CPUs, this one among
		 * them unless the firmware forgot it; an APIC ID above 254
		 * needs the x2APIC (lapic_init_bsp warned). Skipped CPUs are
		 * hidden from the guest (acpi_hide_cpus). */
		if (index >= cpus_max || ac->apic_id == skip ||
		    (ac->apic_id > 254 && !lapic_x2apic())) {
			printk("cpu with APIC ID %u: skipped (%s)\n", ac->apic_id,
			       index >= cpus_max ? "the boot CPU is not in the MADT" :
			       ac->apic_id == skip ? "cpu_skip=" :
			       "APIC ID above 254 without x2APIC");
			skipped++;
			continue;
		}
		c = percpu_create(index, ac->apic_id, true);
		if (!c) {
			printk("cpu with APIC ID %u: no memory for its stacks, skipped\n",
			       ac->apic_id);
			skipped++;
			continue;
		}
		/* The stacks are the AP's from the SIPI on. */
		percpu_pin_stacks(c, true);
		if (!start_one(c) && smp_ap_give_up(c)) {
			printk("cpu with APIC ID %u: no answer after %u ms, skipped\n",
			       ac->apic_id, AP_TIMEOUT_MS);
			/* A late wake-up would run the trampoline, which
			 * becomes guest memory: INIT puts the CPU back into
			 * wait-for-SIPI, where nothing ever wakes it. It
			 * holds no lock (ap_entry takes none before it is
			 * accepted). */
			lapic_send_ipi(c->apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
			mdelay(10);
			percpu_pin_stacks(c, false);    /* it is reset now */
			percpu_destroy(c);
			skipped++;
			continue;
		}
		cpus[index++] = c;
		cpus_online++;
	}
	/* The page is the guest's from now on: leave nothing of ours in it. */
	memset(phys_to_virt(PADDR(tramp_pa)), 0, 4096);
	printk("cpus: %u online%s\n", cpus_online,
	       skipped ? " (some skipped, see above)" : "");
	return cpus_online;
}
