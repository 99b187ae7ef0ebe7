/*
 * net/ucon.h - the debug console over UDP (docs/net.md). In this version
 * plaintext and read-only: enabled only by console_key=none, it runs the
 * commands that change nothing and read no guest memory. The reply
 * framing (ucon_fmt.c) is host-tested.
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

#ifndef HOST_BUILD
struct net_options;
void ucon_init(const struct net_options *o);
void ucon_print(print_fn pr);
#endif

#endif
