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

/* At the start of every arena; objects follow at offset ARENA_HDR. */
struct arena {
	uint64_t magic;                  /* ARENA_MAGIC ^ address */
	struct arena *next, *prev;       /* class partial list */
	struct arena *all_next, *all_prev; /* every arena of the class */
	uint16_t cls;
	uint16_t nfree;
	uint16_t hint;                   /* lowest freemap word with a 1 */
	uint16_t reserved;
	uint64_t freemap[(ARENA_MAXOBJ + 63) / 64]; /* 1 = free */
};
_Static_assert(sizeof(struct arena) <= ARENA_HDR, "arena header too big");
_Static_assert(ARENA_HDR % HEAP_ALIGN == 0, "objects stay aligned");

struct heap_class {
	struct arena *cur;       /* allocations come from here */
	struct arena *partial;   /* arenas with free objects, except cur */
	struct arena *all;
	uint32_t size, stride, nobj, recip;
	uint32_t arenas;
	uint64_t live, peak, allocs, failed;
};

struct heap {
	struct spinlock lock;
	bool ready;
	uint64_t live_bytes, peak_bytes, failed;
	uint64_t large_live, large_bytes, large_peak_bytes, large_failed;
	struct heap_class cls[HEAP_NCLASSES];
};

extern struct heap heap;

/* A validated heap object: small (arena != NULL, slot idx) or large. */
struct heap_loc {
	uint8_t *obj;
	struct arena *arena;
	unsigned idx;
	unsigned order;       /* large only */
	void *caller;
};

/* heap_locate - validate p as the start of a live heap object for
 * operation op ("kfree", ...). Returns with heap.lock held and *l filled;
 * panics, naming the misuse, otherwise (mm/heap_check.c). */
void heap_locate(const void *p, const char *op, void *caller,
		 struct heap_loc *l);

#endif
