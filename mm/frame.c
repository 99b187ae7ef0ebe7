/*
 * mm/frame.c - the frame domain: a buddy allocator over the pool.
 *
 * Bookkeeping is one 8-byte descriptor per 4 KiB frame (0.195 % of the
 * pool), in an array carved from the top of the pool and tagged
 * FRAME_TAG_MM_META; nothing is ever stored inside a free frame, so free
 * frames stay fully poisoned and verifiable. Only the descriptor of a
 * block's first frame is meaningful (head = 1); every other frame of the
 * block has head = 0. Free blocks of each order sit on a doubly linked list
 * threaded through the descriptors by frame index, so alloc and free are
 * O(FRAME_MAX_ORDER) = O(log n).
 *
 * Buddies are computed on physical frame numbers, so a block of order k is
 * aligned to 4 KiB << k physically; a pool whose size is not a power of two
 * is covered by maximal aligned blocks and buddies outside it never merge.
 */
#include "mm/frame_impl.h"
#include "lib/lib.h"

struct frame_pool frame_pool = { .lock = SPINLOCK_INIT };

uint64_t mm_direct_map_offset;
uint64_t mm_direct_map_size = 1ULL << 46;

static const char *const tag_names[FRAME_TAG_COUNT] = {
	[FRAME_TAG_FREE] = "free",
	[FRAME_TAG_MM_META] = "mm-meta",
	[FRAME_TAG_HEAP_ARENA] = "heap-arena",
	[FRAME_TAG_HEAP_LARGE] = "heap-large",
	[FRAME_TAG_VMCB] = "vmcb",
	[FRAME_TAG_HSAVE] = "hsave",
	[FRAME_TAG_HOST_STATE] = "host-state",
	[FRAME_TAG_NPT] = "npt",
	[FRAME_TAG_IOPM] = "iopm",
	[FRAME_TAG_MSRPM] = "msrpm",
	[FRAME_TAG_STACK] = "stack",
	[FRAME_TAG_PAGETABLE] = "pagetable",
	[FRAME_TAG_TRAMPOLINE] = "trampoline",
	[FRAME_TAG_NET] = "net",
	[FRAME_TAG_ACPI_COPY] = "acpi-copy",
	[FRAME_TAG_GUEST_INFO] = "guest-info",
	[FRAME_TAG_TEST] = "test",
	[FRAME_TAG_NIC] = "nic",
	[FRAME_TAG_IOMMU] = "iommu",
	[FRAME_TAG_IOPT] = "io-pagetable",
};

const char *frame_tag_name(enum frame_tag tag)
{
	if (tag == TAG_FREEING)
		return "free (being freed)";
	if ((unsigned)tag < FRAME_TAG_COUNT && tag_names[tag])
		return tag_names[tag];
	return "invalid";
}

static void list_push(unsigned order, uint32_t idx)
{
	struct frame_desc *d = &frame_pool.desc[idx];
	uint32_t h = frame_pool.free_head[order];

	d->head = 1;
	d->order = order;
	d->tag = FRAME_TAG_FREE;
	d->prev = NIL;
	d->next = h;
	if (h != NIL)
		frame_pool.desc[h].prev = idx;
	frame_pool.free_head[order] = idx;
	frame_pool.st.free_blocks[order]++;
	frame_pool.st.free_bytes += FRAME_ORDER_BYTES(order);
}

static void list_del(unsigned order, uint32_t idx)
{
	struct frame_desc *d = &frame_pool.desc[idx];

	if (d->prev != NIL)
		frame_pool.desc[d->prev].next = d->next;
	else
		frame_pool.free_head[order] = d->next;
	if (d->next != NIL)
		frame_pool.desc[d->next].prev = d->prev;
	frame_pool.st.free_blocks[order]--;
	frame_pool.st.free_bytes -= FRAME_ORDER_BYTES(order);
}

/* Largest order for a block at frame index idx that ends by limit. */
static unsigned max_order_at(uint64_t idx, uint64_t limit)
{
	uint64_t pfn = frame_pool.base_pfn + idx;
	unsigned k = 0;

	while (k < FRAME_MAX_ORDER && !(pfn & (1ULL << k)) &&
	       idx + (2ULL << k) <= limit)
		k++;
	return k;
}

static void account_alloc(enum frame_tag tag, unsigned order)
{
	struct frame_tag_stats *t = &frame_pool.st.tag[tag];
	uint64_t bytes = FRAME_ORDER_BYTES(order);

	t->blocks++;
	t->allocs++;
	t->bytes += bytes;
	if (t->bytes > t->peak_bytes)
		t->peak_bytes = t->bytes;
	if (tag == FRAME_TAG_MM_META)
		return;
	frame_pool.st.used_bytes += bytes;
	if (frame_pool.st.used_bytes > frame_pool.st.peak_used_bytes)
		frame_pool.st.peak_used_bytes = frame_pool.st.used_bytes;
}

int frame_init(struct paddr pool_base, uint64_t pool_size)
{
	uint64_t n, meta_frames, idx;

	pool_size = ALIGN_DOWN(pool_size, FRAME_SIZE);
	n = pool_size >> FRAME_SHIFT;
	if (!IS_ALIGNED(pool_base.pa, MM_POOL_ALIGN) || n < 2 || n > MAX_FRAMES ||
	    pool_base.pa + pool_size > mm_direct_map_size)
		return MM_EINVAL;
	meta_frames = ALIGN_UP(n * sizeof(struct frame_desc), FRAME_SIZE) >>
		      FRAME_SHIFT;
	if (meta_frames >= n)
		return MM_EINVAL;

	memset(&frame_pool.st, 0, sizeof(frame_pool.st));
	frame_pool.lock = (struct spinlock)SPINLOCK_INIT;
	frame_pool.base_pfn = pool_base.pa >> FRAME_SHIFT;
	frame_pool.nframes = n;
	frame_pool.st.pool_base = pool_base.pa;
	frame_pool.st.pool_size = pool_size;
	frame_pool.st.meta_bytes = meta_frames << FRAME_SHIFT;
	frame_pool.desc = idx_to_virt(n - meta_frames);
	memset(frame_pool.desc, 0, n * sizeof(struct frame_desc));
	for (unsigned k = 0; k <= FRAME_MAX_ORDER; k++)
		frame_pool.free_head[k] = NIL;

	/* Free space: maximal aligned blocks, poisoned. */
	memset(idx_to_virt(0), FRAME_POISON, (n - meta_frames) << FRAME_SHIFT);
	for (idx = 0; idx < n - meta_frames;) {
		unsigned k = max_order_at(idx, n - meta_frames);
		list_push(k, idx);
		idx += 1ULL << k;
	}
	/* The descriptor array owns its own frames. */
	for (; idx < n;) {
		unsigned k = max_order_at(idx, n);
		struct frame_desc *d = &frame_pool.desc[idx];
		d->head = 1;
		d->order = k;
		d->tag = FRAME_TAG_MM_META;
		d->next = d->prev = NIL;
		account_alloc(FRAME_TAG_MM_META, k);
		idx += 1ULL << k;
	}
	return MM_OK;
}

int frame_alloc(unsigned order, enum frame_tag tag, unsigned flags,
		struct paddr *out)
{
	unsigned k;
	uint32_t idx;
	const uint64_t *q;
	uint64_t bytes = FRAME_ORDER_BYTES(order);

	if (order > FRAME_MAX_ORDER || tag <= FRAME_TAG_MM_META ||
	    tag >= FRAME_TAG_COUNT)
		return MM_EINVAL;

	spin_lock(&frame_pool.lock);
	for (k = order; k <= FRAME_MAX_ORDER && frame_pool.free_head[k] == NIL; k++)
		;
	if (k > FRAME_MAX_ORDER) {
		frame_pool.st.failed++;
		frame_pool.st.tag[tag].failed++;
		spin_unlock(&frame_pool.lock);
		return MM_ENOMEM;
	}
	idx = frame_pool.free_head[k];
	list_del(k, idx);
	while (k > order) {          /* split, keeping the lower half */
		k--;
		list_push(k, idx + (1u << k));
	}
	frame_pool.desc[idx].order = order;
	frame_pool.desc[idx].tag = tag;
	frame_pool.desc[idx].pinned = 0;
	frame_pool.desc[idx].next = frame_pool.desc[idx].prev = NIL;
	account_alloc(tag, order);
	spin_unlock(&frame_pool.lock);

	out->pa = idx_to_pa(idx);
	q = idx_to_virt(idx);
	if (q[0] != 0x0101010101010101ULL * FRAME_POISON ||
	    q[bytes / 8 - 1] != 0x0101010101010101ULL * FRAME_POISON)
		panic("frame_alloc: frame %#llx (order %u) was written while free"
		      " (use after free; poison damaged), now given to %s",
		      (unsigned long long)out->pa, order, frame_tag_name(tag));
	if (flags & FRAME_ZERO)
		memset((void *)q, 0, bytes);
	return MM_OK;
}

/* Index of the head of the block containing frame idx. Lock held. */
static uint64_t find_head(uint64_t idx)
{
	for (unsigned k = 0; k <= FRAME_MAX_ORDER; k++) {
		uint64_t h = ((frame_pool.base_pfn + idx) & ~((1ULL << k) - 1)) -
			     frame_pool.base_pfn;
		if (h < frame_pool.nframes && frame_pool.desc[h].head &&
		    h + (1ULL << frame_pool.desc[h].order) > idx)
			return h;
	}
	assert(!"frame without a block head");
	return 0;
}

bool frame_pool_contains(struct paddr pa)
{
	return (pa.pa >> FRAME_SHIFT) - frame_pool.base_pfn < frame_pool.nframes;
}

#define FREE_PANIC(...)                                                      \
	do {                                                                 \
		spin_unlock(&frame_pool.lock);                                       \
		panic(__VA_ARGS__);                                          \
	} while (0)

/* Validate that pa/order/tag name a live block, for operation op
 * (frame_free with is_free_op, frame_pin, frame_unpin); panics naming the misuse, the
 * caller, the tag found and the tag expected. Returns the block's index
 * with the lock held. */
static uint64_t block_check(struct paddr pa, unsigned order,
			    enum frame_tag tag, void *caller, const char *op,
			    bool is_free_op)
{
	unsigned long long a = pa.pa;
	const char *want = frame_tag_name(tag);
	uint64_t idx, h;
	struct frame_desc *d;

	if (a == 0)
		panic("%s: null address (caller %p, tag expected %s)", op,
		      caller, want);
	if (tag <= FRAME_TAG_MM_META || tag >= FRAME_TAG_COUNT)
		panic("%s: %#llx %s invalid tag %u (caller %p)", op, a,
		      is_free_op ? "freed with" : "given with", tag, caller);
	if (order > FRAME_MAX_ORDER)
		panic("%s: %#llx bad order %u (caller %p, tag expected %s)", op,
		      a, order, caller, want);
	if (!frame_pool_contains(pa) ||
	    !frame_pool_contains(PADDR(a + FRAME_ORDER_BYTES(order) - 1)))
		panic("%s: %#llx outside the pool [%#llx, %#llx) "
		      "(caller %p, tag expected %s)", op, a,
		      (unsigned long long)frame_pool.st.pool_base,
		      (unsigned long long)(frame_pool.st.pool_base + frame_pool.st.pool_size),
		      caller, want);
	if (!IS_ALIGNED(a, FRAME_ORDER_BYTES(order)))
		panic("%s: %#llx misaligned for order %u (caller %p, "
		      "tag expected %s)", op, a, order, caller, want);
	idx = (a >> FRAME_SHIFT) - frame_pool.base_pfn;
	spin_lock(&frame_pool.lock);
	d = &frame_pool.desc[idx];
	if (!d->head) {
		h = find_head(idx);
		FREE_PANIC("%s: %#llx is inside the %s block at %#llx "
			   "(order %u), not its start (caller %p, tag found %s,"
			   " tag expected %s)", op, a,
			   frame_tag_name(frame_pool.desc[h].tag),
			   (unsigned long long)idx_to_pa(h),
			   (unsigned)frame_pool.desc[h].order, caller,
			   frame_tag_name(frame_pool.desc[h].tag), want);
	}
	if (d->tag == FRAME_TAG_FREE || d->tag == TAG_FREEING)
		FREE_PANIC("%s: %s of %#llx order %u (caller %p, tag found %s, "
			   "tag expected %s)", op,
			   is_free_op ? "double free" : "block not allocated",
			   a, order, caller, frame_tag_name(d->tag), want);
	if (d->order != order)
		FREE_PANIC("%s: wrong order for %#llx: %s as order %u,"
			   " allocated as order %u (caller %p, tag found %s, tag "
			   "expected %s)", op, a, is_free_op ? "freed" : "given",
			   order, (unsigned)d->order, caller,
			   frame_tag_name(d->tag), want);
	if (d->tag != tag)
		FREE_PANIC("%s: foreign tag on %#llx order %u (caller %p,"
			   " tag found %s, tag expected %s)", op, a, order,
			   caller, frame_tag_name(d->tag), want);
	return idx;
}

/* Validate a free under the lock; on success the block is TAG_FREEING. */
static uint64_t free_check(struct paddr pa, unsigned order,
			   enum frame_tag tag, void *caller)
{
	uint64_t idx = block_check(pa, order, tag, caller, "frame_free",
				   true);
	struct frame_desc *d = &frame_pool.desc[idx];

	if (d->pinned)
		FREE_PANIC("frame_free: premature free of %#llx order %u: the "
			   "%s block is pinned, still in use by the hardware "
			   "or another CPU (caller %p, tag found %s, tag "
			   "expected %s)", (unsigned long long)pa.pa, order,
			   frame_tag_name(d->tag), caller,
			   frame_tag_name(d->tag), frame_tag_name(tag));
	d->tag = TAG_FREEING;
	frame_pool.st.tag[tag].blocks--;
	frame_pool.st.tag[tag].bytes -= FRAME_ORDER_BYTES(order);
	frame_pool.st.used_bytes -= FRAME_ORDER_BYTES(order);
	spin_unlock(&frame_pool.lock);
	return idx;
}

/* Set (pin) or clear the pinned bit of a live block; it must be in the
 * other state. */
static void pin_change(struct paddr pa, unsigned order, enum frame_tag tag,
		       void *caller, bool pin)
{
	const char *op = pin ? "frame_pin" : "frame_unpin";
	uint64_t idx = block_check(pa, order, tag, caller, op, false);
	struct frame_desc *d = &frame_pool.desc[idx];

	if (d->pinned == pin)
		FREE_PANIC("%s: %#llx order %u is %s (caller %p, tag %s)", op,
			   (unsigned long long)pa.pa, order,
			   pin ? "already pinned" : "not pinned", caller,
			   frame_tag_name(tag));
	d->pinned = pin;
	if (pin)
		frame_pool.st.tag[tag].pinned++;
	else
		frame_pool.st.tag[tag].pinned--;
	spin_unlock(&frame_pool.lock);
}

__attribute__((noinline))
void frame_pin(struct paddr pa, unsigned order, enum frame_tag tag)
{
	pin_change(pa, order, tag, __builtin_return_address(0), true);
}

__attribute__((noinline))
void frame_unpin(struct paddr pa, unsigned order, enum frame_tag tag)
{
	pin_change(pa, order, tag, __builtin_return_address(0), false);
}

__attribute__((noinline))
void frame_free(struct paddr pa, unsigned order, enum frame_tag tag)
{
	uint64_t idx = free_check(pa, order, tag, __builtin_return_address(0));

	/* Poison outside the lock: the block is TAG_FREEING, nobody else
	 * touches it, a concurrent double free still panics. */
	memset(idx_to_virt(idx), FRAME_POISON, FRAME_ORDER_BYTES(order));

	spin_lock(&frame_pool.lock);
	while (order < FRAME_MAX_ORDER) {
		uint64_t buddy = ((frame_pool.base_pfn + idx) ^ (1ULL << order)) -
				 frame_pool.base_pfn;
		struct frame_desc *b;

		if (buddy >= frame_pool.nframes ||
		    buddy + (1ULL << order) > frame_pool.nframes)
			break;
		b = &frame_pool.desc[buddy];
		if (!b->head || b->tag != FRAME_TAG_FREE || b->order != order)
			break;
		list_del(order, buddy);
		if (buddy < idx) {
			frame_pool.desc[idx].head = 0;
			idx = buddy;
		} else {
			b->head = 0;
		}
		order++;
	}
	list_push(order, idx);
	spin_unlock(&frame_pool.lock);
}

int frame_owner(struct paddr pa, enum frame_tag *tag, struct paddr *block,
		unsigned *order)
{
	uint64_t h;

	if (!frame_pool_contains(pa))
		return MM_EINVAL;
	spin_lock(&frame_pool.lock);
	h = find_head((pa.pa >> FRAME_SHIFT) - frame_pool.base_pfn);
	if (tag)
		*tag = frame_pool.desc[h].tag == TAG_FREEING ? FRAME_TAG_FREE
						       : frame_pool.desc[h].tag;
	if (block)
		*block = PADDR(idx_to_pa(h));
	if (order)
		*order = frame_pool.desc[h].order;
	spin_unlock(&frame_pool.lock);
	return MM_OK;
}

enum frame_tag frame_block_tag(struct paddr pa, unsigned order)
{
	uint64_t idx = (pa.pa >> FRAME_SHIFT) - frame_pool.base_pfn;
	union {
		struct frame_desc d;
		uint64_t raw;
	} u;

	if (idx >= frame_pool.nframes || !IS_ALIGNED(pa.pa, FRAME_SIZE))
		return FRAME_TAG_NONE;
	u.raw = READ_ONCE(*(const uint64_t *)&frame_pool.desc[idx]);
	if (!u.d.head || u.d.order != order || u.d.tag >= FRAME_TAG_COUNT)
		return FRAME_TAG_NONE;
	return (enum frame_tag)u.d.tag;
}

void frame_get_stats(struct frame_stats *st)
{
	spin_lock(&frame_pool.lock);
	*st = frame_pool.st;
	spin_unlock(&frame_pool.lock);
}

