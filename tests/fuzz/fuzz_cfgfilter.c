/* Fuzz target: the PCI configuration-space filter (svm/cfgfilter.c). The
 * input picks a simulated machine, optionally a hidden function, seeds the
 * capability list of one function (cap walk on hostile data), then is a
 * sequence of writes (function, offset, width, value) and reads. After
 * every write no guarded byte may have changed, every unguarded byte
 * written must hold the value, and hidden functions read all-ones. The
 * guarded BARs are probed as at boot (the simulated ICH9 SMBus has real
 * BAR rules); a write may count as performed with guarded bytes only when
 * it is a dword all-ones or the value a probed BAR holds, the filter's
 * sizing state must follow a model of it, and a read returns the probe's
 * bytes for a BAR being sized, the function's own bytes otherwise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cfgsim sim, before;
static struct cfg_filter f;

static const uint16_t picks[] = {
	0, 2, 24 << 3, 24 << 3 | 5, 20 << 3 | 3, 31 << 3, 31 << 3 | 3,
	1 << 3, 1 << 3 | 3, 5 << 3,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cfg_access acc = { cfgsim_acc_read, cfgsim_acc_write, &sim };
	uint16_t hide[1];
	size_t nhide = 0;

	if (size < 3)
		return 0;
	cfgsim_init(&sim, (enum cfgsim_machine)(data[0] % 3));
	if (data[1] & 0x80)
		hide[nhide++] = picks[data[1] % ARRAY_SIZE(picks)];
	/* Up to 16 bytes of hostile capability list on the IOMMU slot. */
	size_t seed = MIN((size_t)(data[2] & 0x0F), size - 3);
	memcpy(&sim.space[2][0x34], data + 3, MIN(seed, (size_t)4));
	if (seed > 4)
		memcpy(&sim.space[2][0x40], data + 7, seed - 4);
	data += 3 + seed;
	size -= 3 + seed;
	cfg_filter_build(&f, cfg_rules, cfg_nrules, hide, nhide, cfgsim_read32,
			 &sim);
	if (f.overflow)
		abort();
	cfg_filter_probe_bars(&f, cfgsim_read32, cfgsim_write32, &sim);
	if (f.overflow)
		abort();
	bool model[CFG_MAX_BARS] = { false };

	for (; size >= 12; data += 12, size -= 12) {
		uint16_t bdf = picks[data[0] % ARRAY_SIZE(picks)];
		unsigned width = 1u << (data[1] & 3);
		unsigned reg = ((unsigned)data[2] | (unsigned)data[3] << 8) & 0xFFF;
		uint64_t val;

		memcpy(&val, data + 4, 8);
		if (reg + width > CFG_SPACE)
			reg = CFG_SPACE - width;
		sim.cur = bdf;
		if (data[1] & 4) {
			uint64_t got = cfg_filter_read(&f, bdf, reg, width, &acc);

			if (cfg_filter_hidden(&f, bdf)) {
				if (got != (width == 8 ? ~0ULL :
					    (1ULL << (8 * width)) - 1))
					abort();
				continue;
			}
			for (unsigned k = 0; k < width; k++) {
				unsigned r = reg + k;
				uint8_t want = sim.space[bdf][r];

				for (size_t i = 0; i < f.nbar; i++)
					if (model[i] && f.bar[i].bdf == bdf &&
					    r >= f.bar[i].reg &&
					    r < f.bar[i].reg + 4u)
						want = (uint8_t)(f.bar[i].probe >>
							(8 * (r - f.bar[i].reg)));
				if ((uint8_t)(got >> (8 * k)) != want)
					abort();
			}
			continue;
		}
		memcpy(before.space[bdf], sim.space[bdf], CFG_SPACE);
		int probed = -1;
		uint32_t held;

		for (size_t i = 0; i < f.nbar; i++)
			if (f.bar[i].bdf == bdf && reg < f.bar[i].reg + 4u &&
			    reg + width > f.bar[i].reg) {
				model[i] = width == 4 && reg == f.bar[i].reg &&
					   (uint32_t)val == 0xFFFFFFFF;
				if (width == 4 && reg == f.bar[i].reg)
					probed = (int)i;
			}
		memcpy(&held, &sim.space[bdf][reg & 0xFFC], 4);
		unsigned mask = cfg_filter_write(&f, bdf, reg, width, val, &acc,
						 NULL);
		unsigned want = cfg_filter_mask(&f, bdf, reg, width, NULL);

		if (probed >= 0 && ((uint32_t)val == 0xFFFFFFFF ||
				    (uint32_t)val == held))
			want = 0;        /* sizing, or the address back */
		if (mask != want)
			abort();
		for (size_t i = 0; i < f.nbar; i++)
			if (f.bar[i].sizing != model[i])
				abort();
		for (unsigned r = 0; r < CFG_SPACE; r++) {
			bool in = r >= reg && r < reg + width;
			bool guard = cfg_filter_mask(&f, bdf, r, 1, NULL) ||
				     cfg_filter_hidden(&f, bdf);

			if ((!in || guard) &&
			    sim.space[bdf][r] != before.space[bdf][r])
				abort();        /* a guarded byte changed */
			if (in && !guard &&
			    sim.space[bdf][r] != (uint8_t)(val >> (8 * (r - reg))))
				abort();        /* the guest's byte was lost */
		}
	}
	return 0;
}
