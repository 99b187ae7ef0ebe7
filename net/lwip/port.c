/*
 * net/lwip/port.c - what lwIP needs from the hypervisor: the time
 * (sys_now, from the TSC), memory (our heap domain, in the "lwip" heap
 * account with a limit) and random numbers (DHCP transaction ids).
 *
 * Everything here runs on the boot CPU outside NMI context (lwipopts.h),
 * which is what serializes the heap account.
 */
#include "kernel/kernel.h"
#include "mm/mm.h"
#include "arch/x86.h"
#include "net/lwip/port.h"

#include <stdlib.h>   /* net/lwip/shim: atoi */

#include "lwip/init.h"
#include "lwip/sys.h"

/* lwIP's memory budget. A UDP console needs a handful of pbufs; the limit
 * is what keeps a flood from taking the heap: allocations past it fail and
 * lwIP drops (and counts) the packet. */
#define LWIP_HEAP_LIMIT (512 * KiB)

static struct heap_account lwip_account = {
	.name = "lwip",
	.limit = LWIP_HEAP_LIMIT,
};

void *net_lwip_malloc(size_t size)
{
	return kmalloc_acct(&lwip_account, size);
}

void *net_lwip_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kzalloc_acct(&lwip_account, n * size);
}

void net_lwip_free(void *p)
{
	kfree_acct(&lwip_account, p);
}

/* Milliseconds since boot; wraps after 49 days, which lwIP's timers allow
 * for (they compare differences). */
u32_t sys_now(void)
{
	return (u32_t)(now_ns() / 1000000u);
}

/* DHCP transaction ids and the like: unpredictable enough that a stale
 * reply from another boot does not match. RDRAND when the CPU has it
 * (CPUID 1:ECX[30]), else the TSC mixed. Not cryptographic. */
uint32_t net_lwip_rand(void)
{
	static bool checked, have_rdrand;
	static uint64_t state;
	uint64_t v;

	if (!checked) {
		have_rdrand = cpuid(1, 0).ecx & BIT(30);
		checked = true;
	}
	if (have_rdrand) {
		for (unsigned i = 0; i < 10; i++) {
			uint8_t ok;
			__asm__ __volatile__("rdrand %0; setc %1"
					     : "=r"(v), "=qm"(ok) :: "cc");
			if (ok)
				return (uint32_t)(v ^ (v >> 32));
		}
	}
	/* xorshift64* seeded and stirred by the TSC */
	state ^= rdtsc() + 0x9E3779B97F4A7C15ull;
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	v = state * 0x2545F4914F6CDD1Dull;
	return (uint32_t)(v >> 32);
}

/* atoi for lwIP's netif_find (interface names like "en0"): decimal digits
 * after an optional sign, stopping at the first other character, no
 * overflow check needed for the one-digit numbers lwIP parses, but
 * saturating anyway. */
int atoi(const char *s)
{
	bool neg = false;
	long v = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9') {
		if (v < 0x7FFFFFFF)
			v = v * 10 + (*s - '0');
		s++;
	}
	if (v > 0x7FFFFFFF)
		v = 0x7FFFFFFF;
	return (int)(neg ? -v : v);
}

void net_lwip_init(void)
{
	heap_account_register(&lwip_account);
	lwip_init();
}
