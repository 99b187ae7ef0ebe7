/*
 * mm/heap.c - the heap domain's arenas and slow paths.
 *
 * Small objects (<= HEAP_MAX_SMALL) live in 64 KiB arenas, frame blocks of
 * order ARENA_ORDER tagged FRAME_TAG_HEAP_ARENA. An arena starts with its
 * header (class, counts, a bitmap with one bit per object, set = free);
 * objects follow at a fixed stride (class size plus the redzone). Nothing
 * is stored inside free objects, so they keep their poison (a fresh arena
 * is poisoned whole; kfree poisons what heap_init chose). Larger
 * requests take whole frame blocks tagged FRAME_TAG_HEAP_LARGE.
 *
 * Between the arenas and the callers sit the per-CPU caches
 * (mm/heap_cache.c): the fast paths there come here, under the one heap
 * lock, to refill a cache with MAG_HALF objects (fewer of the big classes:
 * REFILL_BYTES) or flush MAG_HALF back.
 * Arena blocks change hands only under the lock, which is what makes
 * frame_block_tag()'s lock-free answer stable for the arenas in use.
 */
#include "mm/heap_impl.h"
#include "lib/lib.h"

static const uint16_t class_size[HEAP_NCLASSES] = {
	16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256,
	320, 384, 448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048,
};

struct heap heap = { .lock = SPINLOCK_INIT };
static struct heap_cpu heap_cpu_boot;  /* index 0 until heap_set_cpus */
struct heap_cpu *heap_cpus = &heap_cpu_boot;
unsigned heap_cpu_cap = 1;
struct class_info class_info[HEAP_NCLASSES];
uint8_t heap_size_class[HEAP_MAX_SMALL / 16 + 1];
static uint32_t poison_bytes = HEAP_POISON_FULL;

uint32_t heap_poison_bytes(void)
{
	return poison_bytes;
}

void heap_init(uint32_t poison)
{
	unsigned c = 0;

	if (!heap_poison_valid(poison))
		panic("heap_init: poison_bytes %u is neither full nor a "
		      "multiple of 16 >= %u", poison, HEAP_POISON_MIN);
	poison_bytes = poison;

	memset(&heap, 0, sizeof(heap));
	memset(&heap_cpu_boot, 0, sizeof(heap_cpu_boot));
	heap_cpus = &heap_cpu_boot;
	heap_cpu_cap = 1;
	heap.lock = (struct spinlock)SPINLOCK_INIT;
	for (unsigned i = 0; i <= HEAP_MAX_SMALL / 16; i++) {
		while (class_size[c] < i * 16)
			c++;
		heap_size_class[i] = c;
	}
	for (c = 0; c < HEAP_NCLASSES; c++) {
		struct class_info *ci = &class_info[c];
		ci->size = class_size[c];
		ci->stride = class_size[c] + HEAP_RZ;
		ci->nobj = (ARENA_SIZE - ARENA_HDR) / ci->stride;
		ci->recip = (uint32_t)((1ULL << 32) / ci->stride + 1);
		ci->poison = ci->size <= poison ? ci->stride : poison;
		ci->refill = MAX(1u, MIN((uint32_t)MAG_HALF,
					 REFILL_BYTES / ci->size));
	}
	heap.ready = true;
}

unsigned heap_cpus_room(void)
{
	return heap_cpu_cap;
}

int heap_set_cpus(unsigned n)
{
	struct heap_cpu *a, *old = heap_cpus;

	assert(heap.ready);
	if (n <= heap_cpu_cap)
		return MM_OK;
	if (n > UINT32_MAX / sizeof(*a))
		return MM_ENOMEM;
	a = heap_large_alloc((size_t)n * sizeof(*a));
	if (!a)
		return MM_ENOMEM;
	memset(a, 0, (size_t)n * sizeof(*a));
	/* One CPU uses the heap (the contract): its caches move whole. */
	memcpy(a, old, (size_t)heap_cpu_cap * sizeof(*a));
	WRITE_ONCE(heap_cpus, a);
	heap_cpu_cap = n;
	if (old != &heap_cpu_boot)
		kfree(old);
	return MM_OK;
}

void heap_register_cpu(unsigned idx)
{
	assert(idx < heap_cpu_cap);
	if (idx >= heap.ncpus)
		WRITE_ONCE(heap.ncpus, idx + 1);
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
	const struct class_info *ci = &class_info[c];
	struct heap_class *hc = &heap.cls[c];
	struct paddr pa;
	struct arena *a;
	unsigned words;

	if (frame_alloc(ARENA_ORDER, FRAME_TAG_HEAP_ARENA, 0, &pa) != MM_OK)
		return NULL;
	a = phys_to_virt(pa);
	memset(a, 0, ARENA_HDR);
	heap_poison((uint8_t *)a + ARENA_HDR, ARENA_SIZE - ARENA_HDR);
	a->magic = ARENA_MAGIC ^ (uintptr_t)a;
	a->cls = c;
	a->nfree = ci->nobj;
	words = (ci->nobj + 63) / 64;
	for (unsigned w = 0; w < words; w++)
		a->freemap[w] = ~0ULL;
	if (ci->nobj % 64)
		a->freemap[words - 1] = (1ULL << (ci->nobj % 64)) - 1;
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
	a->magic = 0;
	frame_free(virt_to_phys(a), ARENA_ORDER, FRAME_TAG_HEAP_ARENA);
}

/* Take one free object of class c out of the arenas, or NULL. Lock held. */
static uint8_t *arena_take(unsigned c)
{
	struct heap_class *hc = &heap.cls[c];
	struct arena *a = hc->cur;
	unsigned w, bit;

	if (unlikely(!a || !a->nfree)) {
		a = hc->partial;
		if (a)
			list_remove(&hc->partial, a);
		else if (!(a = arena_new(c)))
			return NULL;
		hc->cur = a;
	}
	for (w = a->hint; !a->freemap[w]; w++)
		;
	bit = __builtin_ctzll(a->freemap[w]);
	a->freemap[w] &= a->freemap[w] - 1;
	a->hint = w;
	a->nfree--;
	return (uint8_t *)a + ARENA_HDR + (w * 64 + bit) * class_info[c].stride;
}

/* Give a poisoned object back to its arena's bitmap. Lock held. */
static void arena_put(struct arena *a, unsigned idx)
{
	struct heap_class *hc = &heap.cls[a->cls];

	a->freemap[idx / 64] |= 1ULL << (idx % 64);
	if (idx / 64 < a->hint)
		a->hint = idx / 64;
	a->nfree++;
	if (a != hc->cur) {
		if (a->nfree == 1)
			list_add(&hc->partial, a);
		if (a->nfree == class_info[a->cls].nobj) {
			list_remove(&hc->partial, a);
			arena_release(a);
		}
	}
}

static void obj_put(uint8_t *obj, unsigned c)
{
	struct arena *a = heap_obj_arena(obj);
	uint32_t off = (uint32_t)(obj - (uint8_t *)a) - ARENA_HDR;

	arena_put(a, off / class_info[c].stride);
}

/* Return the n oldest objects of a cache to their arenas. Lock held. */
static void mag_flush(struct heap_mag *m, unsigned c, unsigned n)
{
	n = MIN(n, m->n);
	for (unsigned i = 0; i < n; i++)
		obj_put(m->obj[i], c);
	memmove(m->obj, m->obj + n, (m->n - n) * sizeof(m->obj[0]));
	m->n -= n;
}

/* Flush every class of one CPU's cache, then release each class's
 * current arena if it is empty. Lock held. */
static void trim_locked(struct heap_cpu *cpu)
{
	for (unsigned c = 0; c < HEAP_NCLASSES; c++) {
		struct heap_class *hc = &heap.cls[c];

		mag_flush(&cpu->mag[c], c, HEAP_MAG);
		if (hc->cur && hc->cur->nfree == class_info[c].nobj) {
			arena_release(hc->cur);
			hc->cur = NULL;
		}
	}
}

/* The cache of class c on CPU idx is empty: refill it with up to
 * class_info[c].refill (MAG_HALF, fewer for big classes)
 * objects. Returns false, counting a failure, when the pool is exhausted
 * even after this CPU's whole cache went back to the arenas. The caller
 * pops the object from the cache. */
bool heap_refill(struct heap_cpu *cpu, unsigned idx, unsigned c)
{
	struct heap_mag *m = &cpu->mag[c];
	uint8_t *o;

	spin_lock(&heap.lock);
	heap_register_cpu(idx);
	while (m->n < class_info[c].refill && (o = arena_take(c)))
		m->obj[m->n++] = o;
	if (!m->n) {
		trim_locked(cpu);
		if ((o = arena_take(c)))
			m->obj[m->n++] = o;
	}
	if (!m->n) {
		heap.cls[c].failed++;
		heap.failed++;
	}
	spin_unlock(&heap.lock);
	return m->n;
}

/* The cache is full (or the CPU not yet registered): make room, push. */
void heap_flush_push(struct heap_cpu *cpu, unsigned idx, unsigned c,
		     void *obj)
{
	struct heap_mag *m = &cpu->mag[c];

	spin_lock(&heap.lock);
	heap_register_cpu(idx);
	if (m->n == HEAP_MAG)
		mag_flush(m, c, MAG_HALF);
	m->obj[m->n++] = obj;
	spin_unlock(&heap.lock);
}

/* kfree of a located small object on the slow path. Lock held; released
 * here. */
void heap_free_located(struct heap_loc *l, struct heap_cpu *cpu,
		       unsigned idx)
{
	const struct class_info *ci = &class_info[l->cls];

	if (unlikely(HEAP_REDZONE && !heap_obj_intact(l->obj, ci->size))) {
		spin_unlock(&heap.lock);
		panic("kfree(%p): heap overrun: the redzone after this %u-byte "
		      "object is corrupted (caller %p)", l->obj, ci->size,
		      l->caller);
	}
	heap_poison_freed(l->obj, ci);
	heap_register_cpu(idx);
	arena_put(l->arena, l->idx);
	cpu->mag[l->cls].live--;
	cpu->live_bytes -= ci->size;
	spin_unlock(&heap.lock);
}

void *heap_large_alloc(size_t size)
{
	unsigned order = 0;
	struct paddr pa;
	uint64_t total;

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
	total = heap_small_bytes() + heap.large_bytes;
	if (total > heap.peak_bytes)
		heap.peak_bytes = total;
	spin_unlock(&heap.lock);
	return phys_to_virt(pa);
fail:
	spin_lock(&heap.lock);
	heap.large_failed++;
	heap.failed++;
	spin_unlock(&heap.lock);
	return NULL;
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

static size_t loc_size(const struct heap_loc *l)
{
	return l->arena ? class_info[l->cls].size
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
	trim_locked(&heap_cpus[mm_cpu_index()]);
	spin_unlock(&heap.lock);
}
