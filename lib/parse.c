/* lib/parse.c - number parsing for command lines (untrusted input). */
#include "lib/lib.h"

int kparse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0, base = 10, mul = 1;
	size_t i = 0, digits = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (len > i) {
		switch (s[len - 1]) {
		case 'k': case 'K': mul = 1ULL << 10; len--; break;
		case 'm': case 'M': mul = 1ULL << 20; len--; break;
		case 'g': case 'G': mul = 1ULL << 30; len--; break;
		default: break;
		}
	}
	for (; i < len; i++, digits++) {
		char c = s[i];
		uint64_t d;

		if (c >= '0' && c <= '9')
			d = (uint64_t)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (uint64_t)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (uint64_t)(c - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (!digits || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}
