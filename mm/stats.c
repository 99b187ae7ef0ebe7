/*
 * mm/stats.c - accounting across both domains: the printed summary and the
 * leak check used by tests and self-tests.
 */
#include "mm/mm.h"
#include "lib/lib.h"

static unsigned long long kib(uint64_t b)
{
	return (unsigned long long)(b / KiB);
}

static void print_frames(print_fn pr)
{
	struct frame_stats st;

	frame_get_stats(&st);
	pr("mm: frame pool %#llx-%#llx: %llu KiB, bookkeeping %llu KiB, "
	       "free %llu KiB, used %llu KiB (peak %llu KiB), %llu failed\n",
	       (unsigned long long)st.pool_base,
	       (unsigned long long)(st.pool_base + st.pool_size),
	       kib(st.pool_size), kib(st.meta_bytes), kib(st.free_bytes),
	       kib(st.used_bytes), kib(st.peak_used_bytes),
	       (unsigned long long)st.failed);
	pr("mm:   %-12s %8s %6s %10s %10s %10s %6s\n", "tag", "blocks",
	       "pinned", "KiB", "peak KiB", "allocs", "failed");
	for (unsigned t = 1; t < FRAME_TAG_COUNT; t++) {
		const struct frame_tag_stats *s = &st.tag[t];
		if (!s->allocs && !s->failed)
			continue;
		pr("mm:   %-12s %8llu %6llu %10llu %10llu %10llu %6llu\n",
		       frame_tag_name(t), (unsigned long long)s->blocks,
		       (unsigned long long)s->pinned,
		       kib(s->bytes), kib(s->peak_bytes),
		       (unsigned long long)s->allocs,
		       (unsigned long long)s->failed);
	}
}

static void print_heap(print_fn pr)
{
	struct heap_stats st;

	heap_get_stats(&st);
	pr("mm: heap %llu objects, %llu KiB live (peak %llu KiB), "
	       "%llu failed; large: %llu blocks, %llu KiB (peak %llu KiB)\n",
	       (unsigned long long)st.live_objects, kib(st.live_bytes),
	       kib(st.peak_bytes), (unsigned long long)st.failed,
	       (unsigned long long)st.large_live, kib(st.large_bytes),
	       kib(st.large_peak_bytes));
	if (heap_poison_bytes() == HEAP_POISON_FULL)
		pr("mm: heap poisoning: every byte of a freed object "
		       "(heap_poison=full)\n");
	else
		pr("mm: heap poisoning: the first %u bytes and the redzone "
		       "of a freed object (heap_poison=full for every byte)\n",
		       heap_poison_bytes());
	pr("mm:   %6s %6s %8s %8s %10s %6s\n", "size", "arenas", "live",
	       "peak", "allocs", "failed");
	for (unsigned c = 0; c < HEAP_NCLASSES; c++) {
		const struct heap_class_stats *s = &st.cls[c];
		if (!s->allocs && !s->failed)
			continue;
		pr("mm:   %6u %6u %8llu %8llu %10llu %6llu\n", s->size,
		       s->arenas, (unsigned long long)s->live,
		       (unsigned long long)s->peak,
		       (unsigned long long)s->allocs,
		       (unsigned long long)s->failed);
	}
}

void mm_print_stats(print_fn pr)
{
	print_frames(pr);
	print_heap(pr);
	heap_account_print(pr);
}

void mm_mark(struct mm_mark *m)
{
	struct frame_stats fs;
	struct heap_stats hs;

	heap_trim();
	frame_get_stats(&fs);
	heap_get_stats(&hs);
	for (unsigned t = 0; t < FRAME_TAG_COUNT; t++) {
		m->tag_blocks[t] = fs.tag[t].blocks;
		m->tag_bytes[t] = fs.tag[t].bytes;
	}
	for (unsigned c = 0; c < HEAP_NCLASSES; c++)
		m->class_live[c] = hs.cls[c].live;
	m->large_live = hs.large_live;
}

bool mm_balanced(const struct mm_mark *m)
{
	struct mm_mark now;
	bool ok = true;

	mm_mark(&now);
	for (unsigned t = 0; t < FRAME_TAG_COUNT; t++)
		if (now.tag_blocks[t] != m->tag_blocks[t] ||
		    now.tag_bytes[t] != m->tag_bytes[t]) {
			printk("mm: leak check: tag %s: %llu blocks / %llu bytes,"
			       " was %llu / %llu\n", frame_tag_name(t),
			       (unsigned long long)now.tag_blocks[t],
			       (unsigned long long)now.tag_bytes[t],
			       (unsigned long long)m->tag_blocks[t],
			       (unsigned long long)m->tag_bytes[t]);
			ok = false;
		}
	for (unsigned c = 0; c < HEAP_NCLASSES; c++)
		if (now.class_live[c] != m->class_live[c]) {
			printk("mm: leak check: heap class %u: %llu live, was "
			       "%llu\n", c, (unsigned long long)now.class_live[c],
			       (unsigned long long)m->class_live[c]);
			ok = false;
		}
	if (now.large_live != m->large_live) {
		printk("mm: leak check: %llu large heap blocks, was %llu\n",
		       (unsigned long long)now.large_live,
		       (unsigned long long)m->large_live);
		ok = false;
	}
	return ok;
}
