/*
 * tests/fuzz/fuzz_ivrs.c - libFuzzer target for the IVRS parser
 * (iommu/ivrs.c). The input is an IVRS table; its signature and length
 * fields are set from the input's size first, as the ACPI layer has
 * checked them before the parser sees a table, so mutations reach the
 * blocks and device entries. The table is an exact-size heap copy: ASan
 * reports any read past it. On success the result's invariants are
 * checked (every index within its array, every run ordered, bases
 * aligned); a violation aborts (a finding). Seeds: tests/fuzz/corpus/ivrs
 * (QEMU 7.2's table, the unit tests' synthetic one).
 */
#include <stdlib.h>
#include <string.h>

#include "iommu/iommu.h"

static struct ivrs_info iv;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[160];
	uint8_t *t = malloc(size ? size : 1);
	unsigned devs = 0, spec = 0;

	memcpy(t, data, size);
	if (size >= 8) {
		uint32_t l = (uint32_t)size;

		memcpy(t, "IVRS", 4);
		memcpy(t + 4, &l, 4);
	}
	if (ivrs_parse(t, size, &iv, err, sizeof(err)) == 0) {
		if (!iv.niommus || iv.niommus > IVRS_MAX_IOMMUS ||
		    iv.ndevs > IVRS_MAX_RANGES || iv.nspecial > IVRS_MAX_SPECIAL ||
		    iv.nivmd > IVRS_MAX_IVMD)
			abort();
		for (unsigned i = 0; i < iv.niommus; i++) {
			const struct ivrs_iommu *u = &iv.iommus[i];

			if (u->first_devs != devs || u->first_special != spec ||
			    !u->base || (u->base & 0x3FFF) || u->type != iv.ivhd_type)
				abort();
			devs += u->ndevs;
			spec += u->nspecial;
		}
		if (devs != iv.ndevs || spec != iv.nspecial)
			abort();
		for (unsigned i = 0; i < iv.ndevs; i++)
			if (iv.devs[i].first > iv.devs[i].last)
				abort();
		for (unsigned i = 0; i < iv.nivmd; i++)
			if (iv.ivmd[i].first > iv.ivmd[i].last)
				abort();
	} else if (!err[0] || iv.niommus || iv.ndevs) {
		abort();          /* refused: a reason, nothing half-decoded */
	}
	free(t);
	return 0;
}
