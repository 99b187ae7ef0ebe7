/* Fuzz target: the 8042 filter (svm/kbc.c) on any sequence of guest
 * writes (bit 7 of each pair's first byte: command port 0x64 or data port
 * 0x60). A model controller follows only what the filter passes; A20
 * (output port bit 1) must never go low, the reset line never low without
 * KBC_RESET, and 0xDD never reach it. */
#include <stdint.h>
#include <stdlib.h>

#include "svm/svm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbc_state s = { 0 };
	uint8_t hw_pending = 0;            /* the model controller's */

	for (size_t i = 0; i + 1 < size; i += 2) {
		uint8_t v = data[i + 1];
		enum kbc_verdict r;

		if (data[i] & 0x80) {
			r = kbc_command(&s, v);
			if (r == KBC_RESET && !(v >= 0xF0 && !(v & 1)))
				abort();
			if (r != KBC_PASS)
				continue;
			if (v == 0xDD || (v >= 0xF0 && v != 0xFF) ||
			    (v >= 0x90 && v <= 0x9F))
				abort();        /* A20 off or a pulse passed */
			hw_pending = v;
		} else {
			r = kbc_data(&s, &v);
			if (r == KBC_DROP)
				abort();        /* data is never dropped */
			if (hw_pending == 0xD1 && r == KBC_PASS && !(v & 0x02))
				abort();        /* A20 would go off */
			if (r == KBC_RESET && hw_pending != 0xD1)
				abort();
			hw_pending = 0;
		}
		if (s.pending != ((hw_pending >= 0x60 && hw_pending <= 0x7F) ||
				  (hw_pending >= 0xD1 && hw_pending <= 0xD4) ?
				  hw_pending : 0))
			abort();        /* the filter lost track */
	}
	return 0;
}
