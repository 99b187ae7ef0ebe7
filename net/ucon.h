/*
 * net/ucon.h - the debug console over UDP (docs/console-protocol.md).
 *
 * With a key (console_key=HEX or the GRUB module 'console_key'), every
 * request and reply is sealed with ChaCha20-Poly1305 (crypto/crypto.h):
 * the datagram format and its sealing (ucon_wire.c), and the state that
 * rejects replays, caches replies and limits unauthenticated traffic
 * (ucon_state.c), touch no hardware and are host-tested and fuzzed;
 * ucon.c joins them to lwIP and the console's command table.
 *
 * Without a key, console_key=none opens the plaintext read-only console
 * of before (ucon_fmt.c): it runs the commands that change nothing and
 * read no guest memory.
 */
#ifndef NET_UCON_H
#define NET_UCON_H

#include "kernel/kernel.h"

#define UCON_REQ_MAX     120     /* a command line (CON_LINE_MAX) */
#define UCON_REPLY_MAX   (32 * 1024)   /* longer output is cut, said so */
#define UCON_CHUNK       1200    /* reply bytes per datagram (fits any MTU >= 1280) */
#define UCON_HDR_MAX     24      /* "hv 65535/65535\n" and room */

/* ucon_allowed - whether the command (first word of line, len bytes) may
 * run over the plaintext transport. */
bool ucon_allowed(const char *word, size_t len);

/* ucon_check_request - a request is 1..UCON_REQ_MAX bytes of printable
 * ASCII, optionally ending in LF or CR LF. Returns the command's length
 * without the line end, or -1. */
int ucon_check_request(const uint8_t *data, size_t len);

/* ucon_chunks - how many datagrams a reply of len bytes takes (at least
 * one: an empty reply is one empty datagram). */
unsigned ucon_chunks(size_t len);

/* ucon_chunk - datagram i (0-based) of a reply: "hv I/N\n" (1-based I)
 * then its bytes. Returns the datagram's length (<= UCON_HDR_MAX +
 * UCON_CHUNK; out must hold that), or 0 when i is out of range. */
size_t ucon_chunk(const char *reply, size_t len, unsigned i, char *out);

/* ---- the authenticated datagram (net/ucon_wire.c) ------------------------ */
/*
 * Every datagram: a 48-byte header, sent in the clear and authenticated as
 * the AEAD's additional data; the payload, encrypted; a 16-byte tag.
 * Little-endian. docs/console-protocol.md has the table.
 */
#define UCW_MAGIC        0x31435648u   /* "HVC1" */
#define UCW_HDR          48
#define UCW_TAG          16
#define UCW_KIND_HELLO   0x01          /* request: start a conversation */
#define UCW_KIND_CMD     0x02          /* request: one command line */
#define UCW_KIND_REPLY   0x80          /* or-ed into the request's kind */
#define UCW_ST_OK        0             /* the command ran */
#define UCW_ST_ERROR     1             /* it ran or was refused with "error: ..." */
#define UCW_ST_STALE     2             /* no conversation with this ticket: hello */
#define UCW_ST_SESSION   3             /* another boot's session: hello */
#define UCW_ST_BADREQ    4             /* authentic, but not a command line */
#define UCW_PAYLOAD_MAX  1152          /* reply bytes per datagram */
#define UCW_DGRAM_MAX    (UCW_HDR + UCW_PAYLOAD_MAX + UCW_TAG)
#define UCW_HELLO_MAX    64            /* a hello's payload */
#define UCW_MAX_PARTS    32            /* UCON_REPLY_MAX / UCW_PAYLOAD_MAX, rounded up */
#define UCW_ID_LIMIT     (1ULL << 56)  /* client ids and sessions are below */
#define UCW_SEQ_LIMIT    (1ULL << 32)  /* sequence numbers are below */

_Static_assert(UCON_REPLY_MAX <= UCW_MAX_PARTS * UCW_PAYLOAD_MAX,
	       "a whole reply fits in UCW_MAX_PARTS datagrams");

struct ucw_hdr {
	uint8_t kind, status;
	uint16_t part, parts;      /* replies: this datagram's index, the count */
	uint32_t aux;              /* requests: parts wanted again (bit i: part i;
				    * 0: all); replies: the sender's datagram
				    * counter (its nonce) */
	uint64_t session;          /* the hypervisor's, per boot (0 in a hello) */
	uint64_t client;           /* the client's id, random, < 2^56 */
	uint64_t seq;              /* the client's sequence number, 1 .. 2^32-1 */
	uint64_t ticket;           /* the conversation's, from the hello reply */
};

/* The reasons a datagram is refused (ucon_state.c counts them). */
enum ucw_reject {
	UCW_OK = 0,
	UCW_REJ_MALFORMED,         /* size, magic, kind, field ranges */
	UCW_REJ_BADTAG,            /* the tag does not verify */
	UCW_REJ_REPLAY,            /* an old sequence number, ticket or session */
	UCW_REJ_RATE,              /* the rate limit dropped it unchecked */
	UCW_REJ_COUNT
};

/* ucw_encode / ucw_decode - the header's 48 bytes from and to h. decode
 * checks only what every datagram must satisfy (length, magic, reserved
 * bytes); the role's rules are ucw_check_request's and ucw_check_reply's. */
void ucw_encode(const struct ucw_hdr *h, uint8_t out[UCW_HDR]);
int ucw_decode(const uint8_t *d, size_t len, struct ucw_hdr *h);

/* ucw_nonce - the AEAD nonce of a datagram: requests 0x01 | client (7
 * bytes) | seq (4); replies 0x02 | session (7) | counter (4). Unique per
 * key as long as a client never reuses (client, seq) and a boot never
 * reuses its counter: docs/console-protocol.md, "Nonces". */
void ucw_nonce(const struct ucw_hdr *h, uint8_t nonce[12]);

/* ucw_check_request - the request's fields, before any cryptography:
 * kind, zero reply fields, client and seq ranges, payload size. Returns
 * the payload length, or -1 (malformed). */
int ucw_check_request(const uint8_t *d, size_t len, struct ucw_hdr *h);

/* ucw_check_reply - the same for a reply (for the host's client code and
 * tests): the payload length or -1. */
int ucw_check_reply(const uint8_t *d, size_t len, struct ucw_hdr *h);

/* ucw_seal - build the datagram of h and payload (plen <= UCW_PAYLOAD_MAX)
 * in out (UCW_DGRAM_MAX bytes): header, sealed payload, tag. Returns its
 * length. */
size_t ucw_seal(const uint8_t key[32], const struct ucw_hdr *h,
		const void *payload, size_t plen, uint8_t *out);

/* ucw_open - verify and decrypt datagram d (len bytes, header h already
 * checked) into plain (len - UCW_HDR - UCW_TAG bytes). false: bad tag
 * (plain then holds zeros). */
bool ucw_open(const uint8_t key[32], const uint8_t *d, size_t len,
	      const struct ucw_hdr *h, uint8_t *plain);

/* ---- the console's state (net/ucon_state.c) ------------------------------ */
#define UCS_SLOTS        16        /* conversations remembered (LRU) */
#define UCS_GOOD         16        /* sources that authenticated recently */
#define UCS_BUCKETS      256       /* rate limit buckets, sources hashed */
#define UCS_SRC_BURST    16        /* failures a source may have in a row */
#define UCS_SRC_RATE     8         /* ... and then per second */
#define UCS_ALL_BURST    256       /* tag checks for unknown sources, burst */
#define UCS_ALL_RATE     1000      /* ... and per second, all sources together */

struct ucs_slot {
	bool used;
	uint64_t client, ticket, seq;  /* the last sequence number run */
	uint64_t last_ms;              /* for LRU */
	bool answered;                 /* seq ran (not just the hello's number) */
	bool lost;                     /* ... but its reply could not be kept */
	uint8_t status;                /* the cached reply's */
	char *reply;                   /* the last reply (ucs.alloc), or NULL */
	size_t len;
};

struct ucs_bucket {
	uint32_t milli;                /* tokens x 1000 */
	uint64_t ms;                   /* when last refilled */
};

struct ucs_src {
	uint32_t ip;
	uint16_t port;
	bool used;
	uint64_t ms;
};

struct ucs {
	uint64_t session;              /* per boot, from rng; < 2^56, not 0 */
	uint64_t hash_key;             /* per boot, for the bucket hash */
	uint32_t reply_ctr;            /* datagrams sealed this boot */
	struct ucs_slot slot[UCS_SLOTS];
	struct ucs_src good[UCS_GOOD];
	struct ucs_bucket bucket[UCS_BUCKETS], all;
	uint64_t (*rand64)(void);      /* tickets */
	void *(*alloc)(size_t);        /* reply cache (kmalloc, malloc) */
	void (*free)(void *);
	uint64_t rejected[UCW_REJ_COUNT];
	uint64_t hellos, commands, retransmits, stale;
};

/* What to do with an authenticated request (ucs_request). */
enum ucs_action {
	UCS_HELLO,                     /* a new conversation: reply with its ticket */
	UCS_RUN,                       /* a new command: run it, ucs_store the reply */
	UCS_CACHED,                    /* a retransmission: send the cached reply */
	UCS_ANSWER_STALE,              /* reply UCW_ST_STALE (counted as replay) */
	UCS_ANSWER_SESSION,            /* reply UCW_ST_SESSION (counted as replay) */
	UCS_DROP,                      /* an old sequence number: silence */
};

void ucs_init(struct ucs *s, uint64_t session, uint64_t hash_key,
	      uint64_t (*rand64)(void), void *(*alloc)(size_t),
	      void (*free_fn)(void *), uint64_t now_ms);

/* ucs_admit - before the tag check: whether a datagram from ip:port may
 * cost one (sources that authenticated recently always may; others within
 * their bucket and the shared one). false: dropped, counted. */
bool ucs_admit(struct ucs *s, uint32_t ip, uint16_t port, uint64_t now_ms);

/* ucs_good - whether ip:port has good standing (it authenticated, or on
 * the plaintext console sent a well-formed command, recently). */
bool ucs_good(const struct ucs *s, uint32_t ip, uint16_t port);

/* ucon_source_good - ucs_good on the console's state; false while the
 * console is off (net/admit.c lets such sources past its buckets). */
bool ucon_source_good(uint32_t ip, uint16_t port);

/* ucs_tag_result - after the tag check: a failure is charged to the source
 * (and it loses its good standing), a success gives it good standing. */
void ucs_tag_result(struct ucs *s, uint32_t ip, uint16_t port, bool ok,
		    uint64_t now_ms);

/* ucs_request - an authenticated request h: the action, with *slot set
 * for HELLO, RUN and CACHED (HELLO: a fresh slot with a new ticket, the
 * least recently used one given up when all are taken). Counts replays. */
enum ucs_action ucs_request(struct ucs *s, const struct ucw_hdr *h,
			    uint64_t now_ms, struct ucs_slot **slot);

/* ucs_store - keep reply (len bytes) as the slot's cached answer. false
 * when it cannot be kept (no memory): the reply is still sent, and a
 * retransmission then gets UCW_ST_ERROR "reply lost". */
bool ucs_store(struct ucs *s, struct ucs_slot *slot, uint8_t status,
	       const char *reply, size_t len);

/* ucs_next_ctr - the next reply datagram counter; false when 2^32 were
 * used this boot (then the console stops sealing: a nonce never repeats). */
bool ucs_next_ctr(struct ucs *s, uint32_t *ctr);

/* ---- the key and its copies (net/ucon_key.c) ----------------------------- */
#define UCON_KEY_LEN     32
#define UCON_KEY_HEX     64

/* ucon_key_parse - 64 hex digits (either case), optionally surrounded by
 * blanks and line ends (a key file), into key. 0, or -1 (key untouched);
 * a key with eight zero bytes in a row is refused (not random). */
int ucon_key_parse(const char *s, size_t len, uint8_t key[UCON_KEY_LEN]);

/* The forms a key can have in memory: the text it was given as, both
 * cases of its hex and its 32 bytes. A scan compares each aligned 8-byte
 * word once against a small hash of every pattern's 8 aligned windows,
 * so it finds every occurrence at any alignment at close to memory speed. */
#define KEYSCAN_PATTERNS 4
#define KEYSCAN_SLOTS    256
struct keyscan {
	uint8_t pat[KEYSCAN_PATTERNS][UCON_KEY_HEX];
	uint8_t len[KEYSCAN_PATTERNS];
	size_t npat;
	uint64_t word[KEYSCAN_SLOTS];      /* 0: empty */
	uint8_t which[KEYSCAN_SLOTS];      /* pattern << 3 | window offset */
};

/* keyscan_init - the patterns of key: its bytes and its hex in both
 * cases; keyscan_add - one more text form (the key as it was given,
 * len 64). keyscan_done wipes the structure. */
void keyscan_init(struct keyscan *ks, const uint8_t key[UCON_KEY_LEN]);
void keyscan_add(struct keyscan *ks, const char *text, size_t len);
void keyscan_done(struct keyscan *ks);

/* keyscan_wipe - zero every occurrence of a pattern lying wholly inside
 * [mem, mem + len) (mem 8-byte aligned, len a multiple of 8). Returns the
 * number wiped. */
size_t keyscan_wipe(const struct keyscan *ks, uint8_t *mem, size_t len);

#ifndef HOST_BUILD
struct net_options;
void ucon_init(const struct net_options *o);
void ucon_print(print_fn pr);
#endif

#endif
