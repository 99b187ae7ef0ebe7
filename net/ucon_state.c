/*
 * net/ucon_state.c - what the authenticated console remembers (net/ucon.h,
 * docs/console-protocol.md, "Replays" and "Rate limit"): conversations
 * (a client id, its ticket, the last sequence number run and that
 * command's reply), the sources that authenticated lately, and token
 * buckets for everybody else. Fixed-size tables: memory stays bounded
 * whatever arrives. Time is the caller's (milliseconds); no hardware:
 * host-tested.
 */
#include "net/ucon.h"
#include "lib/lib.h"

void ucs_init(struct ucs *s, uint64_t session, uint64_t hash_key,
	      uint64_t (*rand64)(void), void *(*alloc)(size_t),
	      void (*free_fn)(void *), uint64_t now_ms)
{
	memset(s, 0, sizeof(*s));
	s->session = session;
	s->hash_key = hash_key;
	s->rand64 = rand64;
	s->alloc = alloc;
	s->free = free_fn;
	for (size_t i = 0; i < UCS_BUCKETS; i++)
		s->bucket[i] = (struct ucs_bucket){ UCS_SRC_BURST * 1000, now_ms };
	s->all = (struct ucs_bucket){ UCS_ALL_BURST * 1000, now_ms };
}

/* Refill b at rate tokens per second up to burst; true when it holds a
 * whole token. */
static bool refill(struct ucs_bucket *b, uint32_t rate, uint32_t burst,
		   uint64_t now_ms)
{
	if (now_ms > b->ms) {
		uint64_t add = (now_ms - b->ms) * rate;     /* milli-tokens */

		b->milli = (uint32_t)MIN((uint64_t)b->milli + add,
					 (uint64_t)burst * 1000);
		b->ms = now_ms;
	}
	return b->milli >= 1000;
}

static struct ucs_bucket *bucket_of(struct ucs *s, uint32_t ip, uint16_t port)
{
	/* A keyed multiplicative hash: the key is drawn per boot, so a sender
	 * cannot pick ports that share a bucket with a given one. */
	uint64_t h = ((uint64_t)ip << 16 | port) ^ s->hash_key;

	h *= 0x9E3779B97F4A7C15ULL;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	return &s->bucket[(h >> 56) % UCS_BUCKETS];
}

static struct ucs_src *good_find(struct ucs *s, uint32_t ip, uint16_t port)
{
	for (size_t i = 0; i < UCS_GOOD; i++)
		if (s->good[i].used && s->good[i].ip == ip &&
		    s->good[i].port == port)
			return &s->good[i];
	return NULL;
}

bool ucs_good(const struct ucs *s, uint32_t ip, uint16_t port)
{
	return good_find((struct ucs *)s, ip, port) != NULL;
}

bool ucs_admit(struct ucs *s, uint32_t ip, uint16_t port, uint64_t now_ms)
{
	struct ucs_bucket *b;

	if (good_find(s, ip, port))
		return true;
	b = bucket_of(s, ip, port);
	if (!refill(b, UCS_SRC_RATE, UCS_SRC_BURST, now_ms) ||
	    !refill(&s->all, UCS_ALL_RATE, UCS_ALL_BURST, now_ms)) {
		s->rejected[UCW_REJ_RATE]++;
		return false;
	}
	/* The shared budget pays for every check of an unknown source. */
	s->all.milli -= 1000;
	return true;
}

void ucs_tag_result(struct ucs *s, uint32_t ip, uint16_t port, bool ok,
		    uint64_t now_ms)
{
	struct ucs_src *g = good_find(s, ip, port);

	if (!ok) {
		struct ucs_bucket *b = bucket_of(s, ip, port);

		s->rejected[UCW_REJ_BADTAG]++;
		if (g)
			g->used = false;
		refill(b, UCS_SRC_RATE, UCS_SRC_BURST, now_ms);
		b->milli = b->milli >= 1000 ? b->milli - 1000 : 0;
		return;
	}
	if (!g) {
		/* The least recently seen entry makes room. */
		g = &s->good[0];
		for (size_t i = 0; i < UCS_GOOD; i++) {
			if (!s->good[i].used) {
				g = &s->good[i];
				break;
			}
			if (s->good[i].ms < g->ms)
				g = &s->good[i];
		}
		*g = (struct ucs_src){ ip, port, true, now_ms };
	}
	g->ms = now_ms;
}

static void slot_drop_reply(struct ucs *s, struct ucs_slot *sl)
{
	if (sl->reply)
		s->free(sl->reply);
	sl->reply = NULL;
	sl->len = 0;
}

static struct ucs_slot *slot_find(struct ucs *s, uint64_t client)
{
	for (size_t i = 0; i < UCS_SLOTS; i++)
		if (s->slot[i].used && s->slot[i].client == client)
			return &s->slot[i];
	return NULL;
}

enum ucs_action ucs_request(struct ucs *s, const struct ucw_hdr *h,
			    uint64_t now_ms, struct ucs_slot **slot)
{
	struct ucs_slot *sl = slot_find(s, h->client);

	*slot = NULL;
	if (h->kind == UCW_KIND_HELLO) {
		uint64_t t;

		/* A hello of a client we talk to: only when it moves on (a
		 * replayed hello must not reopen older sequence numbers). */
		if (sl && h->seq <= sl->seq) {
			s->rejected[UCW_REJ_REPLAY]++;
			return UCS_DROP;
		}
		if (!sl) {
			sl = &s->slot[0];
			for (size_t i = 0; i < UCS_SLOTS; i++) {
				if (!s->slot[i].used) {
					sl = &s->slot[i];
					break;
				}
				if (s->slot[i].last_ms < sl->last_ms)
					sl = &s->slot[i];
			}
		}
		slot_drop_reply(s, sl);
		do
			t = s->rand64();
		while (!t);
		*sl = (struct ucs_slot){ .used = true, .client = h->client,
			.ticket = t, .seq = h->seq, .last_ms = now_ms };
		s->hellos++;
		*slot = sl;
		return UCS_HELLO;
	}
	if (h->session != s->session) {
		s->rejected[UCW_REJ_REPLAY]++;
		return UCS_ANSWER_SESSION;
	}
	if (!sl || sl->ticket != h->ticket) {
		/* A conversation given up (LRU) or an old one's request. */
		s->rejected[UCW_REJ_REPLAY]++;
		s->stale++;
		return UCS_ANSWER_STALE;
	}
	if (h->seq < sl->seq) {
		s->rejected[UCW_REJ_REPLAY]++;
		return UCS_DROP;
	}
	sl->last_ms = now_ms;
	*slot = sl;
	if (h->seq == sl->seq) {
		/* The hello's own number, or the command run last: a command
		 * runs at most once per sequence number. */
		if (!sl->answered) {
			s->rejected[UCW_REJ_REPLAY]++;
			*slot = NULL;
			return UCS_DROP;
		}
		s->retransmits++;
		return UCS_CACHED;
	}
	sl->seq = h->seq;
	slot_drop_reply(s, sl);
	sl->answered = true;          /* ran: a retransmission is answered */
	sl->lost = true;              /* ... with "reply lost" until ucs_store */
	sl->status = UCW_ST_ERROR;
	s->commands++;
	return UCS_RUN;
}

bool ucs_store(struct ucs *s, struct ucs_slot *slot, uint8_t status,
	       const char *reply, size_t len)
{
	slot_drop_reply(s, slot);
	slot->reply = len ? s->alloc(len) : NULL;
	if (len && !slot->reply) {
		slot->status = UCW_ST_ERROR;
		slot->lost = true;
		return false;
	}
	if (len)
		memcpy(slot->reply, reply, len);
	slot->len = len;
	slot->status = status;
	slot->lost = false;
	return true;
}

bool ucs_next_ctr(struct ucs *s, uint32_t *ctr)
{
	if (s->reply_ctr == UINT32_MAX)
		return false;
	*ctr = s->reply_ctr++;
	return true;
}
