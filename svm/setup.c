/*
 * svm/setup.c - SVM on every CPU (APM Vol. 2, 15.4 "Enabling SVM") and
 * the state all vCPUs share: the nested page table, MSRPM and IOPM.
 */
#include "svm/internal.h"
#include "iommu/iommu.h"
#include "arch/x86.h"
#include "kernel/private.h"
#include "lib/lib.h"

#define CPUID81_ECX_SVM  BIT(2)
#define CPUID81_EDX_PG1G BIT(26)

struct svm_global svm;
static unsigned int vcpus_ready;
/* Every online CPU's vCPU, made on the boot CPU (svm_init) and taken by
 * svm_init_cpu: the CPUs then set themselves up without a lock. With
 * hundreds of CPUs allocating at once, the heap and frame locks made a
 * convoy that outlasted smp_call_all's timeout under QEMU TCG. */
static struct vcpu **prepared;

static void prepare_vcpus(void)
{
	prepared = kcalloc(cpus_max, sizeof(*prepared));
	for (unsigned int i = 0; i < cpus_max; i++) {
		struct vcpu *v;

		if (!cpus[i] || !prepared)
			continue;
		v = vcpu_create(cpus[i]);
		if (!v) {
			printk("svm: cpu %u: out of memory for its vCPU\n", i);
			continue;
		}
		/* The CPU holds these by physical address from now on
		 * (VMRUN reads the VMCB, #VMEXIT writes the host save area,
		 * VMLOAD the host state): pinned, so freeing one early
		 * panics instead of handing memory the CPU still writes
		 * back to the pool. */
		frame_pin(v->vmcb_pa, 0, FRAME_TAG_VMCB);
		frame_pin(v->hsave_pa, 0, FRAME_TAG_HSAVE);
		frame_pin(v->host_state_pa, 0, FRAME_TAG_HOST_STATE);
		prepared[i] = v;
	}
	if (!prepared)
		printk("svm: out of memory for the vCPU table\n");
}

/* NPT tables come from the frame domain with their own tag. */
static int npt_alloc(void *ctx, uint64_t *pa, void **va)
{
	struct paddr p;

	if (frame_alloc(0, FRAME_TAG_NPT, FRAME_ZERO, &p) != MM_OK)
		return -1;
	*pa = p.pa;
	*va = phys_to_virt(p);
	return 0;
}

static void npt_free(void *ctx, uint64_t pa, void *va)
{
	frame_free(PADDR(pa), 0, FRAME_TAG_NPT);
}

static void *npt_va(void *ctx, uint64_t pa)
{
	return phys_to_virt(PADDR(pa));
}

/* The NPT covers [0, top): at least 4 GiB (MMIO below 4 GiB), and every
 * RAM-like range; reserved ranges above that and 64-bit MMIO are mapped
 * on demand (svm/npf.c). */
static uint64_t guest_top(const struct svm_config *cfg)
{
	uint64_t top = 4 * GiB;

	for (size_t i = 0; i < cfg->nmap; i++) {
		const struct mem_range *r = &cfg->map[i];

		if (r->type == MEM_RESERVED || r->type == MEM_BAD)
			continue;
		top = MAX(top, r->base + r->len);
	}
	return MIN(ALIGN_UP(top, 2 * MiB), (uint64_t)NPT_MAX_TOP);
}

static int build_npt(const struct svm_config *cfg)
{
	struct npt_range holes[HV_MAX_HOLES + SVM_MAX_HIDDEN];
	struct npt_range low = { 0, 2 * MiB };
	struct npt_range ecam = { svm.ecam_lo, svm.ecam_hi };
	uint64_t ro[1 + SVM_MAX_IOAPICS + CFG_MAX_DEVS + 3] = { 0 };
	uint64_t unmapped[CFG_MAX_DEVS + SVM_MAX_HIDDEN_PAGES + 1];
	size_t nro = 1 + svm.nioapics, nun = 0;
	struct npt_layout layout = {
		.top = svm.guest_top,
		.holes = holes, .nholes = cfg->nholes + hide_npt_holes(
			holes + cfg->nholes, SVM_MAX_HIDDEN),
		.small = &low, .nsmall = 1,
		.ro_pages = ro, .unmapped_pages = unmapped,
		.ro = &ecam, .nro_ranges = svm.ecam_hi ? 1 : 0,
		.page1gb = svm.page1gb,
	};
	struct npt_ops ops = { npt_alloc, npt_free, npt_va, NULL };
	struct npt_stats st;

	ro[0] = svm.apic_gpa;
	for (size_t i = 0; i < cfg->nholes; i++)
		holes[i] = (struct npt_range){ cfg->holes[i].base, cfg->holes[i].end };
	for (size_t i = 0; i < svm.nioapics; i++)
		ro[1 + i] = svm.ioapic_pa[i];
	for (size_t i = 0; i < svm.ncfg; i++) {
		if (svm.cfg_page_unmapped[i])
			unmapped[nun++] = svm.cfg_page[i];
		else
			ro[nro++] = svm.cfg_page[i];
	}
	for (size_t i = 0; i < svm.nhidden_page; i++)
		unmapped[nun++] = svm.hidden_page[i];   /* the IOMMUs' (iommu/) */
	if (svm.trapped_page)
		unmapped[nun++] = svm.trapped_page;     /* the HPET (hpet/) */
	if (svm.reset_mmio)
		ro[nro++] = ALIGN_DOWN(svm.reset_mmio, 4096);
	if (svm.fch)
		ro[nro++] = svm.fch_mmio;
	if (svm.rcrb_page)
		ro[nro++] = svm.rcrb_page;
	layout.nro = nro;
	layout.nunmapped = nun;
	if (npt_build(&svm.npt, &layout, &ops))
		return -1;
	/* MMIO above the map is mapped on demand: at most 1 MiB more. */
	svm.npt_table_limit = svm.npt.table_pages + 256;
	npt_summary(&svm.npt, &st);
	printk("svm: NPT maps [0, %llx) minus %zu hole(s) %llx-%llx: %zu table pages "
	       "(%zu KiB), leaves 1G %zu 2M %zu 4K %zu\n",
	       (unsigned long long)svm.guest_top, cfg->nholes,
	       (unsigned long long)cfg->holes[0].base,
	       (unsigned long long)cfg->holes[cfg->nholes - 1].end - 1,
	       svm.npt.table_pages,
	       svm.npt.table_pages * 4, st.leaves_1g, st.leaves_2m, st.leaves_4k);
	return 0;
}

/*
 * What CPUID Fn8000_000A says (APM Vol. 3, appendix E, "SVM Revision and
 * Feature Identification") and what the hypervisor does with each, in
 * one boot line: "used", "present (unused)" or "absent". Used when
 * present: NRIPS (the next RIP of an intercepted instruction, no decode:
 * vcpu_skip_insn, handle_hlt), decode assists (the instruction bytes of
 * a nested page fault, no walk of the guest's page tables:
 * vcpu_emulate_mmio), flush by ASID (TLB_CONTROL 3, the guest's entries
 * only: vcpu_run). Not used, on purpose (docs/qemu-svm.md, "CPU models"):
 * VMCB clean bits (0: every VMRUN loads the whole VMCB, so no write to
 * it can be missed), AVIC (the guest's xAPIC is trapped and emulated for
 * INIT and SIPI), vNMI (NMIs for the guest are queued by the
 * hypervisor), pause filter (PAUSE is not intercepted), VGIF (the guest
 * cannot use SVM). ASIDs: one (1) for the guest everywhere. The table
 * with the reasons: docs/qemu-svm.md, "CPU models".
 */
static void report_features(void)
{
	static const struct { uint32_t bit; const char *name; bool used; } f[] = {
		{ SVM_FEAT_NPT, "NPT", true },
		{ SVM_FEAT_NRIPS, "NRIPS", true },
		{ SVM_FEAT_DECODE, "decode-assists", true },
		{ SVM_FEAT_FLUSHASID, "flush-by-ASID", true },
		{ SVM_FEAT_CLEAN, "VMCB-clean", false },
		{ SVM_FEAT_AVIC, "AVIC", false },
		{ SVM_FEAT_VNMI, "vNMI", false },
		{ SVM_FEAT_PAUSEFILT, "pause-filter", false },
		{ SVM_FEAT_VGIF, "VGIF", false },
	};
	char line[400];
	int n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		n += ksnprintf(line + n, sizeof(line) - (size_t)n, "%s %s %s",
			       i ? "," : "", f[i].name,
			       !(svm.features & f[i].bit) ? "absent" :
			       f[i].used ? "used" : "present (unused)");
	printk("svm: CPUID 8000000A: revision %u, %u ASIDs (1 used);%s; "
	       "Page1GB %s\n", cpuid(0x8000000A, 0).eax & 0xFF, svm.nasid,
	       line, svm.page1gb ? "used" : "absent");
}

/* #SX: with VM_CR.R_INIT an INIT arrives as this exception (15.29). */
static void sx_handler(struct trap_frame *f)
{
	printk("svm: INIT redirected to #SX on cpu %u and dropped\n",
	       this_cpu()->index);
}

int svm_init(const struct svm_config *cfg)
{
	struct paddr pm;

	if (!(cpuid(0x80000001, 0).ecx & CPUID81_ECX_SVM)) {
		printk("svm: this CPU has no SVM (CPUID Fn8000_0001 ECX[2] clear)\n");
		return -1;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		printk("svm: SVM is disabled by the firmware (VM_CR.SVMDIS)\n");
		return -1;
	}
	svm.features = cpuid(0x8000000A, 0).edx;
	/* The guest's entries only, when the CPU can (APM Vol. 2, 15.16.1):
	 * the hypervisor's own (ASID 0) stay. */
	svm.tlb_flush_kind = (svm.features & SVM_FEAT_FLUSHASID) ?
			     TLB_CONTROL_FLUSH_ASID : TLB_CONTROL_FLUSH_ALL;
	svm.nasid = cpuid(0x8000000A, 0).ebx;
	svm.page1gb = (cpuid(0x80000001, 0).edx & CPUID81_EDX_PG1G) != 0;
	svm.has_vm_cr = true; /* architectural on every SVM CPU */
	report_features();
	if (!(svm.features & SVM_FEAT_NPT)) {
		printk("svm: no nested paging (CPUID Fn8000_000A EDX[0])\n");
		return -1;
	}
	/* ASID 0 is the host's; the guest runs with ASID 1 (15.16). */
	if (svm.nasid < 2) {
		printk("svm: %u ASIDs (CPUID Fn8000_000A EBX): the guest needs "
		       "ASID 1\n", svm.nasid);
		return -1;
	}
	assert(cfg->nholes >= 1 && cfg->nholes <= HV_MAX_HOLES);
	for (size_t i = 0; i < cfg->nholes; i++)
		svm.holes[i] = cfg->holes[i];
	svm.nholes = cfg->nholes;
	svm.reset_port = cfg->reset_port;
	for (unsigned i = 0; i < SVM_PM1_SLOTS; i++) {
		svm.pm1_cnt[i] = cfg->pm1_cnt[i];
		svm.pm1_sts[i] = cfg->pm1_sts[i];
	}
	svm.s5_typ[0] = cfg->s5_typ[0];
	svm.s5_typ[1] = cfg->s5_typ[1];
	svm.s5_known = cfg->s5_known;
	svm.reset_value = cfg->reset_value;
	svm.reset_mmio = cfg->reset_mmio;
	svm.guest_top = guest_top(cfg);
	/* The page the hypervisor's APIC really is at (the MADT may place
	 * it away from 0xFEE00000); every CPU's is at the same address. */
	svm.apic_gpa = lapic_base_pa() & ~0xFFFULL;
	assert(cfg->nhidden_pages <= SVM_MAX_HIDDEN_PAGES);
	for (size_t i = 0; i < cfg->nhidden_pages; i++)
		svm.hidden_page[i] = cfg->hidden_pages[i] & ~0xFFFull;
	svm.nhidden_page = cfg->nhidden_pages;
	if (cfg->trapped_page && cfg->trapped_ops) {
		svm.trapped_page = cfg->trapped_page & ~0xFFFull;
		svm.trapped_ops = cfg->trapped_ops;
	}
	guard_init(cfg);
	guard_cfg_init(cfg);
	hide_init(cfg);
	/* The IOMMU's function is hidden through config mechanism #1 too
	 * (iommu/hide.c): its ports are intercepted on any chipset. */
	if (iommu_active())
		svm.cfg_guarded = true;
	if (build_npt(cfg)) {
		printk("svm: out of memory for the nested page table\n");
		return -1;
	}
	/* MSRPM: 8 KiB; IOPM: 12 KiB in a 16 KiB block (15.10.1, 15.11). */
	if (frame_alloc(1, FRAME_TAG_MSRPM, FRAME_ZERO, &svm.msrpm_pa) != MM_OK ||
	    frame_alloc(2, FRAME_TAG_IOPM, FRAME_ZERO, &pm) != MM_OK) {
		printk("svm: out of memory for the permission maps\n");
		return -1;
	}
	svm.iopm_pa = pm;
	/* Every VMCB will point at these three by physical address: from
	 * here on a frame_free of them is a premature free (frame_pin). The
	 * NPT's lower tables hang off the root and are only ever freed by
	 * the builder before the root is published. */
	frame_pin(PADDR(svm.npt.root_pa), 0, FRAME_TAG_NPT);
	frame_pin(svm.msrpm_pa, 1, FRAME_TAG_MSRPM);
	frame_pin(svm.iopm_pa, 2, FRAME_TAG_IOPM);
	msrpm_setup(phys_to_virt(svm.msrpm_pa));
	apic_policy_init();
	iopm_setup(phys_to_virt(svm.iopm_pa));
	trap_set_hook(30, sx_handler);
	prepare_vcpus();
	return 0;
}

void svm_init_cpu(void *unused)
{
	struct percpu *c = this_cpu();
	struct vcpu *v;

	if (!(cpuid(0x80000001, 0).ecx & CPUID81_ECX_SVM) ||
	    (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)) {
		printk("svm: cpu %u has no usable SVM: its vCPU is absent\n", c->index);
		return;
	}
	v = prepared && c->index < cpus_max ? prepared[c->index] : NULL;
	if (!v)
		return;                 /* prepare_vcpus said why */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, v->hsave_pa.pa);
	if (svm.has_vm_cr && !(rdmsr(MSR_VM_CR) & VM_CR_LOCK))
		wrmsr(MSR_VM_CR, rdmsr(MSR_VM_CR) | VM_CR_R_INIT);
	smp_vcpu_work = svm_vcpu_work;
	/* The host's FS/GS/TR/syscall state, restored after every exit. */
	__asm__ __volatile__("vmsave %0" ::"a"(v->host_state_pa.pa) : "memory");
	c->vcpu = v;
	__atomic_fetch_add(&vcpus_ready, 1, __ATOMIC_SEQ_CST);
}

unsigned int svm_vcpus_ready(void)
{
	return vcpus_ready;
}

_Noreturn void svm_run_boot_vcpu(uint32_t entry, uint32_t mbi, uint64_t gdt_gpa,
				 uint64_t pt, enum svm_boot_kind kind)
{
	struct vcpu *v = this_cpu()->vcpu;

	if (!v)
		panic("the boot CPU has no vCPU");
	vcpu_set_multiboot_state(v, entry, mbi, gdt_gpa);
	if (kind == SVM_BOOT_LINUX32 || kind == SVM_BOOT_LINUX64)
		vcpu_set_linux32_state(v, mbi);
	if (kind == SVM_BOOT_LINUX64)
		vcpu_set_long_mode(v, pt);
	/* Set-up time: from the hypervisor's first instruction to here,
	 * just before the guest's first (bench/scale.mk reads this line). */
	{
		uint64_t cycles = rdtsc() - boot_tsc0, khz = tsc_khz();

		printk("setup: %llu TSC cycles, %llu us from the first "
		       "instruction to the guest's, %u CPUs\n",
		       (unsigned long long)cycles,
		       (unsigned long long)(khz ? cycles * 1000 / khz : 0),
		       cpus_online);
	}
	printk("svm: vcpu 0 enters the guest at %x (info at %x)\n", entry, mbi);
	v->sipi_accepted = true; /* started by the boot loader, not a SIPI */
	vcpu_run(v);
	/* INIT or stopped: like every CPU, wait to be kicked. */
	smp_idle_loop(this_cpu());
}
