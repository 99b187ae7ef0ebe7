/*
 * mm/mm.h - the hypervisor's memory: two ownership domains and the one
 * place where they meet.
 *
 *   Frame domain (mm/frame.c): a buddy allocator over the hypervisor's pool.
 *     Handles are `struct paddr`, never pointers. Every block carries an
 *     owner tag; frame_free() checks range, alignment, order and tag.
 *   Heap domain (mm/heap.c): kmalloc/kfree on size-class slabs that live in
 *     frame blocks tagged FRAME_TAG_HEAP_ARENA; big requests take whole
 *     blocks tagged FRAME_TAG_HEAP_LARGE. kfree() accepts nothing but the
 *     start of a live heap object.
 *   The direct map (phys_to_virt / virt_to_phys below) is the only
 *   conversion between the two worlds.
 *
 * Pool choice (mm/pool.c) is a pure function of the firmware memory map.
 * See docs/memory.md for the design and every check.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include "kernel/kernel.h"

/* ---- status codes (0 is success) ---------------------------------------- */
#define MM_OK       0
#define MM_ENOENT   (-2)   /* no range fits (mm_pick_pool) */
#define MM_ENOMEM   (-12)  /* out of memory: a normal result, handle it */
#define MM_EINVAL   (-22)  /* bad argument */

/* ---- physical addresses and the direct map --------------------------------- */

/* A physical address. A distinct type so that frames and heap pointers can
 * never be mixed up silently. */
struct paddr {
	uint64_t pa;
};

#define PADDR(x) ((struct paddr){ (uint64_t)(x) })

/* The direct map: physical address pa is mapped at pa + mm_direct_map_offset
 * for pa < mm_direct_map_size. The kernel sets the offset to
 * 0xFFFF800000000000 before frame_init(); host tests point it into a
 * buffer that simulates the pool. */
extern uint64_t mm_direct_map_offset;
extern uint64_t mm_direct_map_size;

static inline bool mm_is_direct_map(const void *va)
{
	return (uint64_t)(uintptr_t)va - mm_direct_map_offset <
	       mm_direct_map_size;
}

static inline void *phys_to_virt(struct paddr p)
{
	assert(p.pa < mm_direct_map_size);
	return (void *)(uintptr_t)(p.pa + mm_direct_map_offset);
}

static inline struct paddr virt_to_phys(const void *va)
{
	assert(mm_is_direct_map(va));
	return PADDR((uint64_t)(uintptr_t)va - mm_direct_map_offset);
}

/* The hypervisor image's virtual range, so kfree() can name a pointer into
 * it (static data, the boot stack). Set once at bring-up. */
void mm_set_image_range(uintptr_t start, uintptr_t end);

/* ---- frame domain --------------------------------------------------------- */

#define FRAME_SHIFT      12
#define FRAME_SIZE       (1ULL << FRAME_SHIFT)
#define FRAME_MAX_ORDER  18                      /* 4 KiB << 18 = 1 GiB */
#define FRAME_ORDER_BYTES(o) (FRAME_SIZE << (o))

/* Owner tags. FRAME_TAG_FREE marks free blocks; FRAME_TAG_MM_META is the
 * allocator's own descriptor array. Names: frame_tag_name(). */
enum frame_tag {
	FRAME_TAG_FREE = 0,
	FRAME_TAG_MM_META,      /* frame descriptors (carved from the pool) */
	FRAME_TAG_HEAP_ARENA,   /* slab arenas of the heap domain */
	FRAME_TAG_HEAP_LARGE,   /* large kmalloc blocks (heap-owned) */
	FRAME_TAG_VMCB,         /* APM Vol. 2, 15.5.1 */
	FRAME_TAG_HSAVE,        /* VM_HSAVE_PA area, APM Vol. 2, 15.30.4 */
	FRAME_TAG_HOST_STATE,   /* VMLOAD/VMSAVE host page */
	FRAME_TAG_NPT,          /* nested page tables */
	FRAME_TAG_IOPM,         /* APM Vol. 2, 15.10.1 */
	FRAME_TAG_MSRPM,        /* APM Vol. 2, 15.11 */
	FRAME_TAG_STACK,        /* hypervisor stacks */
	FRAME_TAG_PAGETABLE,    /* host page tables */
	FRAME_TAG_TRAMPOLINE,   /* AP start-up trampoline */
	FRAME_TAG_NET,          /* network buffers */
	FRAME_TAG_ACPI_COPY,    /* copied ACPI tables */
	FRAME_TAG_GUEST_INFO,   /* guest boot information */
	FRAME_TAG_TEST,         /* self-tests */
	FRAME_TAG_NIC,          /* NIC descriptor rings and packet buffers (pinned: DMA) */
	FRAME_TAG_IOMMU,        /* AMD-Vi device table, rings (iommu/) */
	FRAME_TAG_IOPT,         /* AMD-Vi I/O page tables (iommu/) */
	FRAME_TAG_COUNT,
	FRAME_TAG_NONE = 0xFF,  /* "no block here" (frame_block_tag) */
};

const char *frame_tag_name(enum frame_tag tag);

/* frame_alloc flags */
#define FRAME_ZERO  BIT(0)   /* zero the block */

/* Free frames are filled with this byte; heap objects with HEAP_POISON. */
#define FRAME_POISON  0xDF

/*
 * frame_init - take over the pool [pool_base, pool_base + pool_size).
 * pool_base must be 2 MiB aligned and the range mapped by the direct map;
 * pool_size is rounded down to 4 KiB and must leave room for the
 * descriptors (8 bytes per 4 KiB frame, carved from the top of the pool
 * and tagged FRAME_TAG_MM_META). The rest is covered by maximal aligned
 * blocks and poisoned. Returns MM_OK or MM_EINVAL. Not thread-safe: call
 * once at bring-up (tests call it again to reset).
 */
int frame_init(struct paddr pool_base, uint64_t pool_size);

/*
 * frame_alloc - allocate a block of 4 KiB << order bytes, aligned to its
 * size, owned by tag. Returns MM_OK and stores the block in *out,
 * MM_ENOMEM when no block is free (counted as a failure), MM_EINVAL for an
 * order above FRAME_MAX_ORDER or a tag that is not an owner. Panics if the
 * block's poison shows it was written while free. O(log n). SMP-safe.
 */
int frame_alloc(unsigned order, enum frame_tag tag, unsigned flags,
		struct paddr *out);

/*
 * frame_free - give back a block from frame_alloc with the same order and
 * tag. Panics, naming the caller, the tag found and the tag expected, on:
 * a null address, an address outside the pool, a misaligned address, an
 * address inside a block, a double free, a wrong order, a foreign tag, a
 * pinned block (premature free, frame_pin).
 * Poisons the block and merges buddies. O(log n). SMP-safe.
 */
void frame_free(struct paddr pa, unsigned order, enum frame_tag tag);

/*
 * frame_pin / frame_unpin - mark a live block as referenced by something
 * frame_free cannot see: a physical address handed to the CPU (VM_HSAVE_PA,
 * the VMCB a vCPU runs, the NPT root, IOPM and MSRPM in a VMCB) or to
 * another CPU. frame_free of a pinned block is a premature free and panics
 * ("premature free", naming the caller and the tag), which is what keeps a
 * block from going back to the pool while the hardware still uses it. The
 * address, order and tag are checked as frame_free checks them; pinning a
 * pinned block or unpinning an unpinned one panics. Pins do not nest: one
 * owner, one pin. SMP-safe.
 */
void frame_pin(struct paddr pa, unsigned order, enum frame_tag tag);
void frame_unpin(struct paddr pa, unsigned order, enum frame_tag tag);

/*
 * frame_owner - which block contains pa. Returns MM_OK and fills the
 * (optional) outputs with the block's tag (FRAME_TAG_FREE when free), start
 * and order; MM_EINVAL when pa is outside the pool. O(log n).
 */
int frame_owner(struct paddr pa, enum frame_tag *tag, struct paddr *block,
		unsigned *order);

/*
 * frame_block_tag - the tag of the block that starts at pa with exactly
 * this order, or FRAME_TAG_NONE. O(1) and lock-free: stable only for blocks
 * whose owner serializes their alloc/free (the heap: under its lock, or
 * lock-free for an arena that holds the live object being freed).
 */
enum frame_tag frame_block_tag(struct paddr pa, unsigned order);

/* Whether pa lies inside the pool. */
bool frame_pool_contains(struct paddr pa);

/*
 * frame_verify - walk the whole pool (O(pool), for tests and self-tests):
 * block structure, free lists, statistics, and the poison of every free
 * block. Returns true when consistent; prints the first problem otherwise.
 */
bool frame_verify(void);

struct frame_tag_stats {
	uint64_t blocks;       /* live blocks */
	uint64_t bytes;        /* live bytes */
	uint64_t peak_bytes;
	uint64_t allocs;       /* successful frame_alloc calls */
	uint64_t pinned;       /* live blocks pinned (frame_pin) */
	uint64_t failed;       /* MM_ENOMEM results */
};

struct frame_stats {
	uint64_t pool_base, pool_size;
	uint64_t meta_bytes;               /* bookkeeping, carved from the pool */
	uint64_t free_bytes;
	uint64_t used_bytes, peak_used_bytes;  /* excluding the metadata */
	uint64_t failed;
	uint64_t free_blocks[FRAME_MAX_ORDER + 1];
	struct frame_tag_stats tag[FRAME_TAG_COUNT];
};

void frame_get_stats(struct frame_stats *st);

/* ---- heap domain ---------------------------------------------------------- */

#define HEAP_POISON      0x6B   /* freed heap objects */
#define HEAP_REDZONE_BYTE 0xBB  /* guard after each small object */
#define HEAP_ALIGN       16     /* every kmalloc result is 16-byte aligned */
#define HEAP_MAX_SMALL   2048   /* larger requests take whole frames */

/* Redzones after every small object, checked at kfree (on unless built
 * with -DHEAP_REDZONE=0). */
#ifndef HEAP_REDZONE
#define HEAP_REDZONE 1
#endif

/*
 * Per-CPU object caches: each CPU keeps, per size class, a stack of up to
 * HEAP_MAG freed (poisoned) objects, so kmalloc/kfree take no lock
 * and no atomic unless the stack is empty or full (then HEAP_MAG / 2
 * objects move to or from the arenas under the heap lock).
 *
 * mm_cpu_index - the calling CPU's index, 0 <= index < the number of
 * CPUs given to heap_set_cpus (1 before: the boot CPU alone).
 * Defaults to a function returning 0 (host builds, early boot); bring-up
 * points it at this_cpu()->index once per-CPU state exists, before a
 * second CPU can allocate. The caller must not migrate between CPUs
 * during a heap call (true: the hypervisor runs with interrupts off, and
 * NMI handlers never allocate).
 */
#define HEAP_MAG         32
extern unsigned (*mm_cpu_index)(void);

/*
 * heap_set_cpus - room for the caches of CPU indexes 0..n-1 (no fixed
 * limit: the CPU count comes from the MADT at boot). heap_init leaves room
 * for index 0 only, in the image; a larger n moves the caches into one
 * block of whole frames from the heap itself (FRAME_TAG_HEAP_LARGE,
 * about 7 KiB per CPU, rounded up to a power of two), the caches so far
 * moving along. Call while only one CPU uses the heap (bring-up, before
 * the other CPUs start). MM_OK (also when n is not larger) or MM_ENOMEM,
 * with the old caches kept.
 */
int heap_set_cpus(unsigned n);
/* The number of CPU indexes the heap has caches for. */
unsigned heap_cpus_room(void);

/*
 * Poisoning of freed objects. kfree always writes HEAP_POISON over the
 * object's redzone and over its first `poison_bytes` bytes: small objects
 * (up to poison_bytes) are poisoned whole, larger ones keep stale bytes
 * past that head. HEAP_POISON_FULL poisons every byte of every freed
 * object (boot option heap_poison=full). Every check works the same in
 * both modes (kfree validation, redzones, double free, the use-after-free
 * check of the first 16 bytes at kmalloc); what the bounded mode gives up is
 * heap_verify's view of writes into a large object's tail after it was
 * freed, and the guarantee that a fresh kmalloc holds no stale bytes past
 * its head. Why the default is bounded: full poisoning is bound by memory
 * bandwidth (docs/mm-bench.md).
 */
#define HEAP_POISON_FULL     UINT32_MAX
#define HEAP_POISON_DEFAULT  64u
#define HEAP_POISON_MIN      16u     /* the first word is always poisoned */

/* heap_poison_valid - whether bytes is a valid poison_bytes:
 * HEAP_POISON_FULL, or a multiple of 16 from HEAP_POISON_MIN to
 * HEAP_MAX_SMALL (larger heads are "full" by another name). */
static inline bool heap_poison_valid(uint64_t bytes)
{
	return bytes == HEAP_POISON_FULL ||
	       (bytes >= HEAP_POISON_MIN && bytes % 16 == 0 &&
		bytes <= HEAP_MAX_SMALL);
}

/* heap_init - reset the heap (empty, no arenas) with the given poisoning
 * (heap_poison_valid; anything else panics). Call after frame_init. */
void heap_init(uint32_t poison_bytes);

/* heap_poison_bytes - the poisoning heap_init chose. */
uint32_t heap_poison_bytes(void);

/* kmalloc - size bytes, 16-byte aligned (page aligned above
 * HEAP_MAX_SMALL), contents undefined: poison over the head, and past it
 * (bounded poisoning) whatever the previous owner left. Memory that
 * leaves the hypervisor (to the guest, over the network) comes from
 * kzalloc. NULL when the pool is
 * exhausted: every caller handles it. kmalloc(0) returns a unique object. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
/* kcalloc - n * size zeroed bytes; NULL on overflow or exhaustion. */
void *kcalloc(size_t n, size_t size);

/*
 * kfree - free a live heap object. Panics with a message that says which
 * misuse it was: NULL, a pointer into the image, outside the direct map,
 * outside the pool, a frame of the frame domain (naming its tag; a stack
 * frame is called a stack address), an interior pointer, a double free, or
 * a corrupted redzone (overrun). Poisons the object.
 */
void kfree(void *p);

/* krealloc - resize; NULL p is kmalloc, size 0 frees and returns NULL. On
 * failure returns NULL and p is untouched. */
void *krealloc(void *p, size_t size);

/* ksize - usable size of a live heap object (validated like kfree). */
size_t ksize(const void *p);

/* knew - a zeroed object of the given type. */
#define knew(type) ((type *)kzalloc(sizeof(type)))

/* heap_trim - flush the calling CPU's caches, then give every empty arena
 * back to the frame domain. Other CPUs' caches (at most HEAP_MAG objects
 * per class each) stay: on SMP, each CPU calls heap_trim to flush its own. */
void heap_trim(void);

/* heap_verify - check every arena (free bitmap, counts, poison of free
 * and cached objects, redzones of live ones) and every CPU's cache.
 * O(heap). Prints the first problem. Reads other CPUs' caches without
 * their cooperation: exact when no other CPU allocates meanwhile. */
bool heap_verify(void);

#define HEAP_NCLASSES 24

struct heap_class_stats {
	uint32_t size;         /* object size of the class */
	uint32_t arenas;       /* arenas held */
	uint64_t live, peak;   /* objects */
	uint64_t allocs, failed;
};

struct heap_stats {
	uint64_t live_bytes, peak_bytes;   /* by class size / block size */
	uint64_t live_objects;
	uint64_t failed;
	uint64_t large_live, large_bytes, large_peak_bytes, large_failed;
	struct heap_class_stats cls[HEAP_NCLASSES];
};

void heap_get_stats(struct heap_stats *st);

/* ---- heap accounts (mm/account.c) ------------------------------------------
 *
 * A subsystem that allocates for a third party (lwIP) or in volume gets its
 * own account: its live and peak bytes, allocations and failures show in
 * `mem` beside the frame tags, and an optional limit bounds it (a flood of
 * packets cannot take the heap). The objects are ordinary heap objects;
 * the account only counts them (by ksize) and refuses beyond the limit.
 * Calls on one account must be serialized by its owner (lwIP: the boot CPU
 * only); registration happens at bring-up, before a second CPU runs.
 */
struct heap_account {
	const char *name;
	uint64_t limit;                  /* bytes; 0 = no limit */
	uint64_t live_bytes, peak_bytes;
	uint64_t live_objects, allocs;
	uint64_t failed;                 /* over the limit or heap exhausted */
	struct heap_account *next;       /* registered accounts (mm/account.c) */
};

/* heap_account_register - make an account visible in mm_print_stats. */
void heap_account_register(struct heap_account *a);
/* kmalloc_acct / kzalloc_acct - kmalloc, counted in a; NULL (counted as
 * failed) when the object would take the account past its limit. */
void *kmalloc_acct(struct heap_account *a, size_t size);
void *kzalloc_acct(struct heap_account *a, size_t size);
/* kfree_acct - kfree of an object allocated through a; NULL is ignored. */
void kfree_acct(struct heap_account *a, void *p);
/* heap_account_print - every registered account (part of mm_print_stats). */
void heap_account_print(print_fn pr);

/* ---- accounting across both domains ---------------------------------------- */

/* mm_print_stats - both domains' statistics through pr (printk for the
 * log, or the debug console). */
void mm_print_stats(print_fn pr);

/* A leak check: mm_mark() records what is live; mm_balanced() trims the
 * heap and returns true when exactly the same is live again (prints every
 * difference otherwise). */
struct mm_mark {
	uint64_t tag_blocks[FRAME_TAG_COUNT];
	uint64_t tag_bytes[FRAME_TAG_COUNT];
	uint64_t class_live[HEAP_NCLASSES];
	uint64_t large_live;
};

void mm_mark(struct mm_mark *m);
bool mm_balanced(const struct mm_mark *m);

/* ---- pool choice (mm/pool.c) ------------------------------------------------ */

#define MM_POOL_ALIGN   (2 * MiB)
#define MM_POOL_MIN     (16 * MiB)   /* below stays the guest's */
#define MM_POOL_LIMIT   (4 * GiB)    /* the pool lies below this */

/*
 * mm_pick_pool - choose the hypervisor pool of `size` bytes.
 * map: the firmware memory map (e820 or EFI, classified); ranges may
 * overlap, and a byte is usable only if a MEM_USABLE range covers it and no
 * other range does. avoid: ranges that must stay intact (modules, the
 * Multiboot2 information). The pool is 2 MiB aligned, inside
 * [MM_POOL_MIN, MM_POOL_LIMIT), disjoint from avoid[] and the image
 * [image_base, image_end), and as close to the image as possible: directly
 * below it, else directly above it, else the highest fit.
 * Returns MM_OK and *out_base, MM_EINVAL for size 0 or not a multiple of
 * 4 KiB, MM_ENOENT when nothing fits.
 */
int mm_pick_pool(const struct mem_range *map, size_t n,
		 const struct mem_range *avoid, size_t navoid,
		 uint64_t image_base, uint64_t image_end, uint64_t size,
		 uint64_t *out_base);

#endif
