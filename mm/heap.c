/*
 * mm/heap.c - the heap domain: kmalloc/kfree on size-class slabs.
 *
 * Small objects (<= HEAP_MAX_SMALL) live in 64 KiB arenas, frame blocks of
 * order ARENA_ORDER tagged FRAME_TAG_HEAP_ARENA. An arena starts with its
 * header (class, counts, a bitmap with one bit per object, set = free);
 * objects follow at a fixed stride (class size plus the redzone). Nothing
 * is stored inside free objects, so they stay fully poisoned. Larger
 * requests take whole frame blocks tagged FRAME_TAG_HEAP_LARGE.
 *
 * kfree finds the arena by aligning the pointer down to 64 KiB and asking
 * the frame domain, in O(1), whether a HEAP_ARENA block of that order
 * starts there; the arena header's magic confirms it. Everything else goes
 * through the slow path (mm/heap_check.c), which names the misuse.
 *
 * One spinlock; arena blocks change hands only under it, which is what
 * makes frame_block_tag()'s lock-free answer stable here.
 */
#include "mm/heap_impl.h"
#include "lib/lib.h"

static const uint16_t class_size[HEAP_NCLASSES] = {
	16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256,
	320, 384, 448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048,
};

struct heap heap = { .lock = SPINLOCK_INIT };

static uint8_t size_to_class[HEAP_MAX_SMALL / 16 + 1];

void heap_init(void)
{
	unsigned c = 0;

	memset(&heap, 0, sizeof(heap));
	heap.lock = (struct spinlock)SPINLOCK_INIT;
	for (unsigned i = 0; i <= HEAP_MAX_SMALL / 16; i++) {
		while (class_size[c] < i * 16)
			c++;
		size_to_class[i] = c;
	}
	for (c = 0; c < HEAP_NCLASSES; c++) {
		struct heap_class *hc = &heap.cls[c];
		hc->size = class_size[c];
		hc->stride = class_size[c] + HEAP_RZ;
		hc->nobj = (ARENA_SIZE - ARENA_HDR) / hc->stride;
		hc->recip = (uint32_t)((1ULL << 32) / hc->stride + 1);
	}
	heap.ready = true;
}

static void list_add(struct arena **head, struct arena *a)
{
	a->prev = NULL;
	a->next = *head;
	if (*head)
		(*head)->prev = a;
	*head = a;
}

static void list_remove(struct arena **head, struct arena *a)
{
	if (a->prev)
		a->prev->next = a->next;
	else
		*head = a->next;
	if (a->next)
		a->next->prev = a->prev;
}

/* A fresh arena for class c, or NULL. Lock held. */
static struct arena *arena_new(unsigned c)
{
	struct heap_class *hc = &heap.cls[c];
	struct paddr pa;
	struct arena *a;
	unsigned words;

	if (frame_alloc(ARENA_ORDER, FRAME_TAG_HEAP_ARENA, 0, &pa) != MM_OK)
		return NULL;
	a = phys_to_virt(pa);
	memset(a, 0, ARENA_HDR);
	memset((uint8_t *)a + ARENA_HDR, HEAP_POISON, ARENA_SIZE - ARENA_HDR);
	a->magic = ARENA_MAGIC ^ (uintptr_t)a;
	a->cls = c;
	a->nfree = hc->nobj;
	words = (hc->nobj + 63) / 64;
	for (unsigned w = 0; w < words; w++)
		a->freemap[w] = ~0ULL;
	if (hc->nobj % 64)
		a->freemap[words - 1] = (1ULL << (hc->nobj % 64)) - 1;
	hc->arenas++;
	a->all_prev = NULL;
	a->all_next = hc->all;
	if (hc->all)
		hc->all->all_prev = a;
	hc->all = a;
	return a;
}

static void arena_release(struct arena *a)
{
	struct heap_class *hc = &heap.cls[a->cls];

	hc->arenas--;
	if (a->all_prev)
		a->all_prev->all_next = a->all_next;
	else
		hc->all = a->all_next;
	if (a->all_next)
		a->all_next->all_prev = a->all_prev;
	frame_free(virt_to_phys(a), ARENA_ORDER, FRAME_TAG_HEAP_ARENA);
}

static void *small_alloc(unsigned c)
{
	struct heap_class *hc = &heap.cls[c];
	struct arena *a;
	unsigned w, bit, i;
	uint8_t *p;

	spin_lock(&heap.lock);
	a = hc->cur;
	if (unlikely(!a || !a->nfree)) {
		a = hc->partial;
		if (a)
			list_remove(&hc->partial, a);
		else if (!(a = arena_new(c))) {
			hc->failed++;
			heap.failed++;
			spin_unlock(&heap.lock);
			return NULL;
		}
		hc->cur = a;
	}
	for (w = a->hint; !a->freemap[w]; w++)
		;
	bit = __builtin_ctzll(a->freemap[w]);
	a->freemap[w] &= a->freemap[w] - 1;
	a->hint = w;
	a->nfree--;
	i = w * 64 + bit;
	hc->allocs++;
	if (++hc->live > hc->peak)
		hc->peak = hc->live;
	heap.live_bytes += hc->size;
	if (heap.live_bytes > heap.peak_bytes)
		heap.peak_bytes = heap.live_bytes;
	spin_unlock(&heap.lock);

	p = (uint8_t *)a + ARENA_HDR + (size_t)i * hc->stride;
	if (unlikely(*(uint64_t *)p != POISON64(HEAP_POISON)))
		panic("kmalloc: heap object %p (%u bytes) was written after it "
		      "was freed (use after free)", p, hc->size);
#if HEAP_REDZONE
	((uint64_t *)(p + hc->size))[0] = POISON64(HEAP_REDZONE_BYTE);
	((uint64_t *)(p + hc->size))[1] = POISON64(HEAP_REDZONE_BYTE);
#endif
	return p;
}

static void *large_alloc(size_t size)
{
	unsigned order = 0;
	struct paddr pa;

	if (size > FRAME_ORDER_BYTES(FRAME_MAX_ORDER))
		goto fail;
	while (FRAME_ORDER_BYTES(order) < size)
		order++;
	spin_lock(&heap.lock);
	if (frame_alloc(order, FRAME_TAG_HEAP_LARGE, 0, &pa) != MM_OK) {
		spin_unlock(&heap.lock);
		goto fail;
	}
	heap.large_live++;
	heap.large_bytes += FRAME_ORDER_BYTES(order);
	if (heap.large_bytes > heap.large_peak_bytes)
		heap.large_peak_bytes = heap.large_bytes;
	heap.live_bytes += FRAME_ORDER_BYTES(order);
	if (heap.live_bytes > heap.peak_bytes)
		heap.peak_bytes = heap.live_bytes;
	spin_unlock(&heap.lock);
	return phys_to_virt(pa);
fail:
	spin_lock(&heap.lock);
	heap.large_failed++;
	heap.failed++;
	spin_unlock(&heap.lock);
	return NULL;
}

void *kmalloc(size_t size)
{
	assert(heap.ready);
	if (likely(size <= HEAP_MAX_SMALL))
		return small_alloc(size_to_class[(size + 15) / 16]);
	return large_alloc(size);
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *kcalloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		return NULL;
	return kzalloc(total);
}

/* Free a located small object. Lock held; released here. */
static void small_free(struct heap_loc *l)
{
	struct arena *a = l->arena;
	struct heap_class *hc = &heap.cls[a->cls];

#if HEAP_REDZONE
	const uint64_t *rz = (const uint64_t *)(l->obj + hc->size);
	if (unlikely(rz[0] != POISON64(HEAP_REDZONE_BYTE) ||
		     rz[1] != POISON64(HEAP_REDZONE_BYTE))) {
		spin_unlock(&heap.lock);
		panic("kfree(%p): heap overrun: the redzone after this %u-byte "
		      "object is corrupted (caller %p)", l->obj, hc->size,
		      l->caller);
	}
	memset(l->obj, HEAP_POISON, hc->size + HEAP_RZ);
#else
	memset(l->obj, HEAP_POISON, hc->size);
#endif
	a->freemap[l->idx / 64] |= 1ULL << (l->idx % 64);
	if (l->idx / 64 < a->hint)
		a->hint = l->idx / 64;
	a->nfree++;
	hc->live--;
	heap.live_bytes -= hc->size;
	if (a != hc->cur) {
		if (a->nfree == 1)
			list_add(&hc->partial, a);
		if (a->nfree == hc->nobj) {
			list_remove(&hc->partial, a);
			arena_release(a);
		}
	}
	spin_unlock(&heap.lock);
}

static void large_free(struct heap_loc *l)
{
	uint64_t bytes = FRAME_ORDER_BYTES(l->order);

	heap.large_live--;
	heap.large_bytes -= bytes;
	heap.live_bytes -= bytes;
	frame_free(virt_to_phys(l->obj), l->order, FRAME_TAG_HEAP_LARGE);
	spin_unlock(&heap.lock);
}

__attribute__((noinline))
void kfree(void *p)
{
	struct heap_loc l;

	heap_locate(p, "kfree", __builtin_return_address(0), &l);
	if (likely(l.arena))
		small_free(&l);
	else
		large_free(&l);
}

static size_t loc_size(const struct heap_loc *l)
{
	return l->arena ? heap.cls[l->arena->cls].size
			: FRAME_ORDER_BYTES(l->order);
}

__attribute__((noinline))
size_t ksize(const void *p)
{
	struct heap_loc l;
	size_t n;

	heap_locate(p, "ksize", __builtin_return_address(0), &l);
	n = loc_size(&l);
	spin_unlock(&heap.lock);
	return n;
}

__attribute__((noinline))
void *krealloc(void *p, size_t size)
{
	struct heap_loc l;
	size_t old;
	void *q;

	if (!p)
		return kmalloc(size);
	heap_locate(p, "krealloc", __builtin_return_address(0), &l);
	old = loc_size(&l);
	spin_unlock(&heap.lock);
	if (size == 0) {
		kfree(p);
		return NULL;
	}
	if (size <= old && (size > HEAP_MAX_SMALL || old <= HEAP_MAX_SMALL))
		return p;
	q = kmalloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, MIN(old, size));
	kfree(p);
	return q;
}

void heap_trim(void)
{
	spin_lock(&heap.lock);
	for (unsigned c = 0; c < HEAP_NCLASSES; c++) {
		struct heap_class *hc = &heap.cls[c];
		struct arena *a = hc->cur;

		if (a && a->nfree == hc->nobj) {
			hc->cur = NULL;
			arena_release(a);
		}
	}
	spin_unlock(&heap.lock);
}

void heap_get_stats(struct heap_stats *st)
{
	memset(st, 0, sizeof(*st));
	spin_lock(&heap.lock);
	st->live_bytes = heap.live_bytes;
	st->peak_bytes = heap.peak_bytes;
	st->failed = heap.failed;
	st->large_live = heap.large_live;
	st->large_bytes = heap.large_bytes;
	st->large_peak_bytes = heap.large_peak_bytes;
	st->large_failed = heap.large_failed;
	for (unsigned c = 0; c < HEAP_NCLASSES; c++) {
		const struct heap_class *hc = &heap.cls[c];
		st->cls[c] = (struct heap_class_stats){
			.size = class_size[c], .arenas = hc->arenas,
			.live = hc->live, .peak = hc->peak,
			.allocs = hc->allocs, .failed = hc->failed,
		};
		st->live_objects += hc->live;
	}
	spin_unlock(&heap.lock);
}
