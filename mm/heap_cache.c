/*
 * mm/heap_cache.c - the heap's fast paths: kmalloc and kfree through the
 * per-CPU object caches, and the statistics summed over the CPUs.
 *
 * Each CPU has, per size class, a stack of up to HEAP_MAG free objects
 * (struct heap_mag). They are poisoned (redzone and head, mm/mm.h) and
 * allocated in their arena's bitmap; the statistics count them as free.
 * kmalloc pops, kfree validates, poisons and pushes: no lock, no atomic.
 * An empty stack is refilled, a full one half flushed, under the heap lock
 * (mm/heap.c). Only the owning CPU touches its stacks: the hypervisor runs
 * with interrupts off and NMI handlers never allocate, so nothing can
 * preempt a heap call.
 *
 * Use after free: an object is poisoned when it enters a cache; kmalloc
 * checks its first 16 bytes when it leaves, heap_verify every poisoned
 * byte.
 * Double free: a cached object's redzone is poison, not redzone bytes, so
 * kfree's redzone check sends it to the slow path, which finds it in a
 * cache and says "double free".
 *
 * Statistics: each CPU keeps its share of live objects / bytes and
 * allocations per class (kfree on another CPU makes a share negative);
 * the totals are the sums over the CPUs that used the heap. Peaks are
 * the highest sums observed at allocation: exact on one CPU; with several,
 * a sum reads the other CPUs' shares while they may be changing, so a
 * peak can be off by the allocations in flight at that instant.
 */
#include "mm/heap_impl.h"
#include "lib/lib.h"

static unsigned cpu_index_boot(void)
{
	return 0;
}

unsigned (*mm_cpu_index)(void) = cpu_index_boot;

static void *small_alloc(unsigned c)
{
	const struct class_info *ci = &class_info[c];
	unsigned idx = mm_cpu_index();
	struct heap_cpu *cpu;
	struct heap_mag *m;
	uint64_t total;
	uint8_t *p;

	assert(idx < heap_cpu_cap);
	cpu = &heap_cpus[idx];
	m = &cpu->mag[c];
	if (unlikely(!m->n) && !heap_refill(cpu, idx, c))
		return NULL;
	p = m->obj[m->n - 1];
	if (unlikely(!heap_head_poisoned(p)))
		panic("kmalloc: heap object %p (%u bytes) was written after it "
		      "was freed (use after free)", p, ci->size);
	m->n--;
#if HEAP_REDZONE
	((uint64_t *)(p + ci->size))[0] = POISON64(HEAP_REDZONE_BYTE);
	((uint64_t *)(p + ci->size))[1] = POISON64(HEAP_REDZONE_BYTE);
#endif
	m->allocs++;
	WRITE_ONCE(m->live, m->live + 1);
	WRITE_ONCE(cpu->live_bytes, cpu->live_bytes + ci->size);
	total = heap_class_live(c);
	if (total > m->peak)
		m->peak = total;
	total = heap_small_bytes() + READ_ONCE(heap.large_bytes);
	if (total > cpu->peak_bytes)
		cpu->peak_bytes = total;
	return p;
}

void *kmalloc(size_t size)
{
	assert(heap.ready);
	if (likely(size <= HEAP_MAX_SMALL))
		return small_alloc(heap_size_class[(size + 15) / 16]);
	return heap_large_alloc(size);
}

static void large_free(struct heap_loc *l)
{
	uint64_t bytes = FRAME_ORDER_BYTES(l->order);

	heap.large_live--;
	heap.large_bytes -= bytes;
	frame_free(virt_to_phys(l->obj), l->order, FRAME_TAG_HEAP_LARGE);
	spin_unlock(&heap.lock);
}

__attribute__((noinline))
void kfree(void *p)
{
	unsigned idx = mm_cpu_index();
	struct heap_cpu *cpu;
	struct heap_loc l;

	assert(idx < heap_cpu_cap);
	cpu = &heap_cpus[idx];
	if (likely(heap_fast_locate(p, &l)) &&
	    likely(heap_obj_intact(l.obj, class_info[l.cls].size))) {
		const struct class_info *ci = &class_info[l.cls];
		struct heap_mag *m = &cpu->mag[l.cls];

		heap_poison_freed(l.obj, ci);
		WRITE_ONCE(m->live, m->live - 1);
		WRITE_ONCE(cpu->live_bytes, cpu->live_bytes - ci->size);
		if (likely(m->n < HEAP_MAG) &&
		    likely(idx < READ_ONCE(heap.ncpus)))
			m->obj[m->n++] = l.obj;
		else
			heap_flush_push(cpu, idx, l.cls, l.obj);
		return;
	}
	/* Anything unusual: validate under the lock, name the misuse. */
	heap_locate(p, "kfree", __builtin_return_address(0), &l);
	if (l.arena)
		heap_free_located(&l, cpu, idx);
	else
		large_free(&l);
}

void heap_get_stats(struct heap_stats *st)
{
	memset(st, 0, sizeof(*st));
	spin_lock(&heap.lock);
	st->peak_bytes = heap.peak_bytes;
	st->failed = heap.failed;
	st->large_live = heap.large_live;
	st->large_bytes = heap.large_bytes;
	st->large_peak_bytes = heap.large_peak_bytes;
	st->live_bytes = heap_small_bytes() + heap.large_bytes;
	for (unsigned c = 0; c < HEAP_NCLASSES; c++) {
		struct heap_class_stats *s = &st->cls[c];

		*s = (struct heap_class_stats){
			.size = class_info[c].size,
			.arenas = heap.cls[c].arenas,
			.live = heap_class_live(c),
			.failed = heap.cls[c].failed,
		};
		for (unsigned i = 0; i < heap.ncpus; i++) {
			const struct heap_mag *m = &heap_cpus[i].mag[c];
			s->allocs += READ_ONCE(m->allocs);
			s->peak = MAX(s->peak, READ_ONCE(m->peak));
		}
		st->live_objects += s->live;
	}
	for (unsigned i = 0; i < heap.ncpus; i++)
		st->peak_bytes = MAX(st->peak_bytes,
				     READ_ONCE(heap_cpus[i].peak_bytes));
	spin_unlock(&heap.lock);
}
