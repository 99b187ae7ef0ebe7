/*
 * net/ucon.c - the console's UDP transport (net/ucon.h): each datagram is
 * one command line; the reply is collected whole (up to UCON_REPLY_MAX)
 * and sent back to the sender in numbered datagrams. Boot CPU only.
 */
#include "net/ucon.h"
#include "net/net.h"
#include "net/lwip/port.h"
#include "console/console.h"
#include "lib/lib.h"

static struct {
	bool open;
	uint16_t port;
	uint64_t requests, refused_malformed, refused_command, replies,
		 datagrams, send_failed, truncated;
	char reply[UCON_REPLY_MAX];
	size_t len;
	bool cut;
} uc;

static int collect(const char *fmt, ...) __printf(1, 2);
static int collect(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (uc.len >= sizeof(uc.reply) - 1) {
		uc.cut = true;
		return 0;
	}
	va_start(ap, fmt);
	n = kvsnprintf(uc.reply + uc.len, sizeof(uc.reply) - uc.len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(uc.reply) - uc.len) {
		uc.len = sizeof(uc.reply) - 1;
		uc.cut = true;
	} else {
		uc.len += (size_t)n;
	}
	return n;
}

static void send_reply(uint32_t ip, uint16_t port)
{
	static char dgram[UCON_HDR_MAX + UCON_CHUNK];
	unsigned n = ucon_chunks(uc.len);

	uc.replies++;
	for (unsigned i = 0; i < n; i++) {
		size_t l = ucon_chunk(uc.reply, uc.len, i, dgram);

		if (net_lwip_udp_send(ip, port, dgram, l))
			uc.send_failed++;
		else
			uc.datagrams++;
	}
}

static void on_request(const void *data, size_t len, uint32_t ip, uint16_t port)
{
	char line[UCON_REQ_MAX + 1];
	size_t w = 0;
	int l;

	uc.requests++;
	uc.len = 0;
	uc.cut = false;
	l = ucon_check_request(data, len);
	if (l < 0) {
		/* Not a command line: no answer (a flood of garbage costs one
		 * check each and sends nothing). */
		uc.refused_malformed++;
		return;
	}
	memcpy(line, data, (size_t)l);
	line[l] = 0;
	while (line[w] == ' ')
		w++;
	{
		size_t e = w;

		while (line[e] && line[e] != ' ')
			e++;
		if (e > w && !ucon_allowed(line + w, e - w)) {
			uc.refused_command++;
			collect("error: '%.*s' is not available over the plaintext "
				"UDP console (read-only: help version cpus mem exits "
				"net npt log)\n", (int)(e - w), line + w);
			send_reply(ip, port);
			return;
		}
	}
	console_run_line(line, collect);
	if (uc.cut) {
		uc.truncated++;
		uc.len = MIN(uc.len, sizeof(uc.reply) - 64);
		collect("\n[reply cut at %u bytes]\n", (unsigned)uc.len);
	}
	send_reply(ip, port);
}

void ucon_init(const struct net_options *o)
{
	uc.port = o->console_port;
	if (!o->console_plain) {
		printk("net: UDP console off (console_key=none opens the "
		       "plaintext read-only console; authentication is not "
		       "built yet)\n");
		return;
	}
	if (net_lwip_udp_open(o->console_port, on_request)) {
		printk("net: cannot open UDP port %u for the console\n",
		       o->console_port);
		return;
	}
	uc.open = true;
	printk("net: WARNING: console_key=none: the UDP console on port %u is "
	       "unauthenticated plaintext (read-only commands); anyone on the "
	       "network can read the hypervisor's state\n", o->console_port);
}

void ucon_print(print_fn pr)
{
	if (!uc.open) {
		pr("udp console: off\n");
		return;
	}
	pr("udp console: port %u, plaintext read-only; %llu requests, %llu "
	   "replies in %llu datagrams; refused: %llu malformed, %llu "
	   "commands not allowed; %llu cut, %llu send failures\n", uc.port,
	   (unsigned long long)uc.requests, (unsigned long long)uc.replies,
	   (unsigned long long)uc.datagrams,
	   (unsigned long long)uc.refused_malformed,
	   (unsigned long long)uc.refused_command,
	   (unsigned long long)uc.truncated,
	   (unsigned long long)uc.send_failed);
}
