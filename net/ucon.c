/*
 * net/ucon.c - the console's UDP transport (net/ucon.h): each request is
 * one command line; the reply is collected whole (up to UCON_REPLY_MAX)
 * and sent back to the sender in numbered datagrams. With a key every
 * datagram is sealed (docs/console-protocol.md): the checks run in the
 * order of that document, cheapest first, and nothing changes before a
 * request is authentic. Boot CPU only.
 */
#include "net/ucon.h"
#include "net/nic.h"
#include "net/net.h"
#include "net/lwip/port.h"
#include "console/console.h"
#include "crypto/crypto.h"
#include "hypercall/hypercall.h"
#include "arch/x86.h"
#include "mm/mm.h"
#include "lib/lib.h"

static struct ucs st;
static uint8_t key[UCON_KEY_LEN];

static struct {
	bool open;
	bool keyed;               /* authenticated; else plaintext read-only */
	uint64_t sealed_out, ctr_exhausted, cache_failed;
	uint64_t forged_tsc, forged;    /* TSC ticks spent on datagrams that
					 * failed the tag check, and their count */
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

static uint64_t now_ms(void)
{
	uint64_t khz = tsc_khz();

	return khz ? rdtsc() / khz : 0;
}

static void on_plain(const void *data, size_t len, uint32_t ip, uint16_t port)
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
	ucs_tag_result(&st, ip, port, true, now_ms());
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

/* ---- the authenticated console -------------------------------------------- */


static uint64_t rand64(void)
{
	uint64_t v;

	rng_bytes(&v, sizeof(v));
	return v;
}

/* Send reply text (len bytes) to the request rq in sealed parts: the ones
 * want names (0: all). The header binds each to the request answered. */
static void send_sealed(const struct ucw_hdr *rq, uint8_t status,
			uint64_t ticket, const char *text, size_t len,
			uint32_t want, uint32_t ip, uint16_t port)
{
	static uint8_t dgram[UCW_DGRAM_MAX];
	unsigned parts = len ? (unsigned)((len + UCW_PAYLOAD_MAX - 1) /
					  UCW_PAYLOAD_MAX) : 1;

	uc.replies++;
	for (unsigned i = 0; i < parts; i++) {
		size_t off = (size_t)i * UCW_PAYLOAD_MAX;
		struct ucw_hdr h = {
			.kind = rq->kind | UCW_KIND_REPLY, .status = status,
			.part = (uint16_t)i, .parts = (uint16_t)parts,
			.session = st.session, .client = rq->client,
			.seq = rq->seq, .ticket = ticket,
		};
		size_t l;

		if (want && !(want & (1u << i)))
			continue;
		if (!ucs_next_ctr(&st, &h.aux)) {
			uc.ctr_exhausted++;
			return;
		}
		l = ucw_seal(key, &h, text + (len ? off : 0),
			     MIN(len - (len ? off : 0), (size_t)UCW_PAYLOAD_MAX), dgram);
		if (net_lwip_udp_send(ip, port, dgram, l))
			uc.send_failed++;
		else
			uc.datagrams++;
		uc.sealed_out++;
	}
}

static void answer(const struct ucw_hdr *rq, uint8_t status, const char *msg,
		   uint32_t ip, uint16_t port)
{
	send_sealed(rq, status, rq->ticket, msg, strlen(msg), 0, ip, port);
}

/* Run an authentic command line and keep its answer for retransmissions. */
static void run_command(const struct ucw_hdr *rq, struct ucs_slot *sl,
			const uint8_t *plain, size_t plen, uint32_t ip,
			uint16_t port)
{
	char line[UCON_REQ_MAX + 1];
	uint8_t status;
	int l = ucon_check_request(plain, plen), rc;

	uc.len = 0;
	uc.cut = false;
	if (l < 0) {
		static const char msg[] = "error: not a command line (printable "
					  "ASCII, at most 120 bytes)\n";

		ucs_store(&st, sl, UCW_ST_BADREQ, msg, sizeof(msg) - 1);
		answer(rq, UCW_ST_BADREQ, msg, ip, port);
		return;
	}
	memcpy(line, plain, (size_t)l);
	line[l] = 0;
	rc = console_run_line(line, collect);
	if (uc.cut) {
		uc.truncated++;
		uc.len = MIN(uc.len, sizeof(uc.reply) - 64);
		collect("\n[reply cut at %u bytes]\n", (unsigned)uc.len);
	}
	status = rc < 0 || (uc.len >= 6 && !memcmp(uc.reply, "error:", 6)) ?
		 UCW_ST_ERROR : UCW_ST_OK;
	if (!ucs_store(&st, sl, status, uc.reply, uc.len))
		uc.cache_failed++;
	send_sealed(rq, status, sl->ticket, uc.reply, uc.len, 0, ip, port);
	/* What the command left for after its answer (reboot). */
	console_finish();
}

static void on_sealed(const void *data, size_t len, uint32_t ip, uint16_t port)
{
	uint8_t plain[MAX(UCON_REQ_MAX, UCW_HELLO_MAX)];
	struct ucw_hdr h;
	struct ucs_slot *sl;
	uint64_t now, t0;
	int plen;
	bool ok;

	uc.requests++;
	/* 1. The format: no cryptography for what cannot be a request. */
	plen = ucw_check_request(data, len, &h);
	if (plen < 0) {
		st.rejected[UCW_REJ_MALFORMED]++;
		return;
	}
	/* 2. The rate limit, for sources that have not authenticated. */
	now = now_ms();
	if (!ucs_admit(&st, ip, port, now))
		return;
	/* 3. One tag check. */
	t0 = rdtsc();
	ok = ucw_open(key, data, len, &h, plain);
	ucs_tag_result(&st, ip, port, ok, now);
	if (!ok) {
		uc.forged_tsc += rdtsc() - t0;
		uc.forged++;
		return;
	}
	/* 4. Replays, retransmissions, conversations. */
	switch (ucs_request(&st, &h, now, &sl)) {
	case UCS_HELLO: {
		char msg[96];

		ksnprintf(msg, sizeof(msg), "hello: %s hypervisor, session "
			  "%014llx\n", HV_SIGNATURE, (unsigned long long)st.session);
		send_sealed(&h, UCW_ST_OK, sl->ticket, msg, strlen(msg), 0, ip, port);
		break;
	}
	case UCS_RUN:
		run_command(&h, sl, plain, (size_t)plen, ip, port);
		break;
	case UCS_CACHED:
		if (sl->lost)
			answer(&h, UCW_ST_ERROR, "error: the answer to this request "
			       "was lost (no memory); not run again\n", ip, port);
		else
			send_sealed(&h, sl->status, sl->ticket, sl->reply ? sl->reply : "",
				    sl->len, h.aux, ip, port);
		break;
	case UCS_ANSWER_STALE:
		answer(&h, UCW_ST_STALE, "error: no conversation with this ticket "
		       "(say hello)\n", ip, port);
		break;
	case UCS_ANSWER_SESSION:
		answer(&h, UCW_ST_SESSION, "error: that session is another boot's "
		       "(say hello)\n", ip, port);
		break;
	case UCS_DROP:
		break;
	}
	crypto_wipe(plain, sizeof(plain));
}

static void on_request(const void *data, size_t len, uint32_t ip, uint16_t port)
{
	if (uc.keyed)
		on_sealed(data, len, ip, port);
	else
		on_plain(data, len, ip, port);
}

void ucon_init(const struct net_options *o)
{
	uint64_t session;

	uc.port = o->console_port;
	if (!o->console_key && !o->console_plain) {
		printk("net: UDP console off (no console_key: give a key module "
		       "or console_key=HEX; console_key=none opens a plaintext "
		       "read-only console)\n");
		return;
	}
	if (o->console_key) {
		memcpy(key, o->console_key, sizeof(key));
		/* The session: 56 random bits, never 0 (docs/console-protocol.md,
		 * "Randomness"). */
		do
			session = rand64() & (UCW_ID_LIMIT - 1);
		while (!session);
		ucs_init(&st, session, rand64(), rand64, kmalloc, kfree, now_ms());
		uc.keyed = true;
	} else {
		/* Plaintext: the state only for its good standing (sources
		 * that sent well-formed commands pass net/admit.c freely). */
		ucs_init(&st, 1, rand64(), rand64, kmalloc, kfree, now_ms());
	}
	if (net_lwip_udp_open(o->console_port, on_request)) {
		printk("net: cannot open UDP port %u for the console\n",
		       o->console_port);
		return;
	}
	uc.open = true;
	if (uc.keyed)
		printk("net: UDP console on port %u: authenticated (ChaCha20-"
		       "Poly1305), session %014llx (random: %s); every command\n",
		       o->console_port, (unsigned long long)st.session,
		       rng_source_name());
	else
		printk("net: WARNING: console_key=none: the UDP console on port %u is "
		       "unauthenticated plaintext (read-only commands); anyone on the "
		       "network can read the hypervisor's state\n", o->console_port);
}

bool ucon_source_good(uint32_t ip, uint16_t port)
{
	return uc.open && ucs_good(&st, ip, port);
}

void ucon_print(print_fn pr)
{
	if (!uc.open) {
		pr("udp console: off\n");
		return;
	}
	if (uc.keyed) {
		pr("udp console: port %u, authenticated, session %014llx; %llu "
		   "datagrams in, %llu hellos, %llu commands, %llu retransmitted "
		   "answers; %llu replies in %llu datagrams\n", uc.port,
		   (unsigned long long)st.session, (unsigned long long)uc.requests,
		   (unsigned long long)st.hellos, (unsigned long long)st.commands,
		   (unsigned long long)st.retransmits,
		   (unsigned long long)uc.replies, (unsigned long long)uc.datagrams);
		/* The rate limit's count includes the admission's (net/
		 * admit.c): the same policy, applied before lwIP. */
		pr("udp console rejected: %llu bad tag, %llu replay, %llu malformed, "
		   "%llu rate limit (%llu of them shed before lwIP); %llu cut, "
		   "%llu send failures, %llu not cached\n",
		   (unsigned long long)st.rejected[UCW_REJ_BADTAG],
		   (unsigned long long)st.rejected[UCW_REJ_REPLAY],
		   (unsigned long long)st.rejected[UCW_REJ_MALFORMED],
		   (unsigned long long)(st.rejected[UCW_REJ_RATE] + net_admit_shed()),
		   (unsigned long long)net_admit_shed(),
		   (unsigned long long)uc.truncated,
		   (unsigned long long)uc.send_failed,
		   (unsigned long long)uc.cache_failed);
		if (uc.forged && tsc_khz())
			pr("udp console forged: %llu tag checks failed, %llu ns "
			   "each on average\n", (unsigned long long)uc.forged,
			   (unsigned long long)(uc.forged_tsc * 1000000 /
						tsc_khz() / uc.forged));
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
