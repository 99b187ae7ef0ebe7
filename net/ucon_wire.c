/*
 * net/ucon_wire.c - the authenticated console's datagram (net/ucon.h,
 * docs/console-protocol.md): header encoding, the checks every request
 * and reply must pass before any cryptography, nonces, sealing and
 * opening with ChaCha20-Poly1305 (RFC 8439 2.8; the header is the
 * additional data). No hardware, no lwIP, no state: host-tested and
 * fuzzed.
 */
#include "net/ucon.h"
#include "crypto/crypto.h"
#include "lib/lib.h"

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

/* Header offsets (docs/console-protocol.md, "Datagram"). */
#define O_MAGIC   0
#define O_KIND    4
#define O_STATUS  5
#define O_PART    6
#define O_PARTS   8
#define O_RSVD    10
#define O_AUX     12
#define O_SESSION 16
#define O_CLIENT  24
#define O_SEQ     32
#define O_TICKET  40
_Static_assert(O_TICKET + 8 == UCW_HDR, "the header is 48 bytes");

void ucw_encode(const struct ucw_hdr *h, uint8_t out[UCW_HDR])
{
	put32(out + O_MAGIC, UCW_MAGIC);
	out[O_KIND] = h->kind;
	out[O_STATUS] = h->status;
	put16(out + O_PART, h->part);
	put16(out + O_PARTS, h->parts);
	put16(out + O_RSVD, 0);
	put32(out + O_AUX, h->aux);
	put64(out + O_SESSION, h->session);
	put64(out + O_CLIENT, h->client);
	put64(out + O_SEQ, h->seq);
	put64(out + O_TICKET, h->ticket);
}

int ucw_decode(const uint8_t *d, size_t len, struct ucw_hdr *h)
{
	if (len < UCW_HDR + UCW_TAG || len > UCW_DGRAM_MAX ||
	    get32(d + O_MAGIC) != UCW_MAGIC || get16(d + O_RSVD) != 0)
		return -1;
	h->kind = d[O_KIND];
	h->status = d[O_STATUS];
	h->part = get16(d + O_PART);
	h->parts = get16(d + O_PARTS);
	h->aux = get32(d + O_AUX);
	h->session = get64(d + O_SESSION);
	h->client = get64(d + O_CLIENT);
	h->seq = get64(d + O_SEQ);
	h->ticket = get64(d + O_TICKET);
	return (int)(len - UCW_HDR - UCW_TAG);
}

void ucw_nonce(const struct ucw_hdr *h, uint8_t nonce[12])
{
	bool reply = h->kind & UCW_KIND_REPLY;
	uint64_t id = reply ? h->session : h->client;
	uint32_t n = reply ? h->aux : (uint32_t)h->seq;

	nonce[0] = reply ? 0x02 : 0x01;
	for (int i = 0; i < 7; i++)
		nonce[1 + i] = (uint8_t)(id >> (8 * i));
	put32(nonce + 8, n);
}

/* What both roles share: the identifiers fit their nonce fields. */
static bool ids_ok(const struct ucw_hdr *h)
{
	return h->client && h->client < UCW_ID_LIMIT && h->seq &&
	       h->seq < UCW_SEQ_LIMIT && h->session < UCW_ID_LIMIT;
}

int ucw_check_request(const uint8_t *d, size_t len, struct ucw_hdr *h)
{
	int plen = ucw_decode(d, len, h);

	if (plen < 0 || !ids_ok(h) || h->status || h->part || h->parts)
		return -1;
	switch (h->kind) {
	case UCW_KIND_HELLO:
		/* A hello knows no session and no ticket yet. */
		if (h->session || h->ticket || h->aux || plen > UCW_HELLO_MAX)
			return -1;
		return plen;
	case UCW_KIND_CMD:
		if (!h->session || !h->ticket || plen < 1 || plen > UCON_REQ_MAX)
			return -1;
		return plen;
	default:
		return -1;
	}
}

int ucw_check_reply(const uint8_t *d, size_t len, struct ucw_hdr *h)
{
	int plen = ucw_decode(d, len, h);

	if (plen < 0 || !ids_ok(h) || !h->session ||
	    (h->kind != (UCW_KIND_HELLO | UCW_KIND_REPLY) &&
	     h->kind != (UCW_KIND_CMD | UCW_KIND_REPLY)) ||
	    h->status > UCW_ST_BADREQ || !h->parts ||
	    h->parts > UCW_MAX_PARTS || h->part >= h->parts)
		return -1;
	return plen;
}

size_t ucw_seal(const uint8_t key[32], const struct ucw_hdr *h,
		const void *payload, size_t plen, uint8_t *out)
{
	uint8_t nonce[12];

	if (plen > UCW_PAYLOAD_MAX)
		plen = UCW_PAYLOAD_MAX;
	ucw_encode(h, out);
	memcpy(out + UCW_HDR, payload, plen);
	ucw_nonce(h, nonce);
	aead_seal(key, nonce, out, UCW_HDR, out + UCW_HDR, plen,
		  out + UCW_HDR + plen);
	return UCW_HDR + plen + UCW_TAG;
}

bool ucw_open(const uint8_t key[32], const uint8_t *d, size_t len,
	      const struct ucw_hdr *h, uint8_t *plain)
{
	uint8_t nonce[12];
	size_t plen = len - UCW_HDR - UCW_TAG;

	ucw_nonce(h, nonce);
	memcpy(plain, d + UCW_HDR, plen);
	return aead_open(key, nonce, d, UCW_HDR, plain, plen,
			 d + UCW_HDR + plen);
}
