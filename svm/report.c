/*
 * svm/report.c - what the hypervisor tells about its vCPUs: at shutdown
 * (HC_SHUTDOWN) and on the debug console (console/). Everything here only
 * reads, and reads another CPU's vCPU without stopping it: a VMCB's
 * guest state is the one saved at that vCPU's last exit, which is what
 * the output says.
 */
#include "svm/internal.h"
#include "lib/lib.h"

static const char *const vcpu_states[] = { "wait-for-SIPI", "running",
					   "stopped" };

static struct vcpu *vcpu_of(unsigned cpu)
{
	return cpu < cpus_max && cpus[cpu] ? cpus[cpu]->vcpu : NULL;
}

/* One line per vCPU: where it is and what it cost. */
void svm_report_vcpus(print_fn pr)
{
	for (unsigned i = 0; i < cpus_max; i++) {
		const struct vcpu *v = vcpu_of(i);

		if (!v)
			continue;
		pr("vcpu %u: %s%s, %llu exits (%llu fast), %llu nested faults, "
		   "INIT %llu SIPI %llu, NMIs asked %u injected %llu queued %u%s%s, "
		   "host NMIs %u (guest's %llu)%s%s\n", v->index,
		   vcpu_states[v->state % 3], v->paused ? " (paused)" : "",
		   (unsigned long long)vcpu_exits_total(v),
		   (unsigned long long)(v->fast.cpuid_exits + v->fast.vmmcall_exits),
		   (unsigned long long)vcpu_exit_count(v, svm_exit_slot(VMEXIT_NPF)),
		   (unsigned long long)v->inits, (unsigned long long)v->sipis,
		   v->nmi_req, (unsigned long long)v->ev.nmis_injected,
		   v->ev.nmi_queued, v->ev.nmi_blocked ? " blocked" : "",
		   v->ev.awaiting_iret ? " awaiting-iret" : "",
		   v->cpu->nmi_count, (unsigned long long)v->cpu->foreign_nmis,
		   v->state == VCPU_STOPPED ? ", stopped: " : "",
		   v->state == VCPU_STOPPED && v->stop_reason ? v->stop_reason : "");
	}
}

/* Names for the exit codes a guest of ours causes; others print as hex. */
static const char *exit_name(uint64_t code)
{
	static const struct { uint16_t code; const char *name; } names[] = {
		{ VMEXIT_INTR, "intr" }, { VMEXIT_NMI, "nmi" },
		{ VMEXIT_SMI, "smi" }, { VMEXIT_INIT, "init" },
		{ VMEXIT_CPUID, "cpuid" }, { VMEXIT_IRET, "iret" },
		{ VMEXIT_INVD, "invd" }, { VMEXIT_HLT, "hlt" },
		{ VMEXIT_INVLPGA, "invlpga" }, { VMEXIT_IOIO, "ioio" },
		{ VMEXIT_MSR, "msr" }, { VMEXIT_SHUTDOWN, "shutdown" },
		{ VMEXIT_VMRUN, "vmrun" }, { VMEXIT_VMMCALL, "vmmcall" },
		{ VMEXIT_VMLOAD, "vmload" }, { VMEXIT_VMSAVE, "vmsave" },
		{ VMEXIT_STGI, "stgi" }, { VMEXIT_CLGI, "clgi" },
		{ VMEXIT_SKINIT, "skinit" }, { VMEXIT_NPF, "npf" },
		{ VMEXIT_EXCP_BASE + 1, "exception #DB" },
		{ VMEXIT_EXCP_BASE + 17, "exception #AC" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].code == code)
			return names[i].name;
	return NULL;
}

/* vCPU i when the report covers it (cpu < 0: every vCPU), else NULL. */
static const struct vcpu *picked(unsigned i, int cpu)
{
	return cpu < 0 || (unsigned)cpu == i ? vcpu_of(i) : NULL;
}

static const char *apic_reg_name(unsigned reg)
{
	switch (reg) {
	case 0x080: return "TPR";
	case 0x0B0: return "EOI";
	case 0x0D0: return "LDR";
	case 0x0E0: return "DFR";
	case 0x0F0: return "SVR";
	case 0x280: return "ESR";
	case 0x300: return "ICR";
	case 0x310: return "ICR2";
	case 0x320: return "LVT-timer";
	case 0x340: return "LVT-PMC";
	case 0x350: return "LINT0";
	case 0x360: return "LINT1";
	case 0x370: return "LVT-error";
	case 0x380: return "TMICT";
	case 0x3E0: return "TDCR";
	default: return NULL;
	}
}

/* Where the trapped APIC writes and the intercepted I/O came from: one
 * line each, the registers and ports with their counts. */
static void report_sources(print_fn pr, int cpu)
{
	char line[512];
	int n = 0;
	uint64_t other = 0;

	for (unsigned r = 0; r < 64; r++) {
		uint64_t c = 0;
		const char *name = apic_reg_name(r << 4);

		for (unsigned i = 0; i < cpus_max; i++) {
			const struct vcpu *v = picked(i, cpu);

			if (v)
				c += v->apic_writes[r];
		}
		if (c && n < (int)sizeof(line) - 40)
			n += name ? ksnprintf(line + n, sizeof(line) - (size_t)n,
					      " %s %llu", name, (unsigned long long)c)
				  : ksnprintf(line + n, sizeof(line) - (size_t)n,
					      " %#x %llu", r << 4, (unsigned long long)c);
	}
	if (n)
		pr("APIC writes trapped, by register:%s\n", line);
	/* Ports: the vCPUs' tables merged (each holds its first ports). */
	{
		struct { uint16_t port; uint64_t n; } all[2 * VCPU_IO_PORTS];
		unsigned nall = 0;

		for (unsigned i = 0; i < cpus_max; i++) {
			const struct vcpu *v = picked(i, cpu);

			if (!v)
				continue;
			other += v->io_other;
			for (unsigned k = 0; k < VCPU_IO_PORTS && v->io_ports[k].n; k++) {
				unsigned a = 0;

				while (a < nall && all[a].port != v->io_ports[k].port)
					a++;
				if (a == nall && nall == ARRAY_SIZE(all)) {
					other += v->io_ports[k].n;
					continue;
				}
				if (a == nall)
					all[nall++] = (typeof(all[0])){ v->io_ports[k].port, 0 };
				all[a].n += v->io_ports[k].n;
			}
		}
		n = 0;
		for (unsigned a = 0; a < nall && n < (int)sizeof(line) - 40; a++)
			n += ksnprintf(line + n, sizeof(line) - (size_t)n, " %#x %llu",
				       all[a].port, (unsigned long long)all[a].n);
		if (other && n < (int)sizeof(line) - 40)
			n += ksnprintf(line + n, sizeof(line) - (size_t)n,
				       " other ports %llu", (unsigned long long)other);
		if (n)
			pr("I/O exits by port:%s\n", line);
	}
}

int svm_report_exits(print_fn pr, int cpu)
{
	uint64_t total = 0;

	if (cpu >= 0 && !vcpu_of((unsigned)cpu))
		return -1;
	pr("%-8s %-16s %12s\n", "code", "exit", cpu < 0 ? "all vCPUs" : "count");
	for (unsigned s = 0; s < SVM_EXIT_SLOTS; s++) {
		uint64_t n = 0, code = svm_slot_code(s);
		const char *name = exit_name(code);

		for (unsigned i = 0; i < cpus_max; i++) {
			const struct vcpu *v = picked(i, cpu);

			if (v)
				n += vcpu_exit_count(v, s);
		}
		if (!n)
			continue;
		total += n;
		if (s == SVM_EXIT_SLOT_OTHER)
			pr("%-8s %-16s %12llu\n", "-", "other codes",
			   (unsigned long long)n);
		else
			pr("0x%03llx    %-16s %12llu\n", (unsigned long long)code,
			   name ? name : "", (unsigned long long)n);
	}
	pr("%-8s %-16s %12llu\n", "", "total", (unsigned long long)total);
	{
		uint64_t joined = 0;

		for (unsigned i = 0; i < cpus_max; i++) {
			const struct vcpu *v = picked(i, cpu);

			if (v)
				joined += v->cfg_reads_joined;
		}
		if (joined)
			pr("config reads run in their address write's exit "
			   "(no exit of their own): %llu\n",
			   (unsigned long long)joined);
	}
	report_sources(pr, cpu);
	if (cpu >= 0 && tsc_khz()) {
		/* The accounts start with the first question (a race with a
		 * second console is harmless: both see a start). */
		if (!svm.time_accounting) {
			svm.time_since = rdtsc();
			svm.time_accounting = true;
		}
		pr("in the hypervisor %llu us of %llu us since the first "
		   "'exits N' (from each exit to the next VMRUN)\n",
		   (unsigned long long)(vcpu_of((unsigned)cpu)->hv_tsc * 1000 /
					tsc_khz()),
		   (unsigned long long)((rdtsc() - svm.time_since) * 1000 /
					tsc_khz()));
	}
	return 0;
}

static void seg(print_fn pr, const char *name, const struct vmcb_seg *s)
{
	pr("%-4s sel %04x attr %04x limit %08x base %016llx\n", name,
	   s->selector, s->attrib, s->limit, (unsigned long long)s->base);
}

void vcpu_report_state(print_fn pr, const struct vcpu *v)
{
	const struct vmcb_save *s = &v->vmcb->save;
	const struct guest_gprs *g = &v->regs;

	pr("rip %016llx rsp %016llx rflags %016llx cpl %u\n",
	   (unsigned long long)s->rip, (unsigned long long)s->rsp,
	   (unsigned long long)s->rflags, s->cpl);
	print_gprs(pr, (const uint64_t[PRINTED_GPRS]){
		s->rax, g->rbx, g->rcx, g->rdx, g->rsi, g->rdi, g->rbp,
		g->r8, g->r9, g->r10, g->r11, g->r12, g->r13, g->r14, g->r15 });
	pr("cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n",
	   (unsigned long long)s->cr0, (unsigned long long)s->cr2,
	   (unsigned long long)s->cr3, (unsigned long long)s->cr4);
	pr("efer %016llx (SVME is ours; the guest reads it clear) dr6 %016llx "
	   "dr7 %016llx\n", (unsigned long long)s->efer,
	   (unsigned long long)s->dr6, (unsigned long long)s->dr7);
	seg(pr, "cs", &s->cs);
	seg(pr, "ss", &s->ss);
	seg(pr, "ds", &s->ds);
	seg(pr, "es", &s->es);
	seg(pr, "fs", &s->fs);
	seg(pr, "gs", &s->gs);
	seg(pr, "gdtr", &s->gdtr);
	seg(pr, "idtr", &s->idtr);
	seg(pr, "tr", &s->tr);
	seg(pr, "ldtr", &s->ldtr);
}

int svm_report_regs(print_fn pr, unsigned cpu)
{
	const struct vcpu *v = vcpu_of(cpu);

	if (!v)
		return -1;
	/* A vCPU waiting for SIPI has no registers worth showing, and its
	 * CPU may be rewriting them for the SIPI right now. */
	if (READ_ONCE(v->state) == VCPU_WAIT_SIPI) {
		pr("vcpu %u waits for SIPI: no registers to show\n", v->index);
		return 0;
	}
	pr("vcpu %u (%s%s), guest state saved at its last exit (code 0x%llx, "
	   "info1 %llx, info2 %llx):\n", v->index, vcpu_states[v->state % 3],
	   v->paused ? ", paused" : "",
	   (unsigned long long)v->vmcb->ctl.exit_code,
	   (unsigned long long)v->vmcb->ctl.exit_info1,
	   (unsigned long long)v->vmcb->ctl.exit_info2);
	vcpu_report_state(pr, v);
	return 0;
}

/* The walk reads tables that another vCPU may be adding to (on-demand
 * MMIO mappings only ever add); the counts are then a moment old. */
void svm_report_npt(print_fn pr)
{
	struct npt_stats st;

	npt_summary(&svm.npt, &st);
	pr("NPT root %#llx: maps [0, %#llx) and on demand above, %llu MiB "
	   "mapped\n", (unsigned long long)svm.npt.root_pa,
	   (unsigned long long)svm.guest_top,
	   (unsigned long long)(st.mapped_bytes >> 20));
	pr("tables %zu pages (%zu KiB, limit %zu), leaves 1G %zu 2M %zu 4K "
	   "%zu\n", svm.npt.table_pages, svm.npt.table_pages * 4,
	   svm.npt_table_limit, st.leaves_1g, st.leaves_2m, st.leaves_4k);
	for (size_t i = 0; i < svm.nholes; i++)
		pr("hole %#llx-%#llx: the hypervisor's, not mapped\n",
		   (unsigned long long)svm.holes[i].base,
		   (unsigned long long)svm.holes[i].end - 1);
	pr("read-only: local APIC page %#llx\n",
	   (unsigned long long)APIC_PAGE_GPA);
	for (size_t i = 0; i < svm.nioapics; i++)
		pr("read-only: I/O APIC page %#llx%s\n",
		   (unsigned long long)svm.ioapic_pa[i],
		   svm.ioapic_pa[i] == svm.guard_ioapic_pa ?
		   " (holds the console's NMI route)" : "");
}

int svm_peek_guest(uint64_t gpa, void *buf, size_t len)
{
	const void *p = guest_ptr(gpa, len);

	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}
