/*
 * guest/checks.c - the self-checks that any CPU runs: what the hypervisor
 * must show (our CPUID leaves, VMMCALL) and hide (SVM, EFER.SVME, the SVM
 * instructions). Without our hypervisor the positive ones FAIL with "no
 * hypervisor", which is the correct answer on bare metal or plain QEMU.
 */
#include "guest/guest.h"

#define CPUID1_ECX_HYPERVISOR   BIT(31)
#define CPUID_8001_ECX_SVM      BIT(2)

void check_report(const char *name, bool ok, const char *fmt, ...)
{
	struct cpu *c = this_cpu();
	char why[160] = "";

	if (!ok) {
		va_list ap;
		va_start(ap, fmt);
		kvsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		c->checks_failed++;
	}
	if (c->index == 0)
		printk("check %s %s%s%s\n", name, ok ? "ok" : "FAIL (",
		       why, ok ? "" : ")");
	else
		printk("cpu %u: check %s %s%s%s\n", c->index, name,
		       ok ? "ok" : "FAIL (", why, ok ? "" : ")");
}

static void signature(char out[HV_SIGNATURE_LEN + 1])
{
	struct cpuid_regs r = cpuid(HV_CPUID_LEAF_BASE, 0);
	memcpy(out, &r.ebx, 4);
	memcpy(out + 4, &r.ecx, 4);
	memcpy(out + 8, &r.edx, 4);
	out[HV_SIGNATURE_LEN] = '\0';
	for (int i = 0; i < HV_SIGNATURE_LEN; i++)
		if (out[i] < 0x20 || out[i] > 0x7e)
			out[i] = '?';
}

bool hv_present(void)
{
	char sig[HV_SIGNATURE_LEN + 1];

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_HYPERVISOR))
		return false;
	signature(sig);
	return memcmp(sig, HV_SIGNATURE, HV_SIGNATURE_LEN) == 0;
}

long hypercall(unsigned long nr, unsigned long a0, unsigned long a1)
{
	unsigned long rax = nr;
	if (TRY_INSN(VEC_UD, "vmmcall", (, "+a"(rax)), ("D"(a0), "S"(a1)), ()))
		return HC_UD;
	return (long)rax;
}

static void check_cpuid_hv(void)
{
	char sig[HV_SIGNATURE_LEN + 1];
	struct cpuid_regs r;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_HYPERVISOR)) {
		check_report("cpuid_hv", false, "hypervisor bit clear: no hypervisor");
		return;
	}
	signature(sig);
	r = cpuid(HV_CPUID_LEAF_BASE, 0);
	if (memcmp(sig, HV_SIGNATURE, HV_SIGNATURE_LEN) != 0)
		check_report("cpuid_hv", false, "signature '%s': no hypervisor", sig);
	else if (r.eax < HV_CPUID_MAX_LEAF)
		check_report("cpuid_hv", false, "max leaf %#x", r.eax);
	else if (cpuid(HV_CPUID_LEAF_INFO, 0).eax != HC_ABI_VERSION)
		check_report("cpuid_hv", false, "leaf 0x40000001 eax %#x",
			     cpuid(HV_CPUID_LEAF_INFO, 0).eax);
	else
		check_report("cpuid_hv", true, " ");
}

static void check_svm_hidden(void)
{
	uint32_t max = cpuid(0x80000000, 0).eax;
	struct cpuid_regs a = { 0, 0, 0, 0 };

	if (max >= 0x8000000a)
		a = cpuid(0x8000000a, 0);
	if (cpuid(0x80000001, 0).ecx & CPUID_8001_ECX_SVM)
		check_report("svm_hidden", false, "CPUID 0x80000001 ECX.SVM set");
	else if (a.eax | a.ebx | a.ecx | a.edx)
		check_report("svm_hidden", false, "CPUID 0x8000000a not zero "
			     "(eax %#x edx %#x)", a.eax, a.edx);
	else
		check_report("svm_hidden", true, " ");
}

static void check_efer(void)
{
	uint64_t efer = rdmsr(MSR_EFER);
	check_report("efer_svme", !(efer & EFER_SVME), "EFER %#lx has SVME", efer);
}

static void check_vmmcall(void)
{
	long v = hypercall(HC_VERSION, 0, 0);
	if (v == HC_UD)
		check_report("vmmcall_version", false, "VMMCALL raised #UD: no hypervisor");
	else
		check_report("vmmcall_version", v == HC_ABI_VERSION,
			     "version %#lx, expected %#x", v, HC_ABI_VERSION);
}

/* A zeroed, page-aligned page: a VMCB that would fail if VMRUN ran. */
static uint8_t dummy_vmcb[4096] __aligned(4096);

static void check_vmrun(void)
{
	unsigned long rax = (uintptr_t)dummy_vmcb;
	bool ud = TRY_INSN(VEC_UD, "vmrun", (, "+a"(rax)), (), ());
	check_report("vmrun_ud", ud, "VMRUN did not raise #UD");
}

/* VMLOAD, VMSAVE, CLGI, STGI, INVLPGA: all #UD for the guest. */
static void check_svm_insns(void)
{
	unsigned long rax = (uintptr_t)dummy_vmcb;
	const char *miss = NULL;

	if (!TRY_INSN(VEC_UD, "vmload", (, "+a"(rax)), (), ()))
		miss = "VMLOAD";
	else if (!TRY_INSN(VEC_UD, "vmsave", (, "+a"(rax)), (), ()))
		miss = "VMSAVE";
	else if (!TRY_INSN(VEC_UD, "clgi", (), (), ()))
		miss = "CLGI";
	else if (!TRY_INSN(VEC_UD, "stgi", (), (), ()))
		miss = "STGI";
	else if (!TRY_INSN(VEC_UD, "invlpga", (, "+a"(rax)), ("c"(0)), ()))
		miss = "INVLPGA";
	check_report("svm_insns_ud", miss == NULL, "%s did not raise #UD", miss);
}

void checks_cpu(void)
{
	check_cpuid_hv();
	check_svm_hidden();
	check_efer();
	check_vmmcall();
	check_vmrun();
	check_svm_insns();
}
