/*
 * net/admit.c - the first look at a received frame (nic.h, "admission"):
 * a flood at the console's port is shed here, before lwIP copies, parses
 * and hands it on. Only the headers a datagram to that port needs are
 * read, each checked against the frame's length first:
 *   Ethernet II (IEEE 802.3, 3.2.6): type 0x0800 at offset 12 (tagged
 *   frames are lwIP's);
 *   IPv4 (RFC 791, 3.1): version 4, IHL >= 5 and within the frame,
 *   protocol 17, first fragment only (offset 0: a later fragment has no
 *   UDP header and goes to lwIP's reassembly);
 *   UDP (RFC 768): the destination port.
 * A frame that is none of this is not ours to judge: it passes. A datagram
 * to the console's port from a source in good standing with the console
 * (a->trusted) passes; any other pays one token from its source's bucket
 * and one from the shared one; without both it is dropped. Nothing here trusts
 * the frame's claimed lengths beyond what was received.
 */
#include "net/nic.h"

#define ETH_HDR      14
#define ETH_IPV4     0x0800
#define IP_PROTO_UDP 17

void admit_init(struct admit *a, uint16_t console_port, uint64_t salt,
		bool (*trusted)(uint32_t ip, uint16_t port))
{
	*a = (struct admit){ .port = console_port, .salt = salt,
			     .trusted = trusted };
	for (size_t i = 0; i < ADMIT_BUCKETS; i++)
		a->src[i].milli = ADMIT_SRC_BURST * 1000u;
	a->all.milli = ADMIT_ALL_BURST * 1000u;
}

/* Add what the time since the last refill earned, up to the burst; then
 * take one token if there is one. */
static bool take(struct admit_bucket *b, uint32_t rate, uint32_t burst,
		 uint64_t now_ms)
{
	uint64_t add, cap = (uint64_t)burst * 1000;

	if (now_ms > b->ms) {
		add = (now_ms - b->ms) * rate;          /* tokens x 1000 */
		b->milli = (uint32_t)MIN(cap, b->milli + MIN(add, cap));
		b->ms = now_ms;
	} else if (now_ms < b->ms) {
		b->ms = now_ms;                         /* a clock that went back */
	}
	if (b->milli < 1000)
		return false;
	b->milli -= 1000;
	return true;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static size_t bucket_index(const struct admit *a, uint32_t ip, uint16_t port)
{
	uint64_t h = (a->salt ^ ((uint64_t)ip << 16 | port)) *
		     0x9E3779B97F4A7C15ull;             /* Fibonacci hashing */

	return (size_t)(h >> 56) % ADMIT_BUCKETS;
}

bool flood_next(bool flood, unsigned frames, unsigned shed, unsigned budget)
{
	if (shed > frames)
		shed = frames;                  /* not ours to believe */
	if (!flood)
		return frames * 4 >= budget * 3 && shed * 4 >= frames * 3;
	return !(frames * 4 < budget || shed * 2 < frames);
}

bool admit_frame(struct admit *a, const uint8_t *f, size_t len,
		 uint64_t now_ms)
{
	const uint8_t *ip, *udp;
	size_t ihl;
	uint32_t src;
	uint16_t sport;

	if (!a->port || len < ETH_HDR + 20 || be16(f + 12) != ETH_IPV4)
		return true;
	ip = f + ETH_HDR;
	ihl = (size_t)(ip[0] & 0x0F) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != IP_PROTO_UDP ||
	    (be16(ip + 6) & 0x1FFF) != 0 || len < ETH_HDR + ihl + 8)
		return true;
	udp = ip + ihl;
	if (be16(udp + 2) != a->port)
		return true;
	src = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 |
	      (uint32_t)ip[14] << 8 | ip[15];
	sport = be16(udp);
	if (a->trusted && a->trusted(src, sport))
		return true;
	/* The source's token first: a flood from one source then costs the
	 * shared budget nothing. */
	if (!take(&a->src[bucket_index(a, src, sport)], ADMIT_SRC_RATE,
		  ADMIT_SRC_BURST, now_ms) ||
	    !take(&a->all, ADMIT_ALL_RATE, ADMIT_ALL_BURST, now_ms)) {
		a->shed++;
		return false;
	}
	return true;
}
