/*
 * tests/fuzz/fuzz_ucon.c - the authenticated console's untrusted input.
 * The first byte picks what the rest is:
 *   0: one datagram from the network: format checks, then the tag check
 *      with the hypervisor's key (a forgery must never open);
 *   1: a stream of requests (13 bytes of header fields each, then a
 *      payload length byte) sealed with the key, so they pass the tag and
 *      drive the replay, cache and rate-limit state. Invariants: at most
 *      one run per (client, seq, ticket), a cached answer is the one of
 *      the request retransmitted, nothing outside the tables is touched;
 *   2: a key file's text and memory to scan for the key.
 */
#include <stdlib.h>
#include <string.h>

#include "net/ucon.h"
#include "crypto/crypto.h"

static const uint8_t key[32] = {
	0x42, 0x17, 0x9c, 0x03, 0x5a, 0xe1, 0x77, 0x28, 0x90, 0x3b, 0xc4, 0x61,
	0x0f, 0xd2, 0x85, 0x4e, 0xb9, 0x26, 0x7a, 0xf3, 0x11, 0x6c, 0xa8, 0x35,
	0xde, 0x02, 0x99, 0x57, 0xe4, 0x1d, 0x80, 0x6b };
static uint64_t r = 1;
static uint64_t rnd(void) { return r = r * 6364136223846793005ULL + 1; }

static void datagram(const uint8_t *d, size_t n)
{
	static uint8_t plain[UCW_DGRAM_MAX];
	struct ucw_hdr h;
	int plen = ucw_check_request(d, n, &h);

	if (plen < 0)
		return;
	if ((size_t)plen + UCW_HDR + UCW_TAG != n)
		abort();
	if (ucw_open(key, d, n, &h, plain))
		abort();                  /* a forged tag verified */
	for (int i = 0; i < plen; i++)
		if (plain[i])
			abort();          /* not wiped */
}

static uint64_t pick(const uint8_t *p, unsigned sel)
{
	/* Small ranges so that clients, seqs and tickets meet again. */
	return sel % 4 == 0 ? p[0] % 4 + 1 : sel % 4 == 1 ? p[0] :
	       sel % 4 == 2 ? (uint64_t)p[0] << 24 : UCW_SEQ_LIMIT - 1 - p[0] % 3;
}

static void stream(const uint8_t *d, size_t n)
{
	static struct ucs s;
	static uint8_t dgram[UCW_DGRAM_MAX], plain[UCW_DGRAM_MAX];
	static uint64_t ran[4096][3];
	size_t nran = 0;
	uint64_t now = 1000, runs = 0;

	ucs_init(&s, 7, 9, rnd, malloc, free, now);
	while (n >= 14) {
		struct ucw_hdr h = {
			.kind = d[0] & 1 ? UCW_KIND_HELLO : UCW_KIND_CMD,
			.session = d[1] & 1 ? 7 : d[1] >> 1,
			.client = d[2] % 20 + 1,
			.seq = pick(d + 3, d[4]),
			.aux = d[5] & 1 ? d[6] : 0,
		}, g;
		struct ucs_slot *sl;
		size_t plen = d[13] % 140, len;
		int l;
		uint32_t ip = d[7], port = d[8];

		if (h.kind == UCW_KIND_HELLO)
			h.session = 0;
		else
			for (size_t i = 0; i < UCS_SLOTS; i++)
				if (s.slot[i].used && s.slot[i].client == h.client &&
				    d[9] & 1)
					h.ticket = s.slot[i].ticket;
		if (!h.ticket && h.kind == UCW_KIND_CMD)
			h.ticket = d[10] + 1;
		now += d[11];
		d += 14;
		n -= 14;
		plen = plen > n ? n : plen;
		len = ucw_seal(key, &h, d, plen, dgram);
		d += plen;
		n -= plen;
		l = ucw_check_request(dgram, len, &g);
		if (l < 0)
			continue;
		if (!ucs_admit(&s, ip, (uint16_t)port, now))
			continue;
		if (!ucw_open(key, dgram, len, &g, plain))
			abort();
		ucs_tag_result(&s, ip, (uint16_t)port, true, now);
		switch (ucs_request(&s, &g, now, &sl)) {
		case UCS_RUN:
			for (size_t i = 0; i < nran; i++)
				if (ran[i][0] == g.client && ran[i][1] == g.seq &&
				    ran[i][2] == g.ticket)
					abort();      /* ran twice */
			if (nran < 4096) {
				ran[nran][0] = g.client;
				ran[nran][1] = g.seq;
				ran[nran++][2] = g.ticket;
			}
			runs++;
			ucs_store(&s, sl, UCW_ST_OK, (const char *)plain, (size_t)l);
			break;
		case UCS_CACHED:
			if (sl->client != g.client || sl->seq != g.seq ||
			    sl->ticket != g.ticket)
				abort();  /* the answer of another request */
			break;
		case UCS_HELLO:
			if (!sl || !sl->ticket || sl->client != g.client)
				abort();
			break;
		default:
			break;
		}
	}
	if (runs != s.commands)
		abort();
	for (size_t i = 0; i < UCS_SLOTS; i++)
		free(s.slot[i].reply);
}

static void keytext(const uint8_t *d, size_t n)
{
	static uint8_t mem[4096];
	static size_t at[4096];
	uint8_t k[32];
	struct keyscan ks;
	size_t m = (n > sizeof(mem) ? sizeof(mem) : n) & ~(size_t)7, nat = 0;

	bool text = n >= 64 && !ucon_key_parse((const char *)d, 64, k);

	/* As the hypervisor does: text forms only of a valid key. */
	if (!text && ucon_key_parse((const char *)d, n > 200 ? 200 : n, k))
		memcpy(k, key, 32);
	keyscan_init(&ks, k);
	if (text)
		keyscan_add(&ks, (const char *)d, 64);
	memcpy(mem, d, m);
	/* The reference: every occurrence, by brute force. */
	for (size_t p = 0; p < ks.npat; p++)
		for (size_t o = 0; o + ks.len[p] <= m; o++)
			if (!memcmp(mem + o, ks.pat[p], ks.len[p]))
				at[nat++ % 4096] = o << 8 | ks.len[p];
	keyscan_wipe(&ks, mem, m);
	for (size_t i = 0; i < nat && i < 4096; i++)
		for (size_t j = 0; j < (at[i] & 0xFF); j++)
			if (mem[(at[i] >> 8) + j])
				abort();          /* a copy was missed */
	keyscan_done(&ks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0: datagram(data + 1, size - 1); break;
	case 1: stream(data + 1, size - 1); break;
	default: keytext(data + 1, size - 1); break;
	}
	return 0;
}
