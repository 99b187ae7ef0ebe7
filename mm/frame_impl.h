/*
 * mm/frame_impl.h - private to mm/frame*.c: the frame pool's layout.
 * Not part of the mm/ interface; include mm/mm.h instead.
 */
#ifndef MM_FRAME_IMPL_H
#define MM_FRAME_IMPL_H

#include "mm/mm.h"

#define NIL 0xFFFFFFu                 /* 24-bit "no frame" link */
#define MAX_FRAMES ((uint64_t)NIL)    /* 64 GiB of pool */
#define TAG_FREEING 0xFE              /* free in progress: being poisoned */

/* Software-only layout (never read by hardware), so bitfields are fine. */
struct frame_desc {
	uint64_t next : 24;   /* free list link (frame index) */
	uint64_t prev : 24;
	uint64_t order : 5;
	uint64_t head : 1;    /* first frame of a block */
	uint64_t pinned : 1;  /* head of a live block: frame_pin() */
	uint64_t reserved : 1;
	uint64_t tag : 8;     /* enum frame_tag, TAG_FREEING */
};
_Static_assert(sizeof(struct frame_desc) == 8, "descriptor is 8 bytes");

struct frame_pool {
	struct spinlock lock;
	uint64_t base_pfn, nframes;
	struct frame_desc *desc;
	uint32_t free_head[FRAME_MAX_ORDER + 1];
	struct frame_stats st;
};

extern struct frame_pool frame_pool;

static inline uint64_t idx_to_pa(uint64_t idx)
{
	return (frame_pool.base_pfn + idx) << FRAME_SHIFT;
}

static inline void *idx_to_virt(uint64_t idx)
{
	return phys_to_virt(PADDR(idx_to_pa(idx)));
}

#endif
