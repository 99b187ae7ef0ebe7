/*
 * kernel/cmdline.c - the hypervisor's command line (from GRUB's
 * 'multiboot2 /boot/hv.elf ...' line). Words are "key" or "key=value".
 * Untrusted input: every value is checked; the first problem is reported.
 */
#include "kernel/kernel.h"
#include "mm/mm.h"
#include "lib/lib.h"
#include "net/net.h"
#include "net/ucon.h"
#include "pci/pci.h"

/* The pool plus the image (about 1 MiB) stay within the 32 MiB a guest
 * may lose by default (docs/linux.md, "Benchmark"); a booted pool at -smp 4
 * with a NIC uses a few MiB of it. */
#define DEFAULT_HV_MEM (30 * MiB)

static const char *memchr_in(const char *w, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (w[i] == '=')
			return w + i;
	return NULL;
}

static bool word_is(const char *w, size_t len, const char *key)
{
	size_t kl = strlen(key);

	return len == kl && memcmp(w, key, kl) == 0;
}

static int parse_serial(const char *v, size_t len, uint16_t *port)
{
	static const uint16_t com[] = { 0x3F8, 0x2F8, 0x3E8, 0x2E8 };
	uint64_t n;

	if (len == 4 && (memcmp(v, "com", 3) == 0 || memcmp(v, "COM", 3) == 0) &&
	    v[3] >= '1' && v[3] <= '4') {
		*port = com[v[3] - '1'];
		return 0;
	}
	if (kparse_u64(v, len, &n) || n == 0 || n > 0xFFF8)
		return -1;
	*port = (uint16_t)n;
	return 0;
}

/* "DD.F": a bus 0 device (hex, < 0x20) and function (0-7). */
static int parse_devfn(const char *v, size_t vl, uint16_t *out)
{
	unsigned dev = 0;
	size_t i = 0;

	for (; i < vl && i < 2 && v[i] != '.'; i++) {
		char c = v[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) :
			     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 99;

		if (d > 15)
			return -1;
		dev = dev * 16 + d;
	}
	if (i == 0 || i + 2 != vl || v[i] != '.' || v[i + 1] < '0' ||
	    v[i + 1] > '7' || dev >= 32)
		return -1;
	*out = (uint16_t)(dev << 3 | (unsigned)(v[i + 1] - '0'));
	return 0;
}

/* net=auto | net=BB:DD.F (hex bus and device, function 0-7). */
static int parse_net(const char *v, size_t len, struct hv_options *opt)
{
	char bdf[8];

	if (word_is(v, len, "auto")) {
		opt->net_mode = NET_AUTO;
		return 0;
	}
	if (len != 7)
		return -1;
	memcpy(bdf, v, 7);
	bdf[7] = 0;
	if (pci_parse_bdf(bdf, &opt->net_bdf))
		return -1;
	opt->net_mode = NET_BDF;
	return 0;
}

/* What each option takes, for the refusal message (one option's hint:
 * the boot's message buffer is short). */
static const char *value_hint(const char *w, size_t kl)
{
	static const struct { const char *key, *hint; } hints[] = {
		{ "hv_mem", "hv_mem: 8M..4080M in 2M steps" },
		{ "serial", "serial: com1..com4 or a port" },
		{ "console", "console: com1..com4, a port, or off" },
		{ "heap_poison", "heap_poison: full or a multiple of 16 in 16..2048" },
		{ "net", "net: auto or BB:DD.F" },
		{ "ip", "ip: A.B.C.D/NN" },
		{ "gw", "gw: A.B.C.D" },
		{ "console_port", "console_port: 1..65535" },
		{ "net_flood", "net_flood: 0..16 (ms between polls in a flood; 0: off)" },
		{ "console_key", "console_key: 64 hex digits or none" },
		{ "pci_hide", "pci_hide: DD.F, at most 4" },
		{ "iommu", "iommu: required" },
		{ "linux_entry", "linux_entry: 32 or 64" },
		{ "panic_on_cpu", "panic_on_cpu: a CPU index below 4096" },
		{ "cpu_skip", "cpu_skip: an APIC ID below 2^32 - 1" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(hints); i++)
		if (word_is(w, kl, hints[i].key))
			return hints[i].hint;
	return "see the README";
}

int cmdline_parse(const char *cmdline, struct hv_options *opt, char *err,
		  size_t errlen)
{
	const char *p = cmdline;
	int rc = 0;

	opt->serial_port = 0x3F8;
	opt->console_port = 0x2F8;
	opt->hv_mem = DEFAULT_HV_MEM;
	opt->exit_when_ready = false;
	opt->mm_selftest = false;
	opt->heap_poison = HEAP_POISON_DEFAULT;
	opt->panic_on_cpu = -1;
	opt->cpu_skip = UINT32_MAX;
	opt->npci_hide = 0;
	opt->pci_dump = false;
	opt->net_mode = NET_OFF;
	opt->net_bdf = 0;
	opt->ip_static = false;
	opt->ip = opt->gw = 0;
	opt->ip_prefix = 0;
	opt->udp_console_port = NET_CONSOLE_PORT;
	opt->net_flood_ms = NET_FLOOD_MS_DEFAULT;
	opt->console_key_none = false;
	opt->console_key_set = false;
	opt->console_key_text = NULL;
	opt->iommu_required = false;
	opt->linux_entry = 0;
	if (errlen)
		err[0] = 0;

	while (*p) {
		const char *w, *eq, *v;
		size_t wl, kl, vl;
		uint64_t n;
		bool bad = false;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		wl = (size_t)(p - w);
		eq = memchr_in(w, wl);
		kl = eq ? (size_t)(eq - w) : wl;
		v = eq ? eq + 1 : NULL;
		vl = eq ? wl - kl - 1 : 0;

		if (word_is(w, kl, "serial") && v)
			bad = parse_serial(v, vl, &opt->serial_port) != 0;
		else if (word_is(w, kl, "console") && v) {
			if (word_is(v, vl, "off"))
				opt->console_port = 0;
			else
				bad = parse_serial(v, vl, &opt->console_port) != 0;
		}
		else if (word_is(w, kl, "hv_mem") && v) {
			/* The pool lies between 16 MiB and 4 GiB. */
			bad = kparse_u64(v, vl, &n) != 0 || n < 8 * MiB ||
			      n > 4 * GiB - 16 * MiB || (n & (2 * MiB - 1));
			if (!bad)
				opt->hv_mem = n;
		} else if (word_is(w, wl, "shutdown"))
			opt->exit_when_ready = true;
		else if (word_is(w, wl, "mm_selftest"))
			opt->mm_selftest = true;
		else if (word_is(w, wl, "pci_dump"))
			opt->pci_dump = true;
		else if (word_is(w, kl, "net") && v)
			bad = parse_net(v, vl, opt) != 0;
		else if (word_is(w, kl, "ip") && v) {
			bad = net_parse_ipv4(v, vl, &opt->ip, &opt->ip_prefix) != 0;
			opt->ip_static = !bad;
		} else if (word_is(w, kl, "gw") && v)
			bad = net_parse_ipv4(v, vl, &opt->gw, NULL) != 0;
		else if (word_is(w, kl, "console_port") && v) {
			bad = kparse_u64(v, vl, &n) != 0 || n == 0 || n > 65535;
			if (!bad)
				opt->udp_console_port = (uint16_t)n;
		} else if (word_is(w, kl, "net_flood") && v) {
			bad = kparse_u64(v, vl, &n) != 0 || n > NET_FLOOD_MS_MAX;
			if (!bad)
				opt->net_flood_ms = (uint8_t)n;
		} else if (word_is(w, kl, "console_key") && v) {
			/* "none", or the key itself (docs/console-protocol.md;
			 * a key module is preferred: the command line is shown
			 * in more places). */
			if (word_is(v, vl, "none")) {
				opt->console_key_none = true;
				opt->console_key_set = false;
			} else {
				bad = ucon_key_parse(v, vl, opt->console_key) != 0;
				opt->console_key_set = !bad;
				opt->console_key_none = false;
				if (!bad)
					opt->console_key_text = v;
			}
		}
		else if (word_is(w, kl, "heap_poison") && v) {
			if (word_is(v, vl, "full"))
				opt->heap_poison = HEAP_POISON_FULL;
			else {
				bad = kparse_u64(v, vl, &n) != 0 ||
				      !heap_poison_valid(n) ||
				      n == HEAP_POISON_FULL;
				if (!bad)
					opt->heap_poison = (uint32_t)n;
			}
		} else if (word_is(w, kl, "pci_hide") && v) {
			bad = opt->npci_hide == HV_MAX_PCI_HIDE ||
			      parse_devfn(v, vl, &opt->pci_hide[opt->npci_hide]);
			if (!bad)
				opt->npci_hide++;
		} else if (word_is(w, kl, "iommu") && v) {
			bad = !word_is(v, vl, "required");
			if (!bad)
				opt->iommu_required = true;
		} else if (word_is(w, kl, "linux_entry") && v) {
			bad = !word_is(v, vl, "32") && !word_is(v, vl, "64");
			if (!bad)
				opt->linux_entry = v[0] == '3' ? 32 : 64;
		} else if (word_is(w, kl, "panic_on_cpu") && v) {
			bad = kparse_u64(v, vl, &n) != 0 || n >= 4096;
			if (!bad)
				opt->panic_on_cpu = (int)n;
		} else if (word_is(w, kl, "cpu_skip") && v) {
			bad = kparse_u64(v, vl, &n) != 0 || n >= UINT32_MAX;
			if (!bad)
				opt->cpu_skip = (uint32_t)n;
		}
		else {
			if (!rc)
				ksnprintf(err, errlen, "unknown option '%.*s'",
					  (int)MIN(wl, 64), w);
			rc = -1;
			continue;
		}
		if (bad) {
			/* A key's value is never repeated, not even a bad one
			 * (it may be a near miss of the real key). */
			if (!rc && word_is(w, kl, "console_key"))
				ksnprintf(err, errlen, "bad value in 'console_key=...' (%s)",
					  value_hint(w, kl));
			else if (!rc)
				ksnprintf(err, errlen, "bad value in '%.*s' (%s)",
					  (int)MIN(wl, 64), w, value_hint(w, kl));
			rc = -1;
		}
	}
	if (!rc && opt->gw && !opt->ip_static) {
		ksnprintf(err, errlen, "gw= needs ip= (without ip=, DHCP "
			  "gives the gateway)");
		rc = -1;
	}
	return rc;
}

void cmdline_redact(char *cmdline)
{
	static const char key[] = "console_key=";

	for (char *p = cmdline; *p; p++) {
		bool word_start = p == cmdline || p[-1] == ' ' || p[-1] == '\t';

		if (!word_start || strncmp(p, key, sizeof(key) - 1))
			continue;
		p += sizeof(key) - 1;
		if (!strncmp(p, "none", 4) && (!p[4] || p[4] == ' ' || p[4] == '\t'))
			continue;
		for (; *p && *p != ' ' && *p != '\t'; p++)
			*p = '*';
		if (!*p)
			break;
	}
}
