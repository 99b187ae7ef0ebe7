/* Fuzz target: arbitrary bytes as a Multiboot2 information block, and the
 * command line it yields. The parser must never read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bootinfo bi;
	struct hv_options opt;
	char err[128];
	/* An exact-size heap copy so ASan sees every overread. */
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (mb2_parse(copy, size, 0x10000, &bi, err, sizeof(err)) == 0)
		(void)cmdline_parse(bi.cmdline, &opt, err, sizeof(err));
	free(copy);
	return 0;
}
