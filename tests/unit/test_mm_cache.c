/*
 * tests/unit/test_mm_cache.c - the heap's per-CPU object caches: objects
 * moving between CPUs (through the mm_cpu_index hook), statistics summed
 * over CPUs, heap_trim flushing the caller's cache, double frees and
 * writes after free caught while an object sits in a cache.
 */
#include "test.h"
#include "test_mm.h"

#define POOL (16 * MiB)

static unsigned fake_cpu;

static unsigned fake_cpu_index(void)
{
	return fake_cpu;
}

static void on_cpu(unsigned i)
{
	fake_cpu = i;
	mm_cpu_index = fake_cpu_index;
}

static uint64_t arena_blocks(void)
{
	struct frame_stats st;
	frame_get_stats(&st);
	return st.tag[FRAME_TAG_HEAP_ARENA].blocks;
}

TEST(heap_cache_cross_cpu_stats)
{
	static void *p[200];
	struct heap_stats hs;
	struct mm_mark m;

	mm_sim_setup(POOL);
	CHECK_EQ(heap_set_cpus(3), MM_OK);
	mm_mark(&m);
	on_cpu(0);
	for (unsigned i = 0; i < 200; i++)
		CHECK((p[i] = kmalloc(64)));      /* class 3 */
	on_cpu(2);
	for (unsigned i = 0; i < 150; i++)     /* freed on another CPU */
		kfree(p[i]);
	heap_get_stats(&hs);
	CHECK_EQ(hs.cls[3].live, 50);
	CHECK_EQ(hs.cls[3].peak, 200);
	CHECK_EQ(hs.cls[3].allocs, 200);
	/* The caches' own block (heap_set_cpus) is a live large object. */
	CHECK_EQ(hs.live_bytes - hs.large_bytes, 50 * 64);
	CHECK_EQ(hs.peak_bytes - hs.large_bytes, 200 * 64);
	CHECK(heap_verify());
	/* CPU 2 reuses what it cached; CPU 0 frees the rest. */
	for (unsigned i = 0; i < 10; i++)
		CHECK((p[i] = kmalloc(50)));
	on_cpu(0);
	for (unsigned i = 0; i < 10; i++)
		kfree(p[i]);
	for (unsigned i = 150; i < 200; i++)
		kfree(p[i]);
	heap_get_stats(&hs);
	CHECK_EQ(hs.cls[3].live, 0);
	CHECK_EQ(hs.cls[3].allocs, 210);
	CHECK(heap_verify());
	/* heap_trim flushes the caller's cache only; each CPU trims its own. */
	heap_trim();
	CHECK(arena_blocks() > 0);
	on_cpu(2);
	CHECK(mm_balanced(&m));                /* trims CPU 2's cache */
	CHECK_EQ(arena_blocks(), 0);
	CHECK(frame_verify());
	on_cpu(0);
}

TEST(heap_cache_double_free_other_cpu)
{
	uint8_t *a;

	mm_sim_setup(POOL);
	CHECK_EQ(heap_set_cpus(3), MM_OK);
	on_cpu(0);
	a = kmalloc(100);
	CHECK(a);
	on_cpu(1);
	kfree(a);                              /* now in CPU 1's cache */
	on_cpu(0);
	EXPECT_PANIC(kfree(a), "double free: this 112-byte heap object");
	EXPECT_PANIC(ksize(a), "double free");
	EXPECT_PANIC(krealloc(a, 10), "double free");
	CHECK(heap_verify());
}

TEST(heap_cache_use_after_free)
{
	uint8_t *a, *b;

	mm_sim_setup_poison(POOL, HEAP_POISON_FULL); /* tail bytes poisoned */
	CHECK_EQ(heap_set_cpus(3), MM_OK);
	on_cpu(0);
	a = kmalloc(1000);
	b = kmalloc(1000);
	CHECK(a && b);
	kfree(a);
	kfree(b);
	a[999] = 1;                            /* last byte, not the first word */
	CHECK(!heap_verify());
	a[999] = HEAP_POISON;
	CHECK(heap_verify());
	b[0] = 1;                              /* b is reused first (LIFO) */
	EXPECT_PANIC(kmalloc(1000), "written after it was freed");
}

TEST(heap_cache_full_flush_and_exhaustion)
{
	static void *p[20000];
	struct mm_mark m;
	unsigned n = 0;

	mm_sim_setup(2 * MiB);
	CHECK_EQ(heap_set_cpus(3), MM_OK);
	on_cpu(0);
	mm_mark(&m);
	/* Fill CPU 1's caches of every class, then exhaust the pool from CPU
	 * 0: CPU 0's own caches are flushed on failure, CPU 1's stay. */
	on_cpu(1);
	for (unsigned s = 16; s <= HEAP_MAX_SMALL; s += 16) {
		void *q = kmalloc(s);
		CHECK(q);
		kfree(q);
	}
	on_cpu(0);
	while (n < 20000 && (p[n] = kmalloc(16 + 16 * (n % 128))))
		n++;
	CHECK(n > 100 && n < 20000);
	CHECK(heap_verify());
	while (n--)
		kfree(p[n]);
	CHECK(heap_verify());
	on_cpu(1);
	heap_trim();
	on_cpu(0);
	CHECK(mm_balanced(&m));
	CHECK(frame_verify());
}

/* heap_set_cpus: room for more CPUs' caches, sized at run time (1024 CPUs
 * here); what CPU 0 cached before moves along; a pool too small for the
 * caches says so and keeps the old ones. */
TEST(heap_set_cpus_grows)
{
	static void *p[64];
	struct heap_stats hs;

	mm_sim_setup(16 * MiB);
	CHECK_EQ(heap_cpus_room(), 1);
	on_cpu(0);
	for (unsigned i = 0; i < 64; i++)
		CHECK((p[i] = kmalloc(32)));
	for (unsigned i = 0; i < 16; i++)
		kfree(p[i]);                  /* into CPU 0's cache */
	CHECK_EQ(heap_set_cpus(4), MM_OK);
	CHECK_EQ(heap_cpus_room(), 4);
	CHECK_EQ(heap_set_cpus(2), MM_OK);    /* never shrinks */
	CHECK_EQ(heap_cpus_room(), 4);
	CHECK_EQ(heap_set_cpus(1024), MM_OK);
	CHECK_EQ(heap_cpus_room(), 1024);
	CHECK(heap_verify());
	heap_get_stats(&hs);
	CHECK_EQ(hs.cls[1].live, 48);
	on_cpu(1023);
	for (unsigned i = 16; i < 64; i++)
		kfree(p[i]);
	for (unsigned i = 0; i < 16; i++)
		CHECK((p[i] = kmalloc(20)));
	on_cpu(0);
	for (unsigned i = 0; i < 16; i++)
		kfree(p[i]);
	heap_get_stats(&hs);
	CHECK_EQ(hs.cls[1].live, 0);
	CHECK(heap_verify());

	/* 2 MiB cannot hold the caches of 4096 CPUs (28 MiB). */
	mm_sim_setup(2 * MiB);
	CHECK_EQ(heap_set_cpus(4096), MM_ENOMEM);
	CHECK_EQ(heap_cpus_room(), 1);
	CHECK((p[0] = kmalloc(16)));
	kfree(p[0]);
	CHECK(heap_verify());
	on_cpu(0);
}
