/*
 * smp/nmisrc.c - what an NMI means (smp.h, "NMI sources"): the kick flag,
 * the table of NMI sources (who is asked on an NMI, whose service runs),
 * and the record an NMI leaves for the CPU's loop. No hardware access of
 * its own, so the host tests drive it (tests/unit/test_nmisrc.c).
 *
 * The table is written at boot only, before any source can raise an NMI:
 * entries first, then the count with a release store; the NMI handler
 * reads the count with an acquire load and never sees a half entry.
 */
#include "smp/smp.h"

static struct nmi_source *sources[NMI_MAX_SOURCES];
static uint32_t nsources;

int nmi_sources_add(struct nmi_source *s)
{
	uint32_t n = __atomic_load_n(&nsources, __ATOMIC_ACQUIRE);

	if (n >= NMI_MAX_SOURCES || !s->pending || !s->service)
		return -1;
	sources[n] = s;
	__atomic_store_n(&nsources, n + 1, __ATOMIC_RELEASE);
	return 0;
}

static bool serves(const struct nmi_source *s, uint32_t cpu)
{
	return s->cpu == cpu || s->cpu == NMI_ANY_CPU;
}

uint32_t nmi_sources_look(uint32_t cpu, bool from_nmi)
{
	uint32_t n = __atomic_load_n(&nsources, __ATOMIC_ACQUIRE), mask = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct nmi_source *s = sources[i];

		if (!serves(s, cpu) || (!from_nmi && !s->poll_us))
			continue;
		if (!s->pending(from_nmi))
			continue;
		mask |= 1U << i;
		if (from_nmi)
			s->nmis++;
		else
			s->polls++;
	}
	return mask;
}

void nmi_sources_service(struct percpu *c, uint32_t mask)
{
	uint32_t n = __atomic_load_n(&nsources, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n; i++)
		if (mask & (1U << i))
			sources[i]->service(c);
}

uint32_t nmi_sources_poll_us(uint32_t cpu)
{
	uint32_t n = __atomic_load_n(&nsources, __ATOMIC_ACQUIRE), us = 0;

	for (uint32_t i = 0; i < n; i++)
		if (serves(sources[i], cpu) && sources[i]->poll_us &&
		    (!us || sources[i]->poll_us < us))
			us = sources[i]->poll_us;
	return us;
}

bool nmi_sources_poll_only(uint32_t cpu)
{
	uint32_t n = __atomic_load_n(&nsources, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n; i++)
		if (serves(sources[i], cpu) && sources[i]->poll_only &&
		    sources[i]->poll_us)
			return true;
	return false;
}

/* The bit of @s in the table, 0 when it is not registered. */
uint32_t nmi_source_bit(const struct nmi_source *s)
{
	uint32_t n = __atomic_load_n(&nsources, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n; i++)
		if (sources[i] == s)
			return 1U << i;
	return 0;
}

void nmi_sources_reset(void)
{
	__atomic_store_n(&nsources, 0, __ATOMIC_RELEASE);
}

bool nmi_kick_mark(struct percpu *t)
{
	__atomic_store_n(&t->kick_pending, 1, __ATOMIC_SEQ_CST);
	return !__atomic_exchange_n(&t->kick_nmi, 1, __ATOMIC_SEQ_CST);
}

void nmi_record(struct percpu *c)
{
	bool kick = __atomic_exchange_n(&c->kick_nmi, 0, __ATOMIC_SEQ_CST);
	uint32_t claimed = nmi_sources_look(c->index, true);

	c->nmi_count++;
	if (kick)
		c->kicks_taken++;
	if (claimed) {
		c->device_nmis++;
		__atomic_fetch_or(&c->src_pending, claimed, __ATOMIC_SEQ_CST);
	}
	if (nmi_for_guest(kick, claimed))
		c->foreign_nmis++;      /* queued by the vCPU loop */
	/* Whatever it was, the loop looks at everything again. */
	__atomic_store_n(&c->kick_pending, 1, __ATOMIC_SEQ_CST);
}
