/*
 * net/ucon_fmt.c - the UDP console's request check and reply framing
 * (net/ucon.h, docs/net.md): no hardware, no lwIP; host-tested and fuzzed.
 */
#include "net/ucon.h"
#include "lib/lib.h"

/* The read-only commands: they show state and change none, and read no
 * guest memory or registers (regs and peek wait for authentication). */
static const char *const allowed[] = {
	"help", "version", "cpus", "mem", "exits", "net", "npt", "log",
};

bool ucon_allowed(const char *word, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		if (strlen(allowed[i]) == len && !memcmp(allowed[i], word, len))
			return true;
	return false;
}

int ucon_check_request(const uint8_t *data, size_t len)
{
	if (len && data[len - 1] == '\n')
		len--;
	if (len && data[len - 1] == '\r')
		len--;
	if (!len || len > UCON_REQ_MAX)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (data[i] < 0x20 || data[i] > 0x7E)
			return -1;
	return (int)len;
}

unsigned ucon_chunks(size_t len)
{
	return len ? (unsigned)((len + UCON_CHUNK - 1) / UCON_CHUNK) : 1;
}

size_t ucon_chunk(const char *reply, size_t len, unsigned i, char *out)
{
	unsigned n = ucon_chunks(len);
	size_t off, part;
	int h;

	if (i >= n)
		return 0;
	off = (size_t)i * UCON_CHUNK;
	part = len - off < UCON_CHUNK ? len - off : UCON_CHUNK;
	h = ksnprintf(out, UCON_HDR_MAX, "hv %u/%u\n", i + 1, n);
	memcpy(out + h, reply + off, part);
	return (size_t)h + part;
}
