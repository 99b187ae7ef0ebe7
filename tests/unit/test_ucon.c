/*
 * tests/unit/test_ucon.c - the authenticated UDP console's host tests
 * (net/ucon.h, crypto/crypto.h, docs/console-protocol.md).
 */
#include "test.h"
#include "net/ucon.h"
#include "crypto/crypto.h"
#include <stdlib.h>

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++) {
		unsigned v;

		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: "
	"If I could offer you only one tip for the future, sunscreen would be it.";

/* RFC 8439 A.1 test vector #1 and 2.4.2. */
TEST(rfc8439_chacha20_vectors)
{
	uint8_t key[32] = { 0 }, nonce[12] = { 0 }, buf[114], want[114];

	memset(buf, 0, 64);
	unhex("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
	      "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
	      want);
	chacha20_xor(key, nonce, 0, buf, 64);
	CHECK(!memcmp(buf, want, 64));

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	unhex("000000000000004a00000000", nonce);
	memcpy(buf, sunscreen, 114);
	unhex("6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
	      "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
	      "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
	      "5af90bbf74a35be6b40b8eedf2785e42874d", want);
	chacha20_xor(key, nonce, 1, buf, 114);
	CHECK(!memcmp(buf, want, 114));
}

/* RFC 8439 2.8.2: the AEAD, sealed and opened; a changed byte anywhere
 * (ciphertext, AAD, tag) fails and leaves zeros. */
TEST(rfc8439_aead_vector)
{
	uint8_t key[32], nonce[12], aad[12], buf[114], want[114], tag[16],
		want_tag[16];

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	unhex("070000004041424344454647", nonce);
	unhex("50515253c0c1c2c3c4c5c6c7", aad);
	unhex("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	      "3ff4def08e4b7a9de576d26586cec64b6116", want);
	unhex("1ae10b594f09e26a7e902ecbd0600691", want_tag);
	memcpy(buf, sunscreen, 114);
	aead_seal(key, nonce, aad, sizeof(aad), buf, 114, tag);
	CHECK(!memcmp(buf, want, 114));
	CHECK(!memcmp(tag, want_tag, 16));
	CHECK(aead_open(key, nonce, aad, sizeof(aad), buf, 114, tag));
	CHECK(!memcmp(buf, sunscreen, 114));

	for (size_t i = 0; i < 114 + 12 + 16; i++) {
		uint8_t b[114], a[12], t[16], zero[114] = { 0 };

		memcpy(b, want, 114);
		memcpy(a, aad, 12);
		memcpy(t, want_tag, 16);
		if (i < 114)
			b[i] ^= 1;
		else if (i < 126)
			a[i - 114] ^= 0x80;
		else
			t[i - 126] ^= 0x10;
		CHECK(!aead_open(key, nonce, a, 12, b, 114, t));
		CHECK(!memcmp(b, zero, 114));
	}
}

static const uint8_t k1[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static size_t make_request(uint8_t *out, uint8_t kind, uint64_t session,
			   uint64_t client, uint64_t seq, uint64_t ticket,
			   const char *text)
{
	struct ucw_hdr h = { .kind = kind, .session = session, .client = client,
			     .seq = seq, .ticket = ticket };

	return ucw_seal(k1, &h, text, strlen(text), out);
}

TEST(ucw_request_roundtrip)
{
	uint8_t d[UCW_DGRAM_MAX], plain[UCW_DGRAM_MAX];
	struct ucw_hdr h;
	size_t n = make_request(d, UCW_KIND_CMD, 0x1234, 0xabcdef, 7, 99, "version");
	int plen = ucw_check_request(d, n, &h);

	CHECK_EQ(n, UCW_HDR + 7 + UCW_TAG);
	CHECK_EQ(plen, 7);
	CHECK_EQ(h.kind, UCW_KIND_CMD);
	CHECK_EQ(h.session, 0x1234);
	CHECK_EQ(h.client, 0xabcdef);
	CHECK_EQ(h.seq, 7);
	CHECK_EQ(h.ticket, 99);
	CHECK(!memcmp(d, "HVC1", 4));
	CHECK(memcmp(d + UCW_HDR, "version", 7));       /* encrypted */
	CHECK(ucw_open(k1, d, n, &h, plain));
	CHECK(!memcmp(plain, "version", 7));
	/* Another key: the tag fails. */
	{
		uint8_t k2[32] = { 9 };

		CHECK(!ucw_open(k2, d, n, &h, plain));
	}
}

/* Every single-bit flip of a request is refused: by the format checks or
 * by the tag; so is every truncation. */
TEST(ucw_bit_flips_and_truncations)
{
	uint8_t d[UCW_DGRAM_MAX], c[UCW_DGRAM_MAX], plain[UCW_DGRAM_MAX];
	size_t n = make_request(d, UCW_KIND_CMD, 5, 6, 7, 8, "peek 0x1000 16");
	struct ucw_hdr h;

	for (size_t i = 0; i < n * 8; i++) {
		int plen;

		memcpy(c, d, n);
		c[i / 8] ^= (uint8_t)(1 << (i % 8));
		plen = ucw_check_request(c, n, &h);
		CHECK(plen < 0 || !ucw_open(k1, c, n, &h, plain));
	}
	for (size_t l = 0; l < n; l++) {
		int plen = ucw_check_request(d, l, &h);

		CHECK(plen < 0 || !ucw_open(k1, d, l, &h, plain));
	}
}

TEST(ucw_request_field_rules)
{
	uint8_t d[UCW_DGRAM_MAX];
	struct ucw_hdr h;
	char big[UCON_REQ_MAX + 2];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	/* A hello has no session and no ticket; a command has both. */
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_HELLO, 0, 1, 1, 0, "hello"), &h) == 5);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_HELLO, 3, 1, 1, 0, "hello"), &h) < 0);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_HELLO, 0, 1, 1, 4, "hello"), &h) < 0);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, 0, 1, 1, 4, "cpus"), &h) < 0);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, 3, 1, 1, 0, "cpus"), &h) < 0);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, 3, 1, 1, 4, ""), &h) < 0);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, 3, 1, 1, 4, big), &h) < 0);
	big[UCON_REQ_MAX] = 0;
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, 3, 1, 1, 4, big), &h) == UCON_REQ_MAX);
	/* Identifiers must fit their nonce fields; seq 0 is never used. */
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, 3, 0, 1, 4, "x"), &h) < 0);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, 3, UCW_ID_LIMIT, 1, 4, "x"), &h) < 0);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, 3, UCW_ID_LIMIT - 1, 1, 4, "x"), &h) == 1);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, 3, 1, 0, 4, "x"), &h) < 0);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, 3, 1, UCW_SEQ_LIMIT - 1, 4, "x"), &h) == 1);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, 3, 1, UCW_SEQ_LIMIT, 4, "x"), &h) < 0);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD, UCW_ID_LIMIT, 1, 1, 4, "x"), &h) < 0);
	/* Other kinds, replies, and reply fields in a request. */
	CHECK(ucw_check_request(d, make_request(d, 3, 3, 1, 1, 4, "x"), &h) < 0);
	CHECK(ucw_check_request(d, make_request(d, UCW_KIND_CMD | UCW_KIND_REPLY, 3, 1, 1, 4, "x"), &h) < 0);
	{
		struct ucw_hdr r = { .kind = UCW_KIND_CMD, .status = 1, .session = 3,
				     .client = 1, .seq = 1, .ticket = 4 };
		size_t n = ucw_seal(k1, &r, "x", 1, d);

		CHECK(ucw_check_request(d, n, &h) < 0);
		r.status = 0;
		r.part = 1;
		n = ucw_seal(k1, &r, "x", 1, d);
		CHECK(ucw_check_request(d, n, &h) < 0);
	}
	/* The nonce: direction byte, 7 bytes of id, 4 of counter. */
	{
		struct ucw_hdr q = { .kind = UCW_KIND_CMD, .client = 0x0706050403020100ULL & (UCW_ID_LIMIT - 1),
				     .seq = 0x11223344, .session = 0xAA };
		struct ucw_hdr r = { .kind = UCW_KIND_CMD | UCW_KIND_REPLY, .client = 5,
				     .session = 0x0102030405060708ULL & (UCW_ID_LIMIT - 1), .aux = 9 };
		uint8_t n1[12], n2[12];
		static const uint8_t w1[12] = { 1, 0, 1, 2, 3, 4, 5, 6, 0x44, 0x33, 0x22, 0x11 };
		static const uint8_t w2[12] = { 2, 8, 7, 6, 5, 4, 3, 2, 9, 0, 0, 0 };

		ucw_nonce(&q, n1);
		ucw_nonce(&r, n2);
		CHECK(!memcmp(n1, w1, 12));
		CHECK(!memcmp(n2, w2, 12));
	}
}

TEST(ucw_reply_rules)
{
	uint8_t d[UCW_DGRAM_MAX], plain[UCW_DGRAM_MAX];
	struct ucw_hdr r = { .kind = UCW_KIND_CMD | UCW_KIND_REPLY, .part = 2,
			     .parts = 3, .aux = 77, .session = 9, .client = 1,
			     .seq = 5, .ticket = 4 }, h;
	size_t n = ucw_seal(k1, &r, "abc", 3, d);

	CHECK_EQ(ucw_check_reply(d, n, &h), 3);
	CHECK(ucw_open(k1, d, n, &h, plain));
	CHECK(!memcmp(plain, "abc", 3));
	r.part = 3;
	n = ucw_seal(k1, &r, "abc", 3, d);
	CHECK(ucw_check_reply(d, n, &h) < 0);
	r.part = 0;
	r.parts = UCW_MAX_PARTS + 1;
	n = ucw_seal(k1, &r, "abc", 3, d);
	CHECK(ucw_check_reply(d, n, &h) < 0);
	/* A payload longer than one datagram's is cut at UCW_PAYLOAD_MAX. */
	{
		static char big[UCW_PAYLOAD_MAX + 100];

		r.parts = 1;
		n = ucw_seal(k1, &r, big, sizeof(big), d);
		CHECK_EQ(n, UCW_DGRAM_MAX);
	}
}

/* ---- state --------------------------------------------------------------- */

static uint64_t fake_rand_next = 1000;
static uint64_t fake_rand(void) { return fake_rand_next++; }
static bool alloc_fail;
static void *test_alloc(size_t n) { return alloc_fail ? NULL : malloc(n); }

static struct ucs *new_state(void)
{
	static struct ucs s;

	for (size_t i = 0; i < UCS_SLOTS; i++)
		free(s.slot[i].reply);
	alloc_fail = false;
	ucs_init(&s, 0x55, 0x66, fake_rand, test_alloc, free, 1000);
	return &s;
}

static struct ucw_hdr req(uint8_t kind, uint64_t session, uint64_t client,
			  uint64_t seq, uint64_t ticket)
{
	return (struct ucw_hdr){ .kind = kind, .session = session,
				 .client = client, .seq = seq, .ticket = ticket };
}

TEST(ucs_hello_run_cache_replay)
{
	struct ucs *s = new_state();
	struct ucs_slot *sl;
	struct ucw_hdr h = req(UCW_KIND_HELLO, 0, 42, 1, 0);
	uint64_t t;

	CHECK_EQ(ucs_request(s, &h, 1000, &sl), UCS_HELLO);
	t = sl->ticket;
	CHECK(t != 0);
	/* The hello's own number is not a command's. */
	h = req(UCW_KIND_CMD, 0x55, 42, 1, t);
	CHECK_EQ(ucs_request(s, &h, 1000, &sl), UCS_DROP);
	h.seq = 2;
	CHECK_EQ(ucs_request(s, &h, 1001, &sl), UCS_RUN);
	CHECK(ucs_store(s, sl, UCW_ST_OK, "paused\n", 7));
	/* A retransmission: the cached answer, not a second run. */
	CHECK_EQ(ucs_request(s, &h, 1002, &sl), UCS_CACHED);
	CHECK_EQ(sl->len, 7);
	CHECK(!memcmp(sl->reply, "paused\n", 7));
	CHECK_EQ(s->commands, 1);
	CHECK_EQ(s->retransmits, 1);
	/* Older numbers: silence. Gaps are fine (the client numbers hellos too). */
	h.seq = 1;
	CHECK_EQ(ucs_request(s, &h, 1003, &sl), UCS_DROP);
	h.seq = 10;
	CHECK_EQ(ucs_request(s, &h, 1004, &sl), UCS_RUN);
	CHECK(ucs_store(s, sl, UCW_ST_OK, "", 0));      /* an empty answer */
	CHECK_EQ(ucs_request(s, &h, 1005, &sl), UCS_CACHED);
	CHECK_EQ(sl->len, 0);
	CHECK(!sl->lost);
	h.seq = 2;
	CHECK_EQ(ucs_request(s, &h, 1006, &sl), UCS_DROP);
	/* Another ticket, another session. */
	h = req(UCW_KIND_CMD, 0x55, 42, 11, t + 1);
	CHECK_EQ(ucs_request(s, &h, 1007, &sl), UCS_ANSWER_STALE);
	h = req(UCW_KIND_CMD, 0x56, 42, 11, t);
	CHECK_EQ(ucs_request(s, &h, 1008, &sl), UCS_ANSWER_SESSION);
	/* A replayed hello of this client (an older number): dropped, so it
	 * cannot reopen the numbers in between. */
	h = req(UCW_KIND_HELLO, 0, 42, 1, 0);
	CHECK_EQ(ucs_request(s, &h, 1009, &sl), UCS_DROP);
	CHECK_EQ(s->rejected[UCW_REJ_REPLAY], 6);
	/* A later hello: a new ticket; the old ticket's requests are stale. */
	h = req(UCW_KIND_HELLO, 0, 42, 12, 0);
	CHECK_EQ(ucs_request(s, &h, 1010, &sl), UCS_HELLO);
	CHECK(sl->ticket != t);
	h = req(UCW_KIND_CMD, 0x55, 42, 13, t);
	CHECK_EQ(ucs_request(s, &h, 1011, &sl), UCS_ANSWER_STALE);
}

/* More clients than slots: the least recently used one goes; a replay of
 * its old hello then makes a new ticket, under which none of its old
 * commands is valid. */
TEST(ucs_eviction_cannot_reopen_old_requests)
{
	struct ucs *s = new_state();
	struct ucs_slot *sl;
	struct ucw_hdr h = req(UCW_KIND_HELLO, 0, 1, 1, 0);
	uint64_t t1;

	CHECK_EQ(ucs_request(s, &h, 1000, &sl), UCS_HELLO);
	t1 = sl->ticket;
	h = req(UCW_KIND_CMD, 0x55, 1, 2, t1);
	CHECK_EQ(ucs_request(s, &h, 1001, &sl), UCS_RUN);
	ucs_store(s, sl, UCW_ST_OK, "rebooting\n", 10);
	for (uint64_t c = 2; c <= UCS_SLOTS + 1; c++) {
		h = req(UCW_KIND_HELLO, 0, c, 1, 0);
		CHECK_EQ(ucs_request(s, &h, 1001 + c, &sl), UCS_HELLO);
	}
	h = req(UCW_KIND_CMD, 0x55, 1, 2, t1);
	CHECK_EQ(ucs_request(s, &h, 2000, &sl), UCS_ANSWER_STALE);
	h = req(UCW_KIND_HELLO, 0, 1, 1, 0);               /* the old hello again */
	CHECK_EQ(ucs_request(s, &h, 2001, &sl), UCS_HELLO);
	CHECK(sl->ticket != t1);
	h = req(UCW_KIND_CMD, 0x55, 1, 2, t1);
	CHECK_EQ(ucs_request(s, &h, 2002, &sl), UCS_ANSWER_STALE);
	CHECK_EQ(s->commands, 1);
}

TEST(ucs_sequence_limits_and_lost_reply)
{
	struct ucs *s = new_state();
	struct ucs_slot *sl;
	struct ucw_hdr h = req(UCW_KIND_HELLO, 0, 3, UCW_SEQ_LIMIT - 3, 0);
	uint64_t t;

	CHECK_EQ(ucs_request(s, &h, 1000, &sl), UCS_HELLO);
	t = sl->ticket;
	h = req(UCW_KIND_CMD, 0x55, 3, UCW_SEQ_LIMIT - 1, t);
	CHECK_EQ(ucs_request(s, &h, 1001, &sl), UCS_RUN);
	alloc_fail = true;
	CHECK(!ucs_store(s, sl, UCW_ST_OK, "x", 1));
	CHECK_EQ(ucs_request(s, &h, 1002, &sl), UCS_CACHED);
	CHECK(sl->lost);
	CHECK_EQ(sl->status, UCW_ST_ERROR);
	/* The highest number was used: the client must take a new id. */
	h.seq = UCW_SEQ_LIMIT - 2;
	CHECK_EQ(ucs_request(s, &h, 1003, &sl), UCS_DROP);
	/* The reply counter stops before it would repeat. */
	{
		uint32_t c;

		s->reply_ctr = UINT32_MAX - 1;
		CHECK(ucs_next_ctr(s, &c));
		CHECK_EQ(c, UINT32_MAX - 1);
		CHECK(!ucs_next_ctr(s, &c));
	}
}

TEST(ucs_rate_limit)
{
	struct ucs *s = new_state();
	unsigned admitted = 0;

	/* One source: its burst of failures, then nothing until refilled. */
	for (int i = 0; i < 100; i++)
		if (ucs_admit(s, 0x0A000202, 999, 1000)) {
			admitted++;
			ucs_tag_result(s, 0x0A000202, 999, false, 1000);
		}
	CHECK_EQ(admitted, UCS_SRC_BURST);
	CHECK_EQ(s->rejected[UCW_REJ_BADTAG], UCS_SRC_BURST);
	CHECK_EQ(s->rejected[UCW_REJ_RATE], 100 - UCS_SRC_BURST);
	CHECK(!ucs_admit(s, 0x0A000202, 999, 1000 + 1000 / UCS_SRC_RATE - 1));
	CHECK(ucs_admit(s, 0x0A000202, 999, 1000 + 1000 / UCS_SRC_RATE + 1));

	/* Many sources: the shared budget bounds the checks per second. */
	s = new_state();
	admitted = 0;
	for (unsigned p = 0; p < 5000; p++)
		if (ucs_admit(s, 0x0A000202, (uint16_t)(1024 + p), 1000)) {
			admitted++;
			ucs_tag_result(s, 0x0A000202, (uint16_t)(1024 + p), false, 1000);
		}
	CHECK(admitted <= UCS_ALL_BURST);
	CHECK(admitted >= UCS_ALL_BURST / 2);
	/* A source that authenticated is not limited, flood or not ... */
	ucs_tag_result(s, 0x0A000202, 50000, true, 1000);
	for (int i = 0; i < 1000; i++)
		CHECK(ucs_admit(s, 0x0A000202, 50000, 1000));
	/* ... until it fails a tag itself. */
	ucs_tag_result(s, 0x0A000202, 50000, false, 1000);
	CHECK(!ucs_admit(s, 0x0A000202, 50000, 1000));
	/* One second later the shared budget allows UCS_ALL_RATE more. */
	admitted = 0;
	for (unsigned p = 0; p < 5000; p++)
		if (ucs_admit(s, 0x0A000203, (uint16_t)p, 2000))
			admitted++;
	CHECK(admitted <= UCS_ALL_BURST);
	CHECK(admitted > 0);
	/* The good table is bounded: more sources than entries push out the
	 * oldest. */
	for (unsigned p = 0; p < UCS_GOOD + 1; p++)
		ucs_tag_result(s, 0x0A000204, (uint16_t)p, true, 3000 + p);
	CHECK(!ucs_admit(s, 0x0A000204, 0, 3100) || s->rejected[UCW_REJ_RATE] > 0);
	CHECK(ucs_admit(s, 0x0A000204, UCS_GOOD, 3100));
}

/* ---- the key --------------------------------------------------------------- */

TEST(ucon_key_parse_forms)
{
	uint8_t k[32], want[32];
	const char *hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

	for (int i = 0; i < 32; i++)
		want[i] = (uint8_t)i;
	CHECK(!ucon_key_parse(hex, 64, k));
	CHECK(!memcmp(k, want, 32));
	{
		const char *f = "  000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\r\n";

		CHECK(!ucon_key_parse(f, strlen(f), k));
	}
	CHECK(!memcmp(k, want, 32));
	memset(k, 0xEE, 32);
	CHECK(ucon_key_parse(hex, 63, k) < 0);
	CHECK(ucon_key_parse("g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", 64, k) < 0);
	CHECK(ucon_key_parse("00 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 66, k) < 0);
	CHECK_EQ(k[0], 0xEE);                   /* untouched on failure */
}

/* Every form of the key at every alignment, also across the ends of the
 * range and next to each other, is found and wiped; other bytes stay. */
TEST(keyscan_finds_every_copy)
{
	static uint8_t mem[8192], copy[8192];
	const char *given = "000102030405060708090a0B0c0d0e0f101112131415161718191a1b1c1d1e1f";
	uint8_t key[32];
	struct keyscan ks;
	const char *lo = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	const char *up = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";

	ucon_key_parse(given, 64, key);
	keyscan_init(&ks, key);
	keyscan_add(&ks, given, 64);
	CHECK_EQ(ks.npat, 4);
	for (size_t off = 0; off < 16; off++) {
		size_t n;

		for (size_t i = 0; i < sizeof(mem); i++)
			mem[i] = (uint8_t)(i * 7 + 3);
		memcpy(mem + off, lo, 64);
		memcpy(mem + 100 + off, up, 64);
		memcpy(mem + 300 + off, given, 64);
		memcpy(mem + 500 + off, key, 32);
		memcpy(mem + 532 + off, key, 32);                 /* adjacent */
		memcpy(mem + sizeof(mem) - 64 - (off & 7), lo, 64);  /* at the end */
		memcpy(copy, mem, sizeof(mem));
		n = keyscan_wipe(&ks, mem, sizeof(mem));
		CHECK_EQ(n, 6);
		for (size_t i = 0; i < sizeof(mem); i++) {
			bool in = (i >= off && i < off + 64) ||
				  (i >= 100 + off && i < 164 + off) ||
				  (i >= 300 + off && i < 364 + off) ||
				  (i >= 500 + off && i < 564 + off) ||
				  (i >= sizeof(mem) - 64 - (off & 7) &&
				   i < sizeof(mem) - (off & 7));
			CHECK(in ? mem[i] == 0 : mem[i] == copy[i]);
		}
	}
	/* A copy cut by the range's end is not inside it: left alone. */
	memset(mem, 0, sizeof(mem));
	memcpy(mem + 4096 - 32, lo, 64);
	CHECK_EQ(keyscan_wipe(&ks, mem, 4096), 0);
	CHECK_EQ(keyscan_wipe(&ks, mem, 8192), 1);
	keyscan_done(&ks);
	CHECK_EQ(ks.npat, 0);
}
