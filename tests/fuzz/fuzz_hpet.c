/* Fuzz target: the guest's view of an HPET whose last timer the
 * hypervisor keeps (hpet/view.c), on any sequence of guest accesses
 * (each 13 bytes: kind, offset, size, value). Over a simulated register
 * file the invariants must hold after every access: the hardware counter
 * never disabled, the kept timer's registers never written, no timer
 * with FSB delivery on and a route the rules refuse, nothing written
 * outside the register set. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hpet/hpet.h"

#define NT 3

static uint32_t regs[0x400 / 4];
static uint32_t kept_before[8];
static bool kept;

static uint32_t sim_rd(void *ctx, uint32_t off)
{
	(void)ctx;
	if (off >= 0x400 || (off & 3))
		abort();
	return regs[off / 4];
}

static void sim_wr(void *ctx, uint32_t off, uint32_t val)
{
	(void)ctx;
	if (off >= 0x400 || (off & 3))
		abort();
	if (kept && off >= HPET_TIMER(NT - 1) && off < HPET_TIMER(NT))
		abort();                   /* the kept timer */
	if (off == HPET_GCAP || off == HPET_GCAP + 4)
		return;
	regs[off / 4] = val;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hpet_view v;
	bool guard;

	memset(regs, 0, sizeof(regs));
	regs[0] = 0x8086A201u | ((NT - 1) << 8);
	regs[1] = 10000000;
	regs[HPET_GEN_CONF / 4] = 1;
	for (unsigned t = 0; t < NT; t++)
		regs[(HPET_TIMER(t) + HPET_TN_CONF) / 4] =
			HPET_TN_PER_CAP | HPET_TN_FSB_CAP;
	memcpy(kept_before, &regs[HPET_TIMER(NT - 1) / 4], sizeof(kept_before));
	/* The first byte picks the view: a kept timer, or routes only. */
	guard = size && (data[0] & 0x80);
	if (guard)
		hpet_view_init_guard(&v, &(struct hpet_hw){ sim_rd, sim_wr,
				      NULL }, NT);
	else
		hpet_view_init(&v, &(struct hpet_hw){ sim_rd, sim_wr, NULL },
			       NT, true, 0);
	kept = !guard;
	for (size_t i = 1; i + 13 <= size; i += 13) {
		uint32_t off = (uint32_t)(data[i + 1] | data[i + 2] << 8) & 0xFFF;
		unsigned sz = 1u << (data[i + 3] & 3);
		uint64_t val;

		memcpy(&val, data + i + 5, 8);
		if (data[i] & 1) {
			hpet_view_write(&v, off, sz, val);
		} else {
			uint64_t got = 0;

			hpet_view_read(&v, off, sz, &got);
			if (off >= HPET_TIMER(NT - 1) && off < HPET_TIMER(NT) &&
			    kept && sz >= 4 && !(off & (sz - 1)) && got)
				abort();           /* the kept timer shows */
		}
		if (kept && !(regs[HPET_GEN_CONF / 4] & 1))
			abort();
		for (unsigned t = 0; t + (kept ? 1 : 0) < NT; t++) {
			uint32_t b = HPET_TIMER(t) / 4;

			if ((regs[b] & HPET_TN_FSB_EN) &&
			    !hpet_route_allowed(regs[b + 5], regs[b + 4]))
				abort();
		}
	}
	if (kept && memcmp(kept_before, &regs[HPET_TIMER(NT - 1) / 4],
		   sizeof(kept_before)))
		abort();
	return 0;
}
