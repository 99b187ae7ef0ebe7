/*
 * tests/unit/test_mm_prop.c - property test: 10^6 random operations on both
 * domains against a reference model. Checked: no two live blocks or objects
 * overlap (a frame bytemap, and a pattern in every heap object), alignment,
 * the statistics agree with the model, the structure verifies, and once
 * everything is freed the pool is exactly as it started (coalesced back to
 * the initial top-order blocks, nothing leaked, everything poisoned).
 */
#include "test.h"
#include "test_mm.h"

#define POOL    (64 * MiB)
#define NFRAMES (POOL / FRAME_SIZE)
#define NSLOTS  4096
#define OPS     1000000

struct fslot { struct paddr pa; unsigned order; enum frame_tag tag; bool live; };
struct hslot { uint8_t *p; size_t size; uint8_t pat; };

static struct fslot fs[NSLOTS];
static struct hslot hs[NSLOTS];
static uint8_t owner_map[NFRAMES];     /* model: frame index in use */
static uint64_t model_tag_blocks[FRAME_TAG_COUNT], model_tag_bytes[FRAME_TAG_COUNT];
static uint64_t model_heap_live;
static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static unsigned rnd_order(void)
{
	unsigned k = 0;
	while (k < 10 && (rnd() & 3) == 0)   /* geometric: mostly 0 and 1 */
		k++;
	return k;
}

static size_t rnd_size(void)
{
	uint64_t r = rnd();
	if ((r & 63) == 0)
		return 2049 + (r >> 8) % (40 * KiB);  /* large, now and then */
	return (r >> 8) % 2049;
}

static bool frame_op(unsigned i)
{
	struct fslot *s = &fs[i];
	uint64_t first, n;

	if (s->live) {
		first = (s->pa.pa - MM_SIM_BASE) / FRAME_SIZE;
		n = 1ULL << s->order;
		for (uint64_t f = first; f < first + n; f++)
			owner_map[f] = 0;
		frame_free(s->pa, s->order, s->tag);
		model_tag_blocks[s->tag]--;
		model_tag_bytes[s->tag] -= n * FRAME_SIZE;
		s->live = false;
		return true;
	}
	s->order = rnd_order();
	s->tag = FRAME_TAG_VMCB + rnd() % (FRAME_TAG_COUNT - FRAME_TAG_VMCB);
	if (frame_alloc(s->order, s->tag, (rnd() & 7) ? 0 : FRAME_ZERO,
			&s->pa) != MM_OK)
		return true;    /* exhaustion is a legitimate result */
	n = 1ULL << s->order;
	if (!IS_ALIGNED(s->pa.pa, n * FRAME_SIZE))
		return false;
	first = (s->pa.pa - MM_SIM_BASE) / FRAME_SIZE;
	for (uint64_t f = first; f < first + n; f++) {
		if (owner_map[f])
			return false;           /* overlap */
		owner_map[f] = 1;
	}
	model_tag_blocks[s->tag]++;
	model_tag_bytes[s->tag] += n * FRAME_SIZE;
	s->live = true;
	return true;
}

static bool pattern_ok(const struct hslot *s)
{
	for (size_t j = 0; j < s->size; j++)
		if (s->p[j] != s->pat)
			return false;
	return true;
}

static bool heap_op(unsigned i)
{
	struct hslot *s = &hs[i];
	uint64_t r = rnd();

	if (s->p && (r & 3) == 0) {             /* krealloc */
		size_t ns = rnd_size(), keep = MIN(ns, s->size);
		uint8_t *q;
		if (!pattern_ok(s))
			return false;
		q = krealloc(s->p, ns);
		if (!q) {
			if (ns == 0) {
				s->p = NULL;
				model_heap_live--;
			}
			return true;
		}
		for (size_t j = 0; j < keep; j++)
			if (q[j] != s->pat)
				return false;
		s->p = q;
		s->size = ns;
		memset(q, s->pat, ns);
		return true;
	}
	if (s->p) {
		if (!pattern_ok(s))
			return false;           /* someone overlapped it */
		kfree(s->p);
		s->p = NULL;
		model_heap_live--;
		return true;
	}
	s->size = rnd_size();
	s->p = kmalloc(s->size);
	if (!s->p)
		return true;
	if (!IS_ALIGNED((uintptr_t)s->p, HEAP_ALIGN) || ksize(s->p) < s->size)
		return false;
	s->pat = (uint8_t)(r >> 32) | 1;
	memset(s->p, s->pat, s->size);
	model_heap_live++;
	return true;
}

static bool stats_agree(void)
{
	struct frame_stats st;
	struct heap_stats h;

	frame_get_stats(&st);
	for (unsigned t = FRAME_TAG_VMCB; t < FRAME_TAG_COUNT; t++)
		if (st.tag[t].blocks != model_tag_blocks[t] ||
		    st.tag[t].bytes != model_tag_bytes[t])
			return false;
	heap_get_stats(&h);
	return h.live_objects + h.large_live == model_heap_live;
}

TEST(mm_property_random_ops)
{
	struct frame_stats st0, st;
	struct mm_mark m;

	mm_sim_setup(POOL);
	memset(fs, 0, sizeof(fs));
	memset(hs, 0, sizeof(hs));
	memset(owner_map, 0, sizeof(owner_map));
	memset(model_tag_blocks, 0, sizeof(model_tag_blocks));
	memset(model_tag_bytes, 0, sizeof(model_tag_bytes));
	model_heap_live = 0;
	frame_get_stats(&st0);
	mm_mark(&m);

	for (unsigned op = 0; op < OPS; op++) {
		uint64_t r = rnd();
		unsigned slot = (r >> 16) % NSLOTS;
		bool ok = (r & 1) ? frame_op(slot) : heap_op(slot);
		if (!ok) {
			test_fail(__FILE__, __LINE__, "model violated at op %u", op);
			return;
		}
		if (op % 4096 == 0)
			CHECK(stats_agree());
		if (op % 250000 == 0) {
			CHECK(frame_verify());
			CHECK(heap_verify());
		}
	}
	for (unsigned i = 0; i < NSLOTS; i++) {
		if (fs[i].live)
			CHECK(frame_op(i));
		if (hs[i].p) {
			CHECK(pattern_ok(&hs[i]));
			kfree(hs[i].p);
			model_heap_live--;
		}
	}
	CHECK(stats_agree());
	CHECK(mm_balanced(&m));
	frame_get_stats(&st);
	for (unsigned k = 0; k <= FRAME_MAX_ORDER; k++)
		CHECK_EQ(st.free_blocks[k], st0.free_blocks[k]);
	CHECK_EQ(st.free_bytes, st0.free_bytes);
	CHECK(st.peak_used_bytes > 0);
	CHECK(frame_verify());
	CHECK(heap_verify());
}
