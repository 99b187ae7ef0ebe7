/*
 * console/commands.c - what the console answers. Every command but three
 * only reads: vCPUs are not stopped while it looks (their guest state is
 * the state of their last exit, exact while paused), memory statistics
 * are the domains' own, guest memory is read through svm/ (guest RAM
 * only). pause/resume park and release every vCPU; reboot resets.
 */
#include "console/internal.h"
#include "arch/x86.h"
#include "hypercall/hypercall.h"
#include "hpet/hpet.h"
#include "iommu/iommu.h"
#include "kernel/private.h"
#include "lib/lib.h"
#include "net/net.h"
#include "mm/mm.h"
#include "smp/smp.h"
#include "svm/svm.h"

#define PEEK_MAX   256
#define LOG_MAX    (16 * KiB)

static void cmd_help(print_fn pr, int argc, char **argv);

static void cmd_version(print_fn pr, int argc, char **argv)
{
	uint64_t khz = tsc_khz();

	pr("%s hypervisor, hypercall ABI %#x, built " __DATE__ " " __TIME__
	   "\n", HV_SIGNATURE, HC_ABI_VERSION);
	if (khz)
		pr("up %llu s (TSC %llu kHz), %u of %u CPUs online\n",
		   (unsigned long long)(rdtsc() / khz / 1000),
		   (unsigned long long)khz, cpus_online, cpus_possible);
}

static void cmd_cpus(print_fn pr, int argc, char **argv)
{
	static const char *const states[] = { "absent", "starting", "idle",
					      "in guest", "stopped" };

	for (unsigned i = 0; i < cpus_max; i++) {
		const struct percpu *c = cpus[i];

		if (!c)
			continue;
		pr("cpu %u: APIC ID %u, %s, NMIs %u (kicks %llu, sources' %llu, "
		   "guest's %llu)\n", c->index, c->apic_id, states[c->state % 5],
		   c->nmi_count, (unsigned long long)c->kicks_taken,
		   (unsigned long long)c->device_nmis,
		   (unsigned long long)c->foreign_nmis);
	}
	hpet_tick_report(pr);
	svm_report_vcpus(pr);
}

static void cmd_mem(print_fn pr, int argc, char **argv)
{
	mm_print_stats(pr);
}

static void cmd_exits(print_fn pr, int argc, char **argv)
{
	uint64_t cpu;

	if (argc == 1) {
		svm_report_exits(pr, -1);
		return;
	}
	if (con_arg_u64(argv[1], 0, cpus_max - 1, &cpu, pr, "cpu"))
		return;
	if (svm_report_exits(pr, (int)cpu))
		pr("error: cpu %llu has no vCPU\n", (unsigned long long)cpu);
}

static void cmd_regs(print_fn pr, int argc, char **argv)
{
	uint64_t cpu;

	if (con_arg_u64(argv[1], 0, cpus_max - 1, &cpu, pr, "cpu"))
		return;
	if (svm_report_regs(pr, (unsigned)cpu))
		pr("error: cpu %llu has no vCPU\n", (unsigned long long)cpu);
}

static void cmd_log(print_fn pr, int argc, char **argv)
{
	static char buf[LOG_MAX + 1];   /* the boot CPU alone runs commands */
	uint64_t want = 2048;
	size_t n, i = 0;

	if (argc == 2 && con_arg_u64(argv[1], 1, LOG_MAX, &want, pr, "size"))
		return;
	n = log_read_tail(buf, want);
	buf[n] = 0;
	/* Start at a line boundary when the tail cut one. */
	if (n == want) {
		while (i < n && buf[i] != '\n')
			i++;
		i += i < n;
	}
	/* A line at a time: pr formats into a bounded buffer. */
	while (i < n) {
		size_t e = i;

		while (e < n && buf[e] != '\n')
			e++;
		pr("%.*s\n", (int)MIN(e - i, 400), buf + i);
		i = e + 1;
	}
}

static void cmd_peek(print_fn pr, int argc, char **argv)
{
	uint8_t buf[PEEK_MAX];
	uint64_t gpa, len = 64;

	if (con_arg_u64(argv[1], 0, ~0ULL - PEEK_MAX, &gpa, pr, "address") ||
	    (argc == 3 && con_arg_u64(argv[2], 1, PEEK_MAX, &len, pr, "length")))
		return;
	if (svm_peek_guest(gpa, buf, len)) {
		pr("error: [%#llx, %#llx) is not all guest RAM\n",
		   (unsigned long long)gpa, (unsigned long long)(gpa + len));
		return;
	}
	for (uint64_t off = 0; off < len; off += 16) {
		char hex[16 * 3 + 1], asc[17];
		unsigned k;

		for (k = 0; k < 16 && off + k < len; k++) {
			uint8_t b = buf[off + k];

			ksnprintf(hex + 3 * k, 4, "%02x ", b);
			asc[k] = b >= 0x20 && b < 0x7F ? (char)b : '.';
		}
		asc[k] = 0;
		pr("%016llx  %-48s %s\n", (unsigned long long)(gpa + off), hex,
		   asc);
	}
}

static void cmd_npt(print_fn pr, int argc, char **argv)
{
	svm_report_npt(pr);
}

static void cmd_pause(print_fn pr, int argc, char **argv)
{
	unsigned n, total;

	if (svm_paused()) {
		pr("error: already paused ('resume' lets the guest run)\n");
		return;
	}
	n = svm_pause_all(1000, &total);
	pr("paused: %u of %u vCPUs out of the guest%s\n", n, total,
	   n == total ? "" : " (the others will stop at their next exit)");
}

static void cmd_resume(print_fn pr, int argc, char **argv)
{
	if (!svm_paused()) {
		pr("error: not paused\n");
		return;
	}
	svm_resume_all();
	pr("resumed\n");
}

static void (*after_answer)(void);

static void reboot_now(void)
{
	machine_reset("asked on the debug console");
}

static void cmd_reboot(print_fn pr, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "now")) {
		pr("error: say 'reboot now': this resets the whole machine\n");
		return;
	}
	pr("rebooting\n");
	/* After the answer is out (the UDP transport sends it first). */
	after_answer = reboot_now;
}

static void cmd_net(print_fn pr, int argc, char **argv)
{
	net_print(pr);
}

static const struct con_cmd commands[] = {
	{ "help", "", "this list", 0, 0, cmd_help },
	{ "version", "", "version, uptime, CPUs", 0, 0, cmd_version },
	{ "cpus", "", "every CPU and its vCPU: state, exits, NMIs", 0, 0,
	  cmd_cpus },
	{ "mem", "", "both memory domains: frames per tag, heap per class",
	  0, 0, cmd_mem },
	{ "exits", "[cpu]", "VM exits by code, all vCPUs or one", 0, 1,
	  cmd_exits },
	{ "regs", "<cpu>", "a vCPU's registers as of its last exit", 1, 1,
	  cmd_regs },
	{ "log", "[bytes]", "the end of the hypervisor's log (default 2048)",
	  0, 1, cmd_log },
	{ "peek", "<gpa> [len]", "hex dump of guest RAM (len <= 256, "
	  "default 64)", 1, 2, cmd_peek },
	{ "npt", "", "the nested page table: tables, leaves, holes", 0, 0,
	  cmd_npt },
	{ "net", "", "the hypervisor's NIC: address, link, counters, lwIP",
	  0, 0, cmd_net },
	{ "pause", "", "park every vCPU in the hypervisor (regs are exact)",
	  0, 0, cmd_pause },
	{ "resume", "", "let the guest run again", 0, 0, cmd_resume },
	{ "reboot", "now", "reset the machine", 0, 1, cmd_reboot },
	{ "iommu", "", "AMD-Vi: IOMMUs, device table, blocked DMA by device",
	  0, 0, iommu_console_cmd },
};

static void cmd_help(print_fn pr, int argc, char **argv)
{
	con_help(commands, ARRAY_SIZE(commands), pr);
	pr("numbers: decimal or 0x hex, K/M/G suffixes\n");
}

int console_run_line(char *line, print_fn pr)
{
	after_answer = NULL;
	return con_exec(commands, ARRAY_SIZE(commands), line, pr);
}

void console_finish(void)
{
	void (*fn)(void) = after_answer;

	after_answer = NULL;
	if (fn)
		fn();
}
