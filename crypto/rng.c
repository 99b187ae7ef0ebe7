/*
 * crypto/rng.c - random bytes for identifiers the network console needs
 * (its per-boot session identifier, per-client tickets: values that must
 * never repeat across boots; docs/console-protocol.md, "Randomness").
 *
 * Sources, best first:
 *   RDSEED (CPUID Fn0000_0007_EBX[18]) - the conditioned entropy source;
 *   RDRAND (CPUID Fn0000_0001_ECX[30]) - its DRBG output (AMD64 APM Vol. 3,
 *     "RDRAND", "RDSEED": CF = 1 when a value was returned; retry on CF = 0);
 *   neither (older CPUs, QEMU's qemu64 model): TSC jitter. 256 readings of
 *     the TSC around I/O port reads (whose latency varies with the bus) are
 *     folded into a ChaCha20 key together with the TSC's absolute value and
 *     the APIC ID; the output is that key's ChaCha20 stream. The result
 *     differs between boots (the TSC alone sees to that) but is not a
 *     cryptographic secret: the protocol uses these values only where
 *     uniqueness is needed, never as keys.
 * One lock-free state per source; the fallback stream is advanced under a
 * lock (rarely used: a few values per client).
 */
#include "crypto/crypto.h"
#include "arch/x86.h"
#include "lib/lib.h"

#define RETRIES 64

static int source;
static uint8_t jkey[32];
static uint64_t jctr;
static struct spinlock jlock = SPINLOCK_INIT;

static bool rdseed64(uint64_t *v)
{
	uint8_t ok;

	for (int i = 0; i < RETRIES; i++) {
		__asm__ __volatile__("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
		cpu_relax();
	}
	return false;
}

static bool rdrand64(uint64_t *v)
{
	uint8_t ok;

	for (int i = 0; i < RETRIES; i++) {
		__asm__ __volatile__("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

static void jitter_init(void)
{
	uint8_t nonce[12] = { 'h', 'v', 'j', 't' };
	uint64_t t = rdtsc();

	memcpy(jkey, &t, 8);
	jkey[8] = (uint8_t)(cpuid(1, 0).ebx >> 24);          /* APIC ID */
	for (unsigned i = 0; i < 256; i++) {
		uint64_t a = rdtsc(), d;

		(void)inb(0x80 + (i & 1) * 0x61);   /* POST port / port B */
		d = rdtsc() - a;
		jkey[(i * 3) % 32] ^= (uint8_t)d;
		jkey[(i * 3 + 1) % 32] ^= (uint8_t)(d >> 8);
		if ((i & 31) == 31) {
			/* Fold: the key encrypted under itself (ChaCha20 as a
			 * mixing function; RFC 8439 2.3). */
			uint8_t k[32];

			memcpy(k, jkey, 32);
			chacha20_xor(k, nonce, i, jkey, 32);
			crypto_wipe(k, sizeof(k));
		}
	}
}

int rng_init(void)
{
	uint64_t v;

	if ((cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & BIT(18))) && rdseed64(&v))
		source = RNG_RDSEED;
	else if ((cpuid(1, 0).ecx & BIT(30)) && rdrand64(&v))
		source = RNG_RDRAND;
	else {
		jitter_init();
		source = RNG_JITTER;
	}
	return source;
}

void rng_bytes(void *out, size_t n)
{
	uint8_t *o = out;

	while (n) {
		uint64_t v = 0;
		size_t k = MIN(n, sizeof(v));
		bool ok = false;

		if (source == RNG_RDSEED)
			ok = rdseed64(&v) || rdrand64(&v);
		else if (source == RNG_RDRAND)
			ok = rdrand64(&v);
		if (!ok) {
			/* The fallback stream; also when a hardware source
			 * stops answering (then mixed with the TSC). */
			uint8_t nonce[12] = { 'h', 'v', 'r', 'n' };

			if (source != RNG_JITTER && !jctr)
				jitter_init();
			spin_lock(&jlock);
			memcpy(nonce + 4, &jctr, 8);
			jctr++;
			v ^= rdtsc();
			chacha20_xor(jkey, nonce, 0, &v, sizeof(v));
			spin_unlock(&jlock);
		}
		memcpy(o, &v, k);
		o += k;
		n -= k;
		crypto_wipe(&v, sizeof(v));
	}
}

const char *rng_source_name(void)
{
	return source == RNG_RDSEED ? "RDSEED" : source == RNG_RDRAND ? "RDRAND" :
	       source == RNG_JITTER ? "TSC jitter (weak: neither RDSEED nor RDRAND)" :
	       "none";
}
