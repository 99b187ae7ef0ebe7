/*
 * mm/heap_check.c - the heap's validation: what kfree accepts, and the
 * message for everything it refuses; heap_verify() for tests.
 */
#include "mm/heap_impl.h"
#include "lib/lib.h"

uintptr_t heap_image_start, heap_image_end;

void mm_set_image_range(uintptr_t start, uintptr_t end)
{
	heap_image_start = start;
	heap_image_end = end;
}

bool heap_cached(unsigned c, const void *obj)
{
	for (unsigned i = 0; i < heap.ncpus; i++) {
		const struct heap_mag *m = &heap_cpus[i].mag[c];
		for (unsigned k = 0; k < MIN(READ_ONCE(m->n), HEAP_MAG); k++)
			if (READ_ONCE(m->obj[k]) == obj)
				return true;
	}
	return false;
}

#define LOCATE_PANIC(...)                                                    \
	do {                                                                 \
		spin_unlock(&heap.lock);                                     \
		panic(__VA_ARGS__);                                          \
	} while (0)

/* Not in an arena: a large block, or some misuse. Lock held. */
static void locate_large(const void *p, const char *op, struct paddr pa,
			 struct heap_loc *l)
{
	enum frame_tag tag;
	struct paddr block;
	unsigned order;

	if (frame_owner(pa, &tag, &block, &order) != MM_OK)
		LOCATE_PANIC("%s(%p): outside the pool (caller %p)", op, p,
			     l->caller);
	if (tag == FRAME_TAG_HEAP_LARGE) {
		if (block.pa != pa.pa)
			LOCATE_PANIC("%s(%p): interior pointer, %llu bytes into "
				     "the large heap block at %p (caller %p)",
				     op, p,
				     (unsigned long long)(pa.pa - block.pa),
				     phys_to_virt(block), l->caller);
		l->order = order;
		return;
	}
	if (tag == FRAME_TAG_FREE)
		LOCATE_PANIC("%s(%p): double free: the memory is free in the "
			     "frame domain (caller %p)", op, p, l->caller);
	if (tag == FRAME_TAG_STACK)
		LOCATE_PANIC("%s(%p): a stack address (frame block tagged stack"
			     " at %#llx), not a heap object (caller %p)", op, p,
			     (unsigned long long)block.pa, l->caller);
	LOCATE_PANIC("%s(%p): a frame of tag %s (frame domain block %#llx "
		     "order %u), not a heap object (caller %p)", op, p,
		     frame_tag_name(tag), (unsigned long long)block.pa, order,
		     l->caller);
}

void heap_locate(const void *p, const char *op, void *caller,
		 struct heap_loc *l)
{
	uintptr_t va = (uintptr_t)p;
	struct paddr pa, arena_pa;
	const struct class_info *hc;
	struct arena *a;
	uint32_t off;

	l->caller = caller;
	l->obj = (uint8_t *)p;
	l->arena = NULL;
	if (unlikely(!p))
		panic("%s(NULL): null pointer (caller %p)", op, caller);
	if (unlikely(va >= heap_image_start && va < heap_image_end))
		panic("%s(%p): pointer into the hypervisor image (static data "
		      "or boot stack), not a heap object (caller %p)", op, p,
		      caller);
	if (unlikely(!mm_is_direct_map(p)))
		panic("%s(%p): not in the direct map: not a heap pointer "
		      "(caller %p)", op, p, caller);
	pa = virt_to_phys(p);
	if (unlikely(!frame_pool_contains(pa)))
		panic("%s(%p): outside the hypervisor pool: not a heap pointer "
		      "(caller %p)", op, p, caller);
	arena_pa = PADDR(ALIGN_DOWN(pa.pa, ARENA_SIZE));

	spin_lock(&heap.lock);
	if (frame_block_tag(arena_pa, ARENA_ORDER) != FRAME_TAG_HEAP_ARENA) {
		locate_large(p, op, pa, l);
		return;
	}
	a = phys_to_virt(arena_pa);
	if (a->magic != (ARENA_MAGIC ^ (uintptr_t)a))
		LOCATE_PANIC("%s(%p): heap arena %p has a corrupted header "
			     "(caller %p)", op, p, (void *)a, caller);
	if (a->cls >= HEAP_NCLASSES)
		LOCATE_PANIC("%s(%p): heap arena %p has a corrupted header "
			     "(caller %p)", op, p, (void *)a, caller);
	hc = &class_info[a->cls];
	off = (uint32_t)(pa.pa - arena_pa.pa);
	if (off < ARENA_HDR)
		LOCATE_PANIC("%s(%p): interior pointer into the header of heap "
			     "arena %p (caller %p)", op, p, (void *)a, caller);
	off -= ARENA_HDR;
	l->idx = (uint32_t)(((uint64_t)off * hc->recip) >> 32);
	if (l->idx >= hc->nobj)
		LOCATE_PANIC("%s(%p): interior pointer into the unused tail of "
			     "heap arena %p (caller %p)", op, p, (void *)a,
			     caller);
	if (off != l->idx * hc->stride)
		LOCATE_PANIC("%s(%p): interior pointer, %u bytes into the "
			     "%u-byte heap object at %p (caller %p)", op, p,
			     off - l->idx * hc->stride, hc->size,
			     (uint8_t *)a + ARENA_HDR + l->idx * hc->stride,
			     caller);
	if ((a->freemap[l->idx / 64] & (1ULL << (l->idx % 64))) ||
	    (!heap_obj_intact(l->obj, hc->size) && heap_cached(a->cls, p)))
		LOCATE_PANIC("%s(%p): double free: this %u-byte heap object is "
			     "already free (caller %p)", op, p, hc->size, caller);
	l->arena = a;
	l->cls = a->cls;
}

/* ---- heap_verify ---------------------------------------------------------- */

/* n is a multiple of 8 and p 8-byte aligned (object sizes, redzones). */
static bool all_bytes(const uint8_t *p, uint8_t b, size_t n)
{
	const uint64_t *q = (const uint64_t *)p;

	for (size_t i = 0; i < n / 8; i++)
		if (q[i] != POISON64(b))
			return false;
	return true;
}

/* The cached objects of one arena, as a bitmap (heap_verify, lock held). */
static uint64_t cached_map[(ARENA_MAXOBJ + 63) / 64];

/* Fill cached_map for arena a of class c from every CPU's cache; count
 * them in *n. False on an entry that is not at a slot or is there twice. */
static bool mark_cached(const struct arena *a, unsigned c, unsigned *n)
{
	const struct class_info *ci = &class_info[c];

	memset(cached_map, 0, sizeof(cached_map));
	*n = 0;
	for (unsigned i = 0; i < heap.ncpus; i++) {
		const struct heap_mag *m = &heap_cpus[i].mag[c];

		for (unsigned k = 0; k < m->n; k++) {
			uintptr_t o = (uintptr_t)m->obj[k];
			uint32_t off, idx;

			if (heap_obj_arena((void *)o) != a)
				continue;
			off = (uint32_t)(o - (uintptr_t)a) - ARENA_HDR;
			idx = off / ci->stride;
			if (idx >= ci->nobj || off % ci->stride ||
			    (cached_map[idx / 64] & (1ULL << (idx % 64)))) {
				printk("heap_verify: cpu %u cache entry %p bad "
				       "or duplicated\n", i, (void *)o);
				return false;
			}
			cached_map[idx / 64] |= 1ULL << (idx % 64);
			(*n)++;
		}
	}
	return true;
}

static bool arena_verify(const struct class_info *ci, unsigned c,
			 const struct arena *a, uint64_t *live,
			 uint64_t *cached)
{
	unsigned nfree = 0, ncached;

	if (a->magic != (ARENA_MAGIC ^ (uintptr_t)a) || a->cls != c ||
	    frame_block_tag(virt_to_phys(a), ARENA_ORDER) !=
		    FRAME_TAG_HEAP_ARENA) {
		printk("heap_verify: arena %p header corrupt\n", (void *)a);
		return false;
	}
	if (!mark_cached(a, c, &ncached))
		return false;
	for (unsigned i = 0; i < ci->nobj; i++) {
		const uint8_t *o = (const uint8_t *)a + ARENA_HDR + i * ci->stride;
		bool is_free = a->freemap[i / 64] & (1ULL << (i % 64));
		bool is_cached = cached_map[i / 64] & (1ULL << (i % 64));

		if (is_free && is_cached) {
			printk("heap_verify: object %p is cached and free in "
			       "its arena\n", (const void *)o);
			return false;
		}
		if (is_free || is_cached) {
			nfree += is_free;
			if ((is_free && i / 64 < a->hint) ||
			    !all_bytes(o, HEAP_POISON, ci->poison) ||
			    !all_bytes(o + ci->size, HEAP_POISON, HEAP_RZ)) {
				printk("heap_verify: %s object %p lost its "
				       "poison\n", is_free ? "free" : "cached",
				       (const void *)o);
				return false;
			}
		} else if (!all_bytes(o + ci->size, HEAP_REDZONE_BYTE, HEAP_RZ)) {
			printk("heap_verify: redzone after %p corrupt\n",
			       (const void *)o);
			return false;
		}
	}
	for (unsigned i = ci->nobj; i < ARENA_MAXOBJ; i++)
		if (a->freemap[i / 64] & (1ULL << (i % 64))) {
			printk("heap_verify: arena %p bitmap tail set\n",
			       (const void *)a);
			return false;
		}
	if (nfree != a->nfree) {
		printk("heap_verify: arena %p counts %u free, bitmap %u\n",
		       (const void *)a, a->nfree, nfree);
		return false;
	}
	*live += ci->nobj - nfree - ncached;
	*cached += ncached;
	return true;
}

bool heap_verify(void)
{
	bool ok = true;

	spin_lock(&heap.lock);
	for (unsigned c = 0; c < HEAP_NCLASSES && ok; c++) {
		const struct class_info *ci = &class_info[c];
		uint64_t live = 0, cached = 0, in_caches = 0;
		unsigned n = 0;

		for (const struct arena *a = heap.cls[c].all; a && ok;
		     a = a->all_next) {
			ok = arena_verify(ci, c, a, &live, &cached);
			n++;
		}
		for (unsigned i = 0; i < heap.ncpus; i++)
			in_caches += heap_cpus[i].mag[c].n;
		if (ok && (live != heap_class_live(c) || cached != in_caches ||
			   n != heap.cls[c].arenas)) {
			printk("heap_verify: class %u: %llu live (stats %llu), "
			       "%llu cached (caches hold %llu), %u arenas "
			       "(stats %u)\n", ci->size,
			       (unsigned long long)live,
			       (unsigned long long)heap_class_live(c),
			       (unsigned long long)cached,
			       (unsigned long long)in_caches, n,
			       heap.cls[c].arenas);
			ok = false;
		}
	}
	spin_unlock(&heap.lock);
	return ok;
}
