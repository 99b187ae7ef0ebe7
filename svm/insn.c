/*
 * svm/insn.c - intercepted instructions: CPUID, VMMCALL (our hypercalls),
 * the SVM instructions (#UD: the guest sees no SVM) and INVD.
 */
#include "svm/internal.h"
#include "arch/x86.h"
#include "hypercall/hypercall.h"
#include "kernel/private.h"
#include "lib/lib.h"

#define CPUID1_ECX_HYPERVISOR  BIT(31)
#define CPUID81_ECX_SVM        BIT(2)

/* CPUID policy: the guest sees the real CPU minus SVM (Fn8000_0001
 * ECX[2], Fn8000_000A zeroed), x2APIC as the CPU has it (its ICR is
 * emulated like the xAPIC's: svm/apic.c, docs/interrupts.md), plus the
 * hypervisor-present bit and
 * our leaves 0x40000000.. (QEMU's "TCGTCGTCGTCG" must not show). */
enum exit_action handle_cpuid(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint32_t leaf = (uint32_t)s->rax, sub = (uint32_t)v->regs.rcx;
	struct cpuid_regs r;

	if ((leaf & 0xFFFFFF00u) == HV_CPUID_LEAF_BASE) {
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		if (leaf == HV_CPUID_LEAF_BASE) {
			r.eax = HV_CPUID_MAX_LEAF;
			memcpy(&r.ebx, HV_SIGNATURE, 4);
			memcpy(&r.ecx, HV_SIGNATURE + 4, 4);
			memcpy(&r.edx, HV_SIGNATURE + 8, 4);
		} else if (leaf == HV_CPUID_LEAF_INFO) {
			r.eax = HC_ABI_VERSION;
		}
	} else {
		r = cpuid(leaf, sub);
		if (leaf == 1) {
			r.ecx |= CPUID1_ECX_HYPERVISOR;
		} else if (leaf == 0x80000001) {
			r.ecx &= ~CPUID81_ECX_SVM;
		} else if (leaf == 0x8000000A) {
			r = (struct cpuid_regs){ 0, 0, 0, 0 };
		}
	}
	if (!vcpu_skip_insn(v))
		return EXIT_STOP;
	s->rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	return EXIT_RESUME;
}

static int64_t hc_log(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	char line[HC_LOG_MAX + 1];
	const char *src;

	if (len == 0 || len > HC_LOG_MAX)
		return HC_EINVAL;
	src = guest_ptr(gpa, len);
	if (!src)
		return HC_EFAULT;
	for (uint64_t i = 0; i < len; i++) {
		char c = READ_ONCE(src[i]); /* read once: the guest may race */
		line[i] = (c >= 0x20 && c <= 0x7E) ? c : '?';
	}
	line[len] = 0;
	printk("vcpu %u log: %s\n", v->index, line);
	return 0;
}

static int64_t hc_exit_stats(struct vcpu *v, uint64_t gpa, uint64_t size)
{
	struct hc_exit_stats hdr = { .version = HC_ABI_VERSION };
	uint8_t *dst;
	uint32_t cap;

	if (size < sizeof(hdr) || (gpa & 7) || size > 64 * KiB)
		return HC_EINVAL;
	dst = guest_ptr(gpa, size);
	if (!dst)
		return HC_EFAULT;
	cap = (uint32_t)((size - sizeof(hdr)) / sizeof(struct hc_exit_stat));
	hdr.total_exits = vcpu_exits_total(v);
	for (unsigned s = 0; s < SVM_EXIT_SLOT_OTHER; s++) {
		struct hc_exit_stat e = { svm_slot_code(s), vcpu_exit_count(v, s) };

		if (!e.count)
			continue;
		hdr.nr_nonzero++;
		if (hdr.nr_written < cap) {
			memcpy(dst + sizeof(hdr) + hdr.nr_written * sizeof(e), &e,
			       sizeof(e));
			hdr.nr_written++;
		}
	}
	memcpy(dst, &hdr, sizeof(hdr));
	return 0;
}

/* VMMCALL: the ABI of hypercall/hypercall.h. RAX = function, RDI/RSI
 * arguments, RAX = result. Unknown functions get #UD, as on a machine
 * without a hypervisor. */
enum exit_action handle_vmmcall(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint64_t fn = s->rax, a0 = v->regs.rdi, a1 = v->regs.rsi;
	int64_t ret;

	/* Hypercalls are the guest kernel's: CPL > 0 gets #UD
	 * (hypercall/hypercall.h). */
	if (s->cpl != 0) {
		vcpu_inject_ud(v);
		return EXIT_INJECT;
	}
	switch (fn) {
	case HC_VERSION:
		ret = HC_ABI_VERSION;
		break;
	case HC_LOG:
		ret = hc_log(v, a0, a1);
		break;
	case HC_EXIT_STATS:
		ret = hc_exit_stats(v, a0, a1);
		break;
	case HC_SHUTDOWN:
		printk("vcpu %u: guest asked to shut down with code %llu\n",
		       v->index, (unsigned long long)a0);
		svm_report_vcpus(printk);
		isa_debug_exit((uint8_t)(a0 ? 1 : 0));
		vcpu_stop(v, "guest shutdown hypercall");
		return EXIT_STOP;
	default:
		vcpu_inject_ud(v);
		return EXIT_INJECT;
	}
	if (!vcpu_skip_insn(v))
		return EXIT_STOP;
	s->rax = (uint64_t)ret;
	return EXIT_RESUME;
}

/* VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA: #UD, as on a CPU
 * without SVM (CPUID says so). */
enum exit_action handle_svm_insn(struct vcpu *v)
{
	vcpu_inject_ud(v);
	return EXIT_INJECT;
}

/* INVD would drop dirty lines of the hypervisor's memory too: WBINVD. */
enum exit_action handle_invd(struct vcpu *v)
{
	__asm__ __volatile__("wbinvd" ::: "memory");
	return vcpu_skip_insn(v) ? EXIT_RESUME : EXIT_STOP;
}
