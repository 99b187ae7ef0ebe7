/*
 * mm/heap_check.c - the heap's validation: what kfree accepts, and the
 * message for everything it refuses; heap_verify() for tests.
 */
#include "mm/heap_impl.h"
#include "lib/lib.h"

static uintptr_t image_start, image_end;

void mm_set_image_range(uintptr_t start, uintptr_t end)
{
	image_start = start;
	image_end = end;
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
	struct heap_class *hc;
	struct arena *a;
	uint32_t off;

	l->caller = caller;
	l->obj = (uint8_t *)p;
	l->arena = NULL;
	if (unlikely(!p))
		panic("%s(NULL): null pointer (caller %p)", op, caller);
	if (unlikely(va >= image_start && va < image_end))
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
	hc = &heap.cls[a->cls];
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
	if (a->freemap[l->idx / 64] & (1ULL << (l->idx % 64)))
		LOCATE_PANIC("%s(%p): double free: this %u-byte heap object is "
			     "already free (caller %p)", op, p, hc->size, caller);
	l->arena = a;
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

static bool arena_verify(const struct heap_class *hc, unsigned c,
			 const struct arena *a, uint64_t *live)
{
	unsigned nfree = 0;

	if (a->magic != (ARENA_MAGIC ^ (uintptr_t)a) || a->cls != c ||
	    frame_block_tag(virt_to_phys(a), ARENA_ORDER) !=
		    FRAME_TAG_HEAP_ARENA) {
		printk("heap_verify: arena %p header corrupt\n", (void *)a);
		return false;
	}
	for (unsigned i = 0; i < hc->nobj; i++) {
		const uint8_t *o = (const uint8_t *)a + ARENA_HDR + i * hc->stride;
		bool is_free = a->freemap[i / 64] & (1ULL << (i % 64));

		if (is_free) {
			nfree++;
			if (i / 64 < a->hint ||
			    !all_bytes(o, HEAP_POISON, hc->size)) {
				printk("heap_verify: free object %p lost its "
				       "poison\n", (const void *)o);
				return false;
			}
		} else if (!all_bytes(o + hc->size, HEAP_REDZONE_BYTE, HEAP_RZ)) {
			printk("heap_verify: redzone after %p corrupt\n",
			       (const void *)o);
			return false;
		}
	}
	for (unsigned i = hc->nobj; i < ARENA_MAXOBJ; i++)
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
	*live += hc->nobj - nfree;
	return true;
}

bool heap_verify(void)
{
	bool ok = true;

	spin_lock(&heap.lock);
	for (unsigned c = 0; c < HEAP_NCLASSES && ok; c++) {
		const struct heap_class *hc = &heap.cls[c];
		uint64_t live = 0;
		unsigned n = 0;

		for (const struct arena *a = hc->all; a && ok; a = a->all_next) {
			ok = arena_verify(hc, c, a, &live);
			n++;
		}
		if (ok && (live != hc->live || n != hc->arenas)) {
			printk("heap_verify: class %u: %llu live (stats %llu), "
			       "%u arenas (stats %u)\n", hc->size,
			       (unsigned long long)live,
			       (unsigned long long)hc->live, n, hc->arenas);
			ok = false;
		}
	}
	spin_unlock(&heap.lock);
	return ok;
}
