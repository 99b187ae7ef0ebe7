/*
 * net/ucon_key.c - the console key's text and the search for its copies
 * (net/ucon.h, docs/console-protocol.md, "The key"). GRUB leaves the key
 * in memory the guest will own: in its Multiboot2 information (the
 * command line), in the key module's pages, and in its own heap and disk
 * buffers (grub.cfg's text, the file it read). The hypervisor wipes the
 * first two where they are and finds the rest with keyscan_wipe over the
 * guest's RAM. No hardware: host-tested.
 */
#include "net/ucon.h"
#include "crypto/crypto.h"
#include "lib/lib.h"

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int ucon_key_parse(const char *s, size_t len, uint8_t key[UCON_KEY_LEN])
{
	uint8_t k[UCON_KEY_LEN];

	while (len && blank(s[len - 1]))
		len--;
	while (len && blank(s[0]))
		s++, len--;
	if (len != UCON_KEY_HEX)
		return -1;
	for (size_t i = 0; i < UCON_KEY_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			crypto_wipe(k, sizeof(k));
			return -1;
		}
		k[i] = (uint8_t)(hi << 4 | lo);
	}
	/* Eight zero bytes in a row: not a random key (and the scan skips
	 * zero words: keyscan_wipe could miss a copy of it). */
	for (size_t i = 0; i + 8 <= UCON_KEY_LEN; i++) {
		uint64_t w;

		memcpy(&w, k + i, 8);
		if (!w) {
			crypto_wipe(k, sizeof(k));
			return -1;
		}
	}
	memcpy(key, k, sizeof(k));
	crypto_wipe(k, sizeof(k));
	return 0;
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static size_t slot_of(uint64_t w)
{
	return (size_t)((w * 0x9E3779B97F4A7C15ULL) >> 56) % KEYSCAN_SLOTS;
}

static void add_pattern(struct keyscan *ks, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < ks->npat; i++)
		if (ks->len[i] == len && !memcmp(ks->pat[i], p, len))
			return;
	if (ks->npat == KEYSCAN_PATTERNS || len < 16 || len > UCON_KEY_HEX)
		return;
	memcpy(ks->pat[ks->npat], p, len);
	ks->len[ks->npat] = (uint8_t)len;
	/* An occurrence starting at o covers the aligned word at o + s with
	 * s = (8 - o % 8) % 8: the pattern's bytes [s, s + 8). */
	for (size_t s = 0; s < 8; s++) {
		uint64_t w = load64(p + s);
		size_t h = slot_of(w);

		if (!w)
			continue;          /* zero words are skipped by the scan */
		while (ks->word[h] && !(ks->word[h] == w &&
					ks->which[h] == (ks->npat << 3 | s)))
			h = (h + 1) % KEYSCAN_SLOTS;
		ks->word[h] = w;
		ks->which[h] = (uint8_t)(ks->npat << 3 | s);
	}
	ks->npat++;
}

void keyscan_add(struct keyscan *ks, const char *text, size_t len)
{
	if (text && len == UCON_KEY_HEX)
		add_pattern(ks, (const uint8_t *)text, len);
}

void keyscan_init(struct keyscan *ks, const uint8_t key[UCON_KEY_LEN])
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	uint8_t t[UCON_KEY_HEX];

	memset(ks, 0, sizeof(*ks));
	for (size_t i = 0; i < UCON_KEY_LEN; i++) {
		t[2 * i] = (uint8_t)lo[key[i] >> 4];
		t[2 * i + 1] = (uint8_t)lo[key[i] & 15];
	}
	add_pattern(ks, t, sizeof(t));
	for (size_t i = 0; i < UCON_KEY_LEN; i++) {
		t[2 * i] = (uint8_t)up[key[i] >> 4];
		t[2 * i + 1] = (uint8_t)up[key[i] & 15];
	}
	add_pattern(ks, t, sizeof(t));
	add_pattern(ks, key, UCON_KEY_LEN);
	crypto_wipe(t, sizeof(t));
}

void keyscan_done(struct keyscan *ks)
{
	crypto_wipe(ks, sizeof(*ks));
}

size_t keyscan_wipe(const struct keyscan *ks, uint8_t *mem, size_t len)
{
	size_t n = 0, ws = 0, we = 0;      /* matched, not yet zeroed: [ws, we) */

	for (size_t a = 0; a + 8 <= len; a += 8) {
		uint64_t w;

		/* A later match starts at a - 7 or after: what lies before is
		 * final (overlapping copies are all found before any is
		 * zeroed). */
		if (we && a >= we + 8) {
			crypto_wipe(mem + ws, we - ws);
			ws = we = 0;
		}
		/* Most of RAM is zeros: skip them 64 bytes at a time. */
		if ((a & 63) == 0 && a + 64 <= len && !we) {
			const uint64_t *q = (const uint64_t *)(mem + a);

			if (!(q[0] | q[1] | q[2] | q[3] | q[4] | q[5] | q[6] | q[7])) {
				a += 56;
				continue;
			}
		}
		w = load64(mem + a);
		if (!w)
			continue;
		for (size_t h = slot_of(w); ks->word[h]; h = (h + 1) % KEYSCAN_SLOTS) {
			size_t p = ks->which[h] >> 3, s = ks->which[h] & 7;
			size_t plen = ks->len[p], st;

			if (ks->word[h] != w || a < s || a - s + plen > len)
				continue;
			st = a - s;
			if (memcmp(mem + st, ks->pat[p], plen))
				continue;
			n++;
			if (we && st > we) {       /* apart: no byte between is wiped */
				crypto_wipe(mem + ws, we - ws);
				ws = we = 0;
			}
			if (!we) {
				ws = st;
				we = st + plen;
			} else {
				ws = MIN(ws, st);
				we = MAX(we, st + plen);
			}
		}
	}
	if (we)
		crypto_wipe(mem + ws, we - ws);
	return n;
}
