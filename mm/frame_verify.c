/*
 * mm/frame_verify.c - frame_verify(): an O(pool) walk for tests and boot
 * self-tests: block structure, free lists, statistics, poison.
 */
#include "mm/frame_impl.h"

static bool block_poisoned(uint64_t idx, unsigned order)
{
	const uint64_t *q = idx_to_virt(idx);
	uint64_t words = FRAME_ORDER_BYTES(order) / 8;

	for (uint64_t i = 0; i < words; i++)
		if (q[i] != 0x0101010101010101ULL * FRAME_POISON)
			return false;
	return true;
}

#define VERIFY_FAIL(...)                                                     \
	do {                                                                 \
		printk("frame_verify: " __VA_ARGS__);                        \
		ok = false;                                                  \
		goto out;                                                    \
	} while (0)

bool frame_verify(void)
{
	uint64_t nfree[FRAME_MAX_ORDER + 1] = { 0 };
	uint64_t tag_bytes[FRAME_TAG_COUNT] = { 0 };
	uint64_t tag_pinned[FRAME_TAG_COUNT] = { 0 };
	bool ok = true;

	spin_lock(&frame_pool.lock);
	for (uint64_t idx = 0; idx < frame_pool.nframes;) {
		struct frame_desc *d = &frame_pool.desc[idx];
		uint64_t len = 1ULL << d->order;

		if (!d->head)
			VERIFY_FAIL("frame %#llx has no block head\n",
				    (unsigned long long)idx_to_pa(idx));
		if ((frame_pool.base_pfn + idx) & (len - 1) || idx + len > frame_pool.nframes)
			VERIFY_FAIL("block %#llx order %u misplaced\n",
				    (unsigned long long)idx_to_pa(idx),
				    (unsigned)d->order);
		for (uint64_t i = 1; i < len; i++)
			if (frame_pool.desc[idx + i].head)
				VERIFY_FAIL("stray head inside block %#llx\n",
					    (unsigned long long)idx_to_pa(idx));
		if (d->tag >= FRAME_TAG_COUNT)
			VERIFY_FAIL("block %#llx has tag %u\n",
				    (unsigned long long)idx_to_pa(idx),
				    (unsigned)d->tag);
		if (d->tag == FRAME_TAG_FREE) {
			nfree[d->order]++;
			if (!block_poisoned(idx, d->order))
				VERIFY_FAIL("free block %#llx order %u lost its "
					    "poison\n",
					    (unsigned long long)idx_to_pa(idx),
					    (unsigned)d->order);
		}
		if (d->pinned && d->tag == FRAME_TAG_FREE)
			VERIFY_FAIL("free block %#llx is pinned\n",
				    (unsigned long long)idx_to_pa(idx));
		for (uint64_t i = 1; i < len; i++)
			if (frame_pool.desc[idx + i].pinned)
				VERIFY_FAIL("stray pin inside block %#llx\n",
					    (unsigned long long)idx_to_pa(idx));
		tag_pinned[d->tag] += d->pinned;
		tag_bytes[d->tag] += len << FRAME_SHIFT;
		idx += len;
	}
	for (unsigned k = 0; k <= FRAME_MAX_ORDER; k++) {
		uint64_t n = 0, prev = NIL;
		for (uint64_t i = frame_pool.free_head[k]; i != NIL; i = frame_pool.desc[i].next) {
			if (frame_pool.desc[i].tag != FRAME_TAG_FREE ||
			    frame_pool.desc[i].order != k || frame_pool.desc[i].prev != prev ||
			    ++n > nfree[k])
				VERIFY_FAIL("free list %u corrupt\n", k);
			prev = i;
		}
		if (n != nfree[k] || n != frame_pool.st.free_blocks[k])
			VERIFY_FAIL("free list %u holds %llu, pool %llu, stats "
				    "%llu\n", k, (unsigned long long)n,
				    (unsigned long long)nfree[k],
				    (unsigned long long)frame_pool.st.free_blocks[k]);
	}
	if (tag_bytes[FRAME_TAG_FREE] != frame_pool.st.free_bytes)
		VERIFY_FAIL("free bytes disagree with stats\n");
	for (unsigned t = 1; t < FRAME_TAG_COUNT; t++)
		if (tag_bytes[t] != frame_pool.st.tag[t].bytes ||
		    tag_pinned[t] != frame_pool.st.tag[t].pinned)
			VERIFY_FAIL("tag %s: %llu bytes %llu pinned, stats %llu "
				    "%llu\n", frame_tag_name(t),
				    (unsigned long long)tag_bytes[t],
				    (unsigned long long)tag_pinned[t],
				    (unsigned long long)frame_pool.st.tag[t].bytes,
				    (unsigned long long)frame_pool.st.tag[t].pinned);
out:
	spin_unlock(&frame_pool.lock);
	return ok;
}
