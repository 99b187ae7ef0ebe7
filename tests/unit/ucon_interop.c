/*
 * tests/unit/ucon_interop.c - the hypervisor's datagram code as a command,
 * for tests/host/test_hvcon.py to check it against Python's independent
 * implementation (tools/hvconlib.py) in both directions:
 *
 *   ucon_interop seal KEY KIND STATUS PART PARTS AUX SESSION CLIENT SEQ TICKET PAYLOAD
 *   ucon_interop open KEY DATAGRAM
 *   ucon_interop bench N      time N failing tag checks of a 100-byte
 *                             request (ns each, this CPU, -O1 + sanitizers
 *                             off for BearSSL: see ucon.mk)
 *
 * KEY, PAYLOAD and DATAGRAM in hex, the numbers decimal. seal prints the
 * datagram in hex; open prints "ok KIND STATUS PART PARTS AUX SESSION
 * CLIENT SEQ TICKET PLAINHEX" (after the request or reply checks, by kind)
 * or "reject format" / "reject tag", and exits 0 either way.
 */
#include "net/ucon.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = strlen(h) / 2;

	if (n > max) {
		fprintf(stderr, "too long\n");
		exit(2);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			exit(2);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

int main(int argc, char **argv)
{
	static uint8_t key[32], buf[UCW_DGRAM_MAX + 64], out[UCW_DGRAM_MAX];

	if (argc == 13 && !strcmp(argv[1], "seal")) {
		struct ucw_hdr h = {
			.kind = (uint8_t)strtoul(argv[3], NULL, 0),
			.status = (uint8_t)strtoul(argv[4], NULL, 0),
			.part = (uint16_t)strtoul(argv[5], NULL, 0),
			.parts = (uint16_t)strtoul(argv[6], NULL, 0),
			.aux = (uint32_t)strtoul(argv[7], NULL, 0),
			.session = strtoull(argv[8], NULL, 0),
			.client = strtoull(argv[9], NULL, 0),
			.seq = strtoull(argv[10], NULL, 0),
			.ticket = strtoull(argv[11], NULL, 0),
		};
		size_t plen;

		unhex(argv[2], key, 32);
		plen = unhex(argv[12], buf, UCW_PAYLOAD_MAX);
		hex(out, ucw_seal(key, &h, buf, plen, out));
		printf("\n");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "open")) {
		struct ucw_hdr h;
		size_t n;
		int plen;

		unhex(argv[2], key, 32);
		n = unhex(argv[3], buf, sizeof(buf));
		plen = ucw_decode(buf, n, &h);
		if (plen >= 0)
			plen = h.kind & UCW_KIND_REPLY ? ucw_check_reply(buf, n, &h) :
			       ucw_check_request(buf, n, &h);
		if (plen < 0) {
			printf("reject format\n");
			return 0;
		}
		if (!ucw_open(key, buf, n, &h, out)) {
			printf("reject tag\n");
			return 0;
		}
		printf("ok %u %u %u %u %u %llu %llu %llu %llu ", h.kind, h.status,
		       h.part, h.parts, h.aux, (unsigned long long)h.session,
		       (unsigned long long)h.client, (unsigned long long)h.seq,
		       (unsigned long long)h.ticket);
		hex(out, (size_t)plen);
		printf("\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "bench")) {
		struct ucw_hdr h = { .kind = UCW_KIND_CMD, .session = 1,
				     .client = 2, .seq = 3, .ticket = 4 };
		long n = strtol(argv[2], NULL, 0);
		static const char cmd[36] = "peek 0x100000 256 and some padding";
		size_t len = ucw_seal(key, &h, cmd, sizeof(cmd), buf);
		struct timespec a, b;

		buf[len - 1] ^= 1;                       /* forged */
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (long i = 0; i < n; i++) {
			struct ucw_hdr g;

			if (ucw_check_request(buf, len, &g) < 0 ||
			    ucw_open(key, buf, len, &g, out))
				return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 +
				  (b.tv_nsec - a.tv_nsec)) / (double)n);
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of ucon_interop.c\n");
	return 2;
}
