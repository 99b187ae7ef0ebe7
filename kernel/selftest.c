/*
 * kernel/selftest.c - the allocator self-test run at boot with the
 * 'mm_selftest' option (QEMU tests boot it with 128 MiB and 4 GiB): both
 * domains under load on the real pool, then everything must balance.
 */
#include "kernel/kernel.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define ST_FRAMES 64
#define ST_OBJS   512

/* A tiny deterministic generator (xorshift64). */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

void mm_selftest(void)
{
	static struct paddr frames[ST_FRAMES];
	static unsigned orders[ST_FRAMES];
	static void *objs[ST_OBJS];
	struct mm_mark mark;
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	unsigned nf = 0, failures = 0;

	mm_mark(&mark);
	for (unsigned round = 0; round < 4; round++) {
		for (unsigned i = 0; i < ST_FRAMES; i++) {
			unsigned order = (unsigned)(rnd(&seed) % 7);

			if (frame_alloc(order, FRAME_TAG_TEST, FRAME_ZERO,
					&frames[nf]) != MM_OK) {
				failures++;
				continue;
			}
			if (!IS_ALIGNED(frames[nf].pa, FRAME_ORDER_BYTES(order)))
				panic("mm self-test: frame %llx not aligned to order %u",
				      (unsigned long long)frames[nf].pa, order);
			memset(phys_to_virt(frames[nf]), 0xA5, FRAME_SIZE);
			orders[nf++] = order;
		}
		for (unsigned i = 0; i < ST_OBJS; i++) {
			size_t sz = 1 + rnd(&seed) % (i % 8 ? 2048 : 20000);

			objs[i] = kmalloc(sz);
			if (!objs[i]) {
				failures++;
				continue;
			}
			memset(objs[i], (int)i, sz);
		}
		for (unsigned i = 0; i < ST_OBJS; i++) {
			unsigned j = (i * 7 + round) % ST_OBJS; /* scrambled order */

			if (objs[j])
				kfree(objs[j]);
			objs[j] = NULL;
		}
		while (nf) {
			nf--;
			frame_free(frames[nf], orders[nf], FRAME_TAG_TEST);
		}
	}
	if (!frame_verify() || !heap_verify())
		panic("mm self-test: allocator structures inconsistent");
	if (!mm_balanced(&mark))
		panic("mm self-test: memory leaked (see above)");
	printk("mm: self-test ok (%u allocation failures tolerated)\n", failures);
}
