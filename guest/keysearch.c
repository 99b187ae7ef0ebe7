/*
 * guest/keysearch.c - option keysearch=HEX: the hypervisor's console key
 * must be gone from all of our memory (docs/console-protocol.md, "The
 * key"). HEX is the key with every byte inverted, so that neither the
 * command line nor anything we compute holds the key in any of its forms:
 * memory is compared inverted against inverted patterns. Searched: every
 * usable range of our memory map below 4 GiB, minus the hypervisor's
 * hole, for the key's 32 bytes and its hex text in both cases (how a
 * command line or a key file holds it).
 */
#include "guest/guest.h"

#define FORMS 3
#define MAPPED_LIMIT (4 * GiB)      /* what our page tables map */

static uint8_t inv[FORMS][64];         /* each form, inverted */
static size_t len[FORMS];

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	       c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool forms_from(const char *hex)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";

	for (size_t i = 0; i < 32; i++) {
		int hi = hexval(hex[2 * i]), l = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
		uint8_t ib, b;

		if (hi < 0 || l < 0)
			return false;
		ib = (uint8_t)(hi << 4 | l);           /* inverted key byte */
		b = (uint8_t)~ib;                      /* only in a register */
		inv[0][i] = ib;
		inv[1][2 * i] = (uint8_t)~lo[b >> 4];
		inv[1][2 * i + 1] = (uint8_t)~lo[b & 15];
		inv[2][2 * i] = (uint8_t)~up[b >> 4];
		inv[2][2 * i + 1] = (uint8_t)~up[b & 15];
	}
	len[0] = 32;
	len[1] = len[2] = 64;
	return true;
}

static bool match_at(const volatile uint8_t *p, size_t f)
{
	for (size_t i = 0; i < len[f]; i++) {
		uint8_t m = (uint8_t)(p[i] ^ 0xFF);

		if (m != inv[f][i])
			return false;
	}
	return true;
}

/* [b, e): byte-exact search, word-filtered: a form's first byte, inverted,
 * against each byte of every non-zero word. */
static size_t search(uint64_t b, uint64_t e, uint64_t *first)
{
	size_t found = 0;

	for (uint64_t a = b; a + 8 <= e; a += 8) {
		uint64_t w = *(const volatile uint64_t *)a;

		if (!w)
			continue;
		for (unsigned k = 0; k < 8; k++) {
			uint8_t c = (uint8_t)~(uint8_t)(w >> (8 * k));

			for (size_t f = 0; f < FORMS; f++)
				if (c == inv[f][0] && a + k + len[f] <= e &&
				    match_at((const volatile uint8_t *)(a + k), f)) {
					if (!found++)
						*first = a + k;
				}
		}
	}
	return found;
}

void checks_keysearch(const struct guest_boot *bt, const char *hex,
		      const char *hole)
{
	uint64_t hb = 0, hl = 0, first = 0, mib = 0;
	size_t found = 0;

	if (!forms_from(hex)) {
		check_report("key_wiped", false, "keysearch= is not 64 hex digits");
		return;
	}
	/* The search itself, first: a copy of each form planted in a buffer
	 * must be found (then wiped again). */
	{
		static uint8_t plant[3 * 64 + 24] __attribute__((aligned(8)));
		uint64_t at = 0;
		size_t n;

		for (size_t f = 0, o = 3; f < FORMS; o += len[f] + 5, f++)
			for (size_t i = 0; i < len[f]; i++)
				plant[o + i] = (uint8_t)(inv[f][i] ^ 0xFF);
		n = search((uint64_t)plant, (uint64_t)plant + sizeof(plant), &at);
		memset(plant, 0, sizeof(plant));
		if (n != FORMS) {
			check_report("key_wiped", false, "the search found %zu of "
				     "%d planted copies", n, FORMS);
			return;
		}
	}
	if (hole)
		guest_parse_hole(hole, &hb, &hl);
	for (size_t i = 0; i < bt->nr_ranges; i++) {
		const struct guest_range *r = &bt->ranges[i];
		uint64_t b = ALIGN_UP(r->base, 8), e = r->base + r->len;

		if (r->type != 1 || b >= MAPPED_LIMIT)
			continue;
		e = ALIGN_DOWN(e > MAPPED_LIMIT ? MAPPED_LIMIT : e, 8);
		/* Page 0 is never mapped (null pointers fault). */
		if (b < 4096)
			b = 4096;
		if (hl && b < hb + hl && hb < e) {       /* cut out the hole */
			if (b < hb) {
				found += search(b, hb, &first);
				mib += hb - b;
			}
			b = hb + hl;
		}
		if (b < e) {
			found += search(b, e, &first);
			mib += e - b;
		}
	}
	printk("key search: %lu MiB of usable RAM searched\n", mib >> 20);
	check_report("key_wiped", found == 0, "%zu copies of the console key, "
		     "the first at %#lx", found, first);
}
