/*
 * mm/heap_impl.h - private to mm/heap*.c: the heap's internal layout.
 * Not part of the mm/ interface; include mm/mm.h instead.
 */
#ifndef MM_HEAP_IMPL_H
#define MM_HEAP_IMPL_H

#include "mm/mm.h"

#define ARENA_ORDER   4                               /* 64 KiB */
#define ARENA_SIZE    FRAME_ORDER_BYTES(ARENA_ORDER)
#define ARENA_HDR     640                             /* header, rounded */
#define ARENA_MAXOBJ  ((ARENA_SIZE - ARENA_HDR) / 16)
#define ARENA_MAGIC   0x48454150415245E4ULL           /* xor arena address */
#define HEAP_RZ       (HEAP_REDZONE ? 16 : 0)
#define POISON64(b)   (0x0101010101010101ULL * (uint8_t)(b))
#define MAG_HALF      (HEAP_MAG / 2)  /* objects moved per refill / flush */
/* A refill takes MAG_HALF objects, but no more than this many bytes'
 * worth (at least one): every CPU's first allocation of a big class
 * would otherwise park 16 objects (33 KiB of 2 KiB ones) in its cache,
 * which over hundreds of CPUs is most of the pool (docs/memory.md). */
#define REFILL_BYTES  4096

/* At the start of every arena; objects follow at offset ARENA_HDR. */
struct arena {
	uint64_t magic;                  /* ARENA_MAGIC ^ address */
	struct arena *next, *prev;       /* class partial list */
	struct arena *all_next, *all_prev; /* every arena of the class */
	uint16_t cls;
	uint16_t nfree;                  /* free in the bitmap */
	uint16_t hint;                   /* lowest freemap word with a 1 */
	uint16_t reserved;
	uint64_t freemap[(ARENA_MAXOBJ + 63) / 64]; /* 1 = free */
};
_Static_assert(sizeof(struct arena) <= ARENA_HDR, "arena header too big");
_Static_assert(ARENA_HDR % HEAP_ALIGN == 0, "objects stay aligned");

/* A class's constants, read-only after heap_init (no false sharing with
 * the lock-protected state). */
struct class_info {
	uint32_t size, stride, nobj, recip;
	uint32_t poison;         /* head bytes kfree poisons (stride: all) */
	uint32_t refill;         /* objects a refill takes (heap_init) */
};

/* A class's arenas. Under heap.lock. */
struct heap_class {
	struct arena *cur;       /* refills come from here */
	struct arena *partial;   /* arenas with free objects, except cur */
	struct arena *all;
	uint32_t arenas;
	uint64_t failed;
};

/*
 * One CPU's cache of one class: a stack of free, poisoned objects
 * that are allocated in their arena's bitmap. Touched only by its CPU
 * (the hypervisor runs with interrupts off and NMI handlers never
 * allocate), except by heap_verify and the double-free search, which only
 * read. The counters are this CPU's share of the class statistics.
 */
struct heap_mag {
	uint32_t n;
	uint32_t reserved;
	int64_t live;            /* kmallocs minus kfrees on this CPU */
	uint64_t allocs;
	uint64_t peak;           /* highest class total this CPU observed */
	void *obj[HEAP_MAG];
};

struct heap_cpu {
	int64_t live_bytes;      /* small objects, this CPU's share */
	uint64_t peak_bytes;     /* highest heap total this CPU observed */
	struct heap_mag mag[HEAP_NCLASSES];
} __attribute__((aligned(64)));

struct heap {
	struct spinlock lock;
	bool ready;
	uint32_t ncpus;          /* CPU indexes seen so far: 0..ncpus-1 */
	uint64_t peak_bytes, failed;
	uint64_t large_live, large_bytes, large_peak_bytes, large_failed;
	struct heap_class cls[HEAP_NCLASSES];
};

extern struct heap heap;
extern struct heap_cpu *heap_cpus;      /* heap_cpu_cap entries */
extern unsigned heap_cpu_cap;
extern struct class_info class_info[HEAP_NCLASSES];
extern uint8_t heap_size_class[HEAP_MAX_SMALL / 16 + 1];
extern uintptr_t heap_image_start, heap_image_end;  /* mm_set_image_range */

/* A validated heap object: small (arena != NULL, slot idx) or large. */
struct heap_loc {
	uint8_t *obj;
	struct arena *arena;
	unsigned idx;
	unsigned cls;         /* small only */
	unsigned order;       /* large only */
	void *caller;
};

/* heap_locate - validate p as the start of a live heap object for
 * operation op ("kfree", ...): not free in its arena's bitmap and not in
 * any CPU's cache. Returns with heap.lock held and *l filled; panics,
 * naming the misuse, otherwise (mm/heap_check.c). */
void heap_locate(const void *p, const char *op, void *caller,
		 struct heap_loc *l);

/* heap_cached - whether obj sits in some CPU's cache of class c (a
 * freed object). Lock held; O(CPUs * HEAP_MAG). */
bool heap_cached(unsigned c, const void *obj);

/* Lock-free look-up for kfree's fast path: true when p is the start of an
 * object that is allocated in its arena's bitmap. Anything unusual returns
 * false and the caller takes heap_locate(), which names the misuse. For a
 * live object the answer cannot change under us: its arena cannot go away
 * and its bit is only changed by whoever frees it. */
static inline bool heap_fast_locate(const void *p, struct heap_loc *l)
{
	uint64_t pa = (uint64_t)(uintptr_t)p - mm_direct_map_offset;
	uint64_t arena_pa = pa & ~(uint64_t)(ARENA_SIZE - 1);
	const struct class_info *ci;
	struct arena *a;
	uint32_t off, idx;

	if (unlikely((uintptr_t)p - heap_image_start <
		     heap_image_end - heap_image_start))
		return false;
	if (unlikely(pa >= mm_direct_map_size) ||
	    unlikely(frame_block_tag(PADDR(arena_pa), ARENA_ORDER) !=
		     FRAME_TAG_HEAP_ARENA))
		return false;
	a = (struct arena *)(uintptr_t)(arena_pa + mm_direct_map_offset);
	if (unlikely(a->magic != (ARENA_MAGIC ^ (uintptr_t)a)) ||
	    unlikely(a->cls >= HEAP_NCLASSES))
		return false;
	ci = &class_info[a->cls];
	off = (uint32_t)(pa - arena_pa) - ARENA_HDR;   /* wraps if in header */
	idx = (uint32_t)(((uint64_t)off * ci->recip) >> 32);
	if (unlikely(idx >= ci->nobj) || unlikely(off != idx * ci->stride))
		return false;
	if (unlikely(READ_ONCE(a->freemap[idx / 64]) & (1ULL << (idx % 64))))
		return false;
	l->obj = (uint8_t *)p;
	l->arena = a;
	l->idx = idx;
	l->cls = a->cls;
	return true;
}

/* The arena holding a small object (arenas are aligned physically). */
static inline struct arena *heap_obj_arena(const void *obj)
{
	uint64_t pa = (uint64_t)(uintptr_t)obj - mm_direct_map_offset;

	return (struct arena *)(uintptr_t)((pa & ~(uint64_t)(ARENA_SIZE - 1)) +
					   mm_direct_map_offset);
}

/* Whether a located small object is intact: its redzone unbroken (with
 * redzones), or its first word not poison (without; a live object that
 * happens to start with poison only takes the slow path). False for every
 * object in a cache. */
static inline bool heap_obj_intact(const uint8_t *obj, unsigned size)
{
#if HEAP_REDZONE
	const uint64_t *rz = (const uint64_t *)(obj + size);
	return rz[0] == POISON64(HEAP_REDZONE_BYTE) &&
	       rz[1] == POISON64(HEAP_REDZONE_BYTE);
#else
	(void)size;
	return *(const uint64_t *)obj != POISON64(HEAP_POISON);
#endif
}

/* Fill n bytes (a multiple of 16, p 16-byte aligned) with HEAP_POISON,
 * with general-register stores only (the kernel has no SIMD), the same
 * code in the kernel and on the host: a store loop up to 256 bytes, where
 * the string instruction's start-up cost dominates, rep stosq above. */
static inline void heap_poison(void *p, size_t n)
{
	uint64_t v = POISON64(HEAP_POISON);

	if (n <= 256) {
		for (uint8_t *q = p, *e = q + n; q < e; q += 16)
			__asm__ __volatile__("movq %1, (%0)\n\tmovq %1, 8(%0)"
					     : : "r"(q), "r"(v) : "memory");
	} else {
		size_t words = n / 8;

		__asm__ __volatile__("rep stosq"
				     : "+D"(p), "+c"(words)
				     : "a"(v)
				     : "memory");
	}
}

/* Whether the first HEAP_POISON_MIN bytes of a cached object (always
 * poisoned, one aligned 16-byte unit) still hold the poison: kmalloc's
 * use-after-free check. */
static inline bool heap_head_poisoned(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;

	_Static_assert(HEAP_POISON_MIN == 16, "two words");
	return !((w[0] ^ POISON64(HEAP_POISON)) |
		 (w[1] ^ POISON64(HEAP_POISON)));
}

/* Poison a freed object of class ci the way heap_init chose: its head
 * (the whole object when it is small enough) and its redzone. */
static inline void heap_poison_freed(uint8_t *obj, const struct class_info *ci)
{
	heap_poison(obj, ci->poison);
#if HEAP_REDZONE
	if (ci->poison < ci->stride) {
		((uint64_t *)(obj + ci->size))[0] = POISON64(HEAP_POISON);
		((uint64_t *)(obj + ci->size))[1] = POISON64(HEAP_POISON);
	}
#endif
}

/* Sums of the per-CPU shares (CPUs 0..heap.ncpus-1). */
static inline uint64_t heap_class_live(unsigned c)
{
	int64_t t = 0;

	for (unsigned i = 0; i < READ_ONCE(heap.ncpus); i++)
		t += READ_ONCE(heap_cpus[i].mag[c].live);
	return (uint64_t)t;
}

static inline uint64_t heap_small_bytes(void)
{
	int64_t t = 0;

	for (unsigned i = 0; i < READ_ONCE(heap.ncpus); i++)
		t += READ_ONCE(heap_cpus[i].live_bytes);
	return (uint64_t)t;
}

/* Slow paths (mm/heap.c), lock taken inside. */
bool heap_refill(struct heap_cpu *cpu, unsigned idx, unsigned c);
void heap_flush_push(struct heap_cpu *cpu, unsigned idx, unsigned c,
		     void *obj);
void heap_free_located(struct heap_loc *l, struct heap_cpu *cpu,
		       unsigned idx);
void *heap_large_alloc(size_t size);
/* Record that CPU idx uses the heap. Lock held. */
void heap_register_cpu(unsigned idx);

#endif
