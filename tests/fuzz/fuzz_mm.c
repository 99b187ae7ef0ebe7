/*
 * tests/fuzz/fuzz_mm.c - drive both allocators from a byte stream.
 *
 * Each input is a program of valid operations (frame alloc/free with and
 * without a pin, kmalloc, kzalloc, krealloc, kfree) on a small simulated
 * pool, so exhaustion is
 * reached often. Every object carries a pattern that must survive until it
 * is freed (no overlap); at the end everything is freed and the pool must
 * verify and be back to its initial state. A panic is a finding.
 */
#include <stdlib.h>
#include <string.h>

#include "mm/mm.h"

#define BASE   0x40000000ULL
#define POOL   (1 * MiB)
#define SLOTS  64

static uint8_t *buf;
static struct {
	struct paddr pa;
	unsigned order;
	enum frame_tag tag;
	bool live, pinned;
} fs[SLOTS];
static struct { uint8_t *p; size_t size; uint8_t pat; } hs[SLOTS];

static void check(bool c)
{
	if (!c)
		abort();
}

static void check_obj(unsigned i)
{
	for (size_t j = 0; j < hs[i].size; j++)
		check(hs[i].p[j] == hs[i].pat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct frame_stats st0, st;
	struct mm_mark m;

	if (!buf)
		buf = aligned_alloc(4096, POOL);
	mm_direct_map_offset = (uint64_t)(uintptr_t)buf - BASE;
	mm_direct_map_size = BASE + POOL;
	check(frame_init(PADDR(BASE), POOL) == MM_OK);
	/* The last byte picks the poisoning (it belongs to an operation only
	 * when len is a multiple of 3, and then to the last one). */
	heap_init(len && (data[len - 1] & 0x80) ? HEAP_POISON_FULL
						: HEAP_POISON_DEFAULT);
	memset(fs, 0, sizeof(fs));
	memset(hs, 0, sizeof(hs));
	frame_get_stats(&st0);
	mm_mark(&m);

	for (size_t i = 0; i + 3 <= len; i += 3) {
		unsigned op = data[i] % 6, s = data[i + 1] % SLOTS;
		size_t size = (size_t)data[i + 2] * ((data[i] >> 3) + 1);

		switch (op) {
		case 0:   /* frame alloc / free */
			if (fs[s].live) {
				if (fs[s].pinned)
					frame_unpin(fs[s].pa, fs[s].order,
						    fs[s].tag);
				frame_free(fs[s].pa, fs[s].order, fs[s].tag);
				fs[s].live = false;
				break;
			}
			fs[s].order = data[i + 2] % 11;
			fs[s].tag = FRAME_TAG_VMCB + data[i + 2] % 8;
			if (frame_alloc(fs[s].order, fs[s].tag, data[i] & 0x80 ?
					FRAME_ZERO : 0, &fs[s].pa) == MM_OK) {
				check(IS_ALIGNED(fs[s].pa.pa,
						 FRAME_ORDER_BYTES(fs[s].order)));
				fs[s].live = true;
				fs[s].pinned = data[i] & 0x40;
				if (fs[s].pinned)
					frame_pin(fs[s].pa, fs[s].order,
						  fs[s].tag);
			}
			break;
		case 1: case 2:   /* kmalloc / kzalloc */
			if (hs[s].p)
				break;
			hs[s].p = op == 1 ? kmalloc(size) : kzalloc(size);
			if (!hs[s].p)
				break;
			check(IS_ALIGNED((uintptr_t)hs[s].p, HEAP_ALIGN));
			if (op == 2)
				for (size_t j = 0; j < size; j++)
					check(hs[s].p[j] == 0);
			hs[s].size = size;
			hs[s].pat = data[i + 2] | 1;
			memset(hs[s].p, hs[s].pat, size);
			break;
		case 3: case 4:   /* kfree */
			if (!hs[s].p)
				break;
			check_obj(s);
			kfree(hs[s].p);
			hs[s].p = NULL;
			break;
		case 5: {         /* krealloc */
			uint8_t *q;
			if (!hs[s].p)
				break;
			check_obj(s);
			q = krealloc(hs[s].p, size);
			if (!q) {
				if (size == 0)
					hs[s].p = NULL;
				break;
			}
			for (size_t j = 0; j < MIN(size, hs[s].size); j++)
				check(q[j] == hs[s].pat);
			hs[s].p = q;
			hs[s].size = size;
			memset(q, hs[s].pat, size);
			break;
		}
		}
	}
	check(heap_verify());
	check(frame_verify());
	for (unsigned s = 0; s < SLOTS; s++) {
		if (fs[s].live && fs[s].pinned)
			frame_unpin(fs[s].pa, fs[s].order, fs[s].tag);
		if (fs[s].live)
			frame_free(fs[s].pa, fs[s].order, fs[s].tag);
		if (hs[s].p) {
			check_obj(s);
			kfree(hs[s].p);
		}
	}
	check(mm_balanced(&m));
	frame_get_stats(&st);
	check(memcmp(st.free_blocks, st0.free_blocks, sizeof(st.free_blocks)) == 0);
	check(frame_verify());
	return 0;
}
