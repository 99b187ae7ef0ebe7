/*
 * net/ipv4.c - parsing of the addresses on the command line.
 */
#include "net/net.h"
#include "lib/lib.h"

int net_parse_ipv4(const char *s, size_t len, uint32_t *ip, uint8_t *prefix)
{
	uint32_t v = 0;
	size_t i = 0;

	for (unsigned part = 0; part < 4; part++) {
		unsigned n = 0, digits = 0;

		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 3) {
			n = n * 10 + (unsigned)(s[i++] - '0');
			digits++;
		}
		if (!digits || n > 255)
			return -1;
		v = v << 8 | n;
		if (part < 3) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
	}
	if (prefix) {
		unsigned n = 0, digits = 0;

		if (i >= len || s[i++] != '/')
			return -1;
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 2) {
			n = n * 10 + (unsigned)(s[i++] - '0');
			digits++;
		}
		if (!digits || n > 32)
			return -1;
		*prefix = (uint8_t)n;
	}
	if (i != len)
		return -1;
	*ip = v;
	return 0;
}

unsigned net_prefix_len(uint32_t mask)
{
	unsigned n = 0;

	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	return n;
}
