/*
 * kernel/cmdline.c - the hypervisor's command line (from GRUB's
 * 'multiboot2 /boot/hv.elf ...' line). Words are "key" or "key=value".
 * Untrusted input: every value is checked; the first problem is reported.
 */
#include "kernel/kernel.h"
#include "mm/mm.h"
#include "lib/lib.h"

#define DEFAULT_HV_MEM (32 * MiB)

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
		} else if (word_is(w, kl, "linux_entry") && v) {
			bad = !word_is(v, vl, "32") && !word_is(v, vl, "64");
			if (!bad)
				opt->linux_entry = v[0] == '3' ? 32 : 64;
		} else if (word_is(w, kl, "panic_on_cpu") && v) {
			bad = kparse_u64(v, vl, &n) != 0 || n >= 4096;
			if (!bad)
				opt->panic_on_cpu = (int)n;
		}
		else {
			if (!rc)
				ksnprintf(err, errlen, "unknown option '%.*s'",
					  (int)MIN(wl, 64), w);
			rc = -1;
			continue;
		}
		if (bad) {
			if (!rc)
				ksnprintf(err, errlen,
					  "bad value in '%.*s' (hv_mem: 8M..4080M in 2M steps; serial, console: com1..com4 or a port, console also off; heap_poison: full or a multiple of 16 in 16..2048; linux_entry: 32 or 64)",
					  (int)MIN(wl, 64), w);
			rc = -1;
		}
	}
	return rc;
}
