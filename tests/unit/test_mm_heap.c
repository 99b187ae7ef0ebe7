/*
 * tests/unit/test_mm_heap.c - the heap domain: sizes, alignment, zeroing,
 * realloc, arenas going back to the frame domain, exhaustion, poison, and
 * every kind of wrong kfree with its message.
 */
#include "test.h"
#include "test_mm.h"

#include <stdlib.h>

#define POOL (16 * MiB)

static uint64_t tag_blocks(enum frame_tag t)
{
	struct frame_stats st;
	frame_get_stats(&st);
	return st.tag[t].blocks;
}

TEST(heap_sizes_and_alignment)
{
	static void *p[4200];
	struct mm_mark m;
	size_t n = 0;

	mm_sim_setup(POOL);
	mm_mark(&m);
	for (size_t s = 0; s <= 4100; s++) {
		p[n] = kmalloc(s);
		CHECK(p[n]);
		CHECK(IS_ALIGNED((uintptr_t)p[n], HEAP_ALIGN));
		CHECK(ksize(p[n]) >= s);
		if (s > HEAP_MAX_SMALL)
			CHECK(IS_ALIGNED((uintptr_t)p[n], FRAME_SIZE));
		memset(p[n], (int)s, s);
		n++;
	}
	CHECK(heap_verify());
	for (size_t i = 0; i < n; i++) {
		const uint8_t *b = p[i];
		for (size_t j = 0; j < i; j++)
			CHECK_EQ(b[j], (uint8_t)i);
		kfree(p[i]);
	}
	CHECK(heap_verify());
	CHECK(mm_balanced(&m));
	CHECK(frame_verify());
}

TEST(heap_zeroed_helpers)
{
	struct thing { uint64_t a[40]; } *t;
	uint8_t *z;

	mm_sim_setup(POOL);
	t = knew(struct thing);
	CHECK(t);
	for (unsigned i = 0; i < 40; i++)
		CHECK_EQ(t->a[i], 0);
	z = kzalloc(5000);
	CHECK(z);
	for (unsigned i = 0; i < 5000; i++)
		CHECK_EQ(z[i], 0);
	z[4999] = 1;
	kfree(z);
	kfree(t);
	CHECK(kcalloc(SIZE_MAX / 2, 4) == NULL);
	z = kcalloc(10, 10);
	CHECK(z && z[99] == 0);
	kfree(z);
}

TEST(heap_krealloc)
{
	uint8_t *p, *q;

	mm_sim_setup(POOL);
	p = krealloc(NULL, 20);
	CHECK(p);
	for (unsigned i = 0; i < 20; i++)
		p[i] = i;
	q = krealloc(p, 30);                  /* same 32-byte class: in place */
	CHECK(q == p);
	q = krealloc(p, 3000);                /* grows into a large block */
	CHECK(q && q != p);
	for (unsigned i = 0; i < 20; i++)
		CHECK_EQ(q[i], i);
	p = krealloc(q, 100);                 /* large to small moves back */
	CHECK(p && p != q);
	for (unsigned i = 0; i < 20; i++)
		CHECK_EQ(p[i], i);
	CHECK(krealloc(p, 0) == NULL);
	CHECK(heap_verify());
	CHECK_EQ(tag_blocks(FRAME_TAG_HEAP_LARGE), 0);
}

TEST(heap_large_is_heap_owned)
{
	enum frame_tag tag;
	unsigned order;
	void *p;

	mm_sim_setup(POOL);
	p = kmalloc(100 * KiB);
	CHECK(p);
	CHECK_EQ(frame_owner(virt_to_phys(p), &tag, NULL, &order), MM_OK);
	CHECK_EQ(tag, FRAME_TAG_HEAP_LARGE);
	CHECK_EQ(order, 5);
	CHECK_EQ(ksize(p), 128 * KiB);
	kfree(p);
	CHECK_EQ(tag_blocks(FRAME_TAG_HEAP_LARGE), 0);
	CHECK(kmalloc(2 * GiB) == NULL);
}

TEST(heap_arenas_return_to_frames)
{
	static void *p[3000];
	struct heap_stats hs;

	mm_sim_setup(POOL);
	for (unsigned i = 0; i < 3000; i++)
		CHECK((p[i] = kmalloc(100)));       /* 112-byte class: 5 arenas */
	heap_get_stats(&hs);
	CHECK(hs.cls[6].arenas >= 5);
	CHECK_EQ(hs.cls[6].live, 3000);
	CHECK_EQ(tag_blocks(FRAME_TAG_HEAP_ARENA), hs.cls[6].arenas);
	for (unsigned i = 0; i < 3000; i++)
		kfree(p[i]);
	/* Only the current arena stays until trimmed. */
	CHECK_EQ(tag_blocks(FRAME_TAG_HEAP_ARENA), 1);
	heap_trim();
	CHECK_EQ(tag_blocks(FRAME_TAG_HEAP_ARENA), 0);
	CHECK(frame_verify());
}

TEST(heap_exhaustion)
{
	static void *p[70000];
	struct heap_stats hs;
	struct mm_mark m;
	unsigned n = 0;

	mm_sim_setup(4 * MiB);
	mm_mark(&m);
	while (n < 70000 && (p[n] = kmalloc(200)))
		n++;
	CHECK(n > 10000 && n < 70000);
	heap_get_stats(&hs);
	CHECK_EQ(hs.failed, 1);
	CHECK(kmalloc(100 * KiB) == NULL);
	CHECK(heap_verify());
	for (unsigned i = 0; i < n; i++)
		kfree(p[i]);
	CHECK(mm_balanced(&m));
	CHECK(frame_verify());
}

TEST(heap_poison_and_use_after_free)
{
	uint8_t *p, *q;

	mm_sim_setup(POOL);
	p = kmalloc(64);
	CHECK(p);
	CHECK_EQ(p[0], HEAP_POISON);          /* uninitialized = poisoned */
	memset(p, 0, 64);
	kfree(p);
	for (unsigned i = 0; i < 64; i++)
		CHECK_EQ(p[i], HEAP_POISON);
	p[3] = 0;                             /* write after free */
	CHECK(!heap_verify());
	EXPECT_PANIC(q = kmalloc(64), "written after it was freed");
	(void)q;
}

/* The default poisoning: the head and the redzone of a large object, the
 * whole of a small one; every poisoned byte is checked. */
TEST(heap_poison_bounded_default)
{
	uint8_t *p, *s, *q;

	mm_sim_setup(POOL);
	CHECK_EQ(heap_poison_bytes(), HEAP_POISON_DEFAULT);
	s = kmalloc(HEAP_POISON_DEFAULT - 16);
	p = kmalloc(1000);                    /* class 1024 */
	CHECK(s && p);
	memset(s, 0xA5, HEAP_POISON_DEFAULT - 16);
	memset(p, 0xA5, 1000);
	kfree(s);
	kfree(p);
	for (unsigned i = 0; i < HEAP_POISON_DEFAULT; i++)   /* incl. redzone */
		CHECK_EQ(s[i], HEAP_POISON);
	for (unsigned i = 0; i < HEAP_POISON_DEFAULT; i++)
		CHECK_EQ(p[i], HEAP_POISON);
	for (unsigned i = 1024; i < 1024 + 16; i++)         /* redzone */
		CHECK_EQ(p[i], HEAP_POISON);
	CHECK_EQ(p[500], 0xA5);               /* the tail keeps stale bytes */
	CHECK(heap_verify());
	EXPECT_PANIC(kfree(p), "double free");
	p[HEAP_POISON_DEFAULT - 1] = 0;       /* last poisoned head byte */
	CHECK(!heap_verify());
	p[HEAP_POISON_DEFAULT - 1] = HEAP_POISON;
	p[1030] = 0;                          /* the freed object's redzone */
	CHECK(!heap_verify());
	p[1030] = HEAP_POISON;
	CHECK(heap_verify());
	p[8] = 0;                             /* second word: kmalloc sees it */
	EXPECT_PANIC(q = kmalloc(1000), "written after it was freed");
	(void)q;
}

TEST(heap_poison_full_mode)
{
	uint8_t *p;

	mm_sim_setup_poison(POOL, HEAP_POISON_FULL);
	CHECK_EQ(heap_poison_bytes(), HEAP_POISON_FULL);
	p = kmalloc(2000);                    /* class 2048 */
	CHECK(p);
	memset(p, 0xA5, 2000);
	kfree(p);
	for (unsigned i = 0; i < 2048 + 16; i++)
		CHECK_EQ(p[i], HEAP_POISON);
	p[2000] = 0;
	CHECK(!heap_verify());
}

TEST(heap_poison_custom_and_invalid)
{
	uint8_t *p;

	mm_sim_setup_poison(POOL, 256);
	p = kmalloc(512);
	CHECK(p);
	memset(p, 0xA5, 512);
	kfree(p);
	CHECK_EQ(p[255], HEAP_POISON);
	CHECK_EQ(p[256], 0xA5);
	CHECK(heap_verify());
	CHECK(heap_poison_valid(16) && heap_poison_valid(HEAP_POISON_FULL));
	CHECK(!heap_poison_valid(0) && !heap_poison_valid(8) &&
	      !heap_poison_valid(100) && !heap_poison_valid(1ULL << 32));
	EXPECT_PANIC(heap_init(100), "poison_bytes 100 is neither full");
}

/* ---- misuse: every wrong kfree panics and says which --------------------- */

TEST(kfree_null)
{
	mm_sim_setup(POOL);
	EXPECT_PANIC(kfree(NULL), "kfree(NULL): null pointer");
}

TEST(kfree_image_pointer)
{
	static char image[64];

	mm_sim_setup(POOL);
	mm_set_image_range((uintptr_t)image, (uintptr_t)image + sizeof(image));
	EXPECT_PANIC(kfree(image + 16), "pointer into the hypervisor image");
	mm_set_image_range(0, 0);
}

TEST(kfree_outside_direct_map)
{
	char local[16];
	void *m = malloc(32);

	mm_sim_setup(POOL);
	EXPECT_PANIC(kfree(m), "not in the direct map");
	free(m);
	EXPECT_PANIC(kfree(local), "not a heap pointer");
	/* In the direct map but below the pool (never dereferenced). */
	EXPECT_PANIC(kfree((void *)(uintptr_t)(mm_direct_map_offset + 0x1000)),
		     "outside the hypervisor pool");
}

TEST(kfree_frame_address)
{
	struct paddr f, s;

	mm_sim_setup(POOL);
	CHECK_EQ(frame_alloc(0, FRAME_TAG_VMCB, 0, &f), MM_OK);
	EXPECT_PANIC(kfree(phys_to_virt(f)), "a frame of tag vmcb");
	CHECK_EQ(frame_alloc(2, FRAME_TAG_STACK, 0, &s), MM_OK);
	EXPECT_PANIC(kfree((char *)phys_to_virt(s) + 8000), "a stack address");
	/* And the other way: a heap block freed as a frame. */
	void *big = kmalloc(8192);
	CHECK(big);
	EXPECT_PANIC(frame_free(virt_to_phys(big), 1, FRAME_TAG_NPT),
		     "tag found heap-large, tag expected npt");
	void *small = kmalloc(32);
	CHECK(small);
	EXPECT_PANIC(frame_free(PADDR(ALIGN_DOWN(virt_to_phys(small).pa,
						 64 * KiB)), 4, FRAME_TAG_NPT),
		     "tag found heap-arena");
}

TEST(kfree_interior)
{
	uint8_t *p, *big;

	mm_sim_setup(POOL);
	p = kmalloc(48);
	CHECK(p);
	EXPECT_PANIC(kfree(p + 8), "interior pointer, 8 bytes into the 48-byte");
	EXPECT_PANIC(kfree(p + 48), "interior pointer");   /* its redzone */
	EXPECT_PANIC(kfree((void *)ALIGN_DOWN((uintptr_t)p, 64 * KiB)),
		     "interior pointer into the header");
	big = kmalloc(20000);
	CHECK(big);
	EXPECT_PANIC(kfree(big + 4096), "interior pointer, 4096 bytes into the "
		     "large heap block");
	kfree(big);
	kfree(p);
	CHECK(heap_verify());
}

TEST(kfree_double)
{
	static void *p[2000];
	uint8_t *a, *big;

	mm_sim_setup(POOL);
	a = kmalloc(24);
	CHECK(a);
	kfree(a);
	EXPECT_PANIC(kfree(a), "double free: this 32-byte heap object");
	big = kmalloc(10000);
	CHECK(big);
	kfree(big);
	EXPECT_PANIC(kfree(big), "double free: the memory is free in the frame");
	/* A stale pointer into an arena that went back to the frame domain. */
	for (unsigned i = 0; i < 2000; i++)
		CHECK((p[i] = kmalloc(1000)));
	for (unsigned i = 0; i < 2000; i++)
		kfree(p[i]);
	EXPECT_PANIC(kfree(p[0]), "double free");
	CHECK(heap_verify());
}

TEST(kfree_overrun_redzone)
{
	uint8_t *p;

	mm_sim_setup(POOL);
	p = kmalloc(32);
	CHECK(p);
	p[32] = 0;                            /* one byte past the end */
	EXPECT_PANIC(kfree(p), "heap overrun");
	CHECK(strstr(test_panic_msg, "32-byte object"));
}

TEST(heap_stats_printed)
{
	void *p;

	mm_sim_setup(POOL);
	p = kmalloc(100);
	mm_print_stats(printk);                     /* HV_TEST_VERBOSE=1 shows it */
	kfree(p);
}

TEST(heap_account_counts_and_limits)
{
	static struct heap_account acct = { .name = "test", .limit = 4096 };
	struct mm_mark m;
	void *a, *b, *c;

	mm_sim_setup(POOL);
	mm_mark(&m);
	acct.live_bytes = acct.peak_bytes = acct.live_objects = 0;
	acct.allocs = acct.failed = 0;
	a = kmalloc_acct(&acct, 1000);
	CHECK(a);
	CHECK_EQ(acct.live_bytes, ksize(a));
	b = kzalloc_acct(&acct, 2000);
	CHECK(b);
	CHECK_EQ(((uint8_t *)b)[1999], 0);
	CHECK_EQ(acct.live_objects, 2);
	/* 1024 + 2048 live: 2000 more would pass the 4 KiB limit */
	c = kmalloc_acct(&acct, 2000);
	CHECK(c == NULL);
	CHECK_EQ(acct.failed, 1);
	/* a request above the limit fails before touching the heap */
	CHECK(kmalloc_acct(&acct, 1 << 20) == NULL);
	CHECK_EQ(acct.failed, 2);
	kfree_acct(&acct, a);
	kfree_acct(&acct, b);
	kfree_acct(&acct, NULL);
	CHECK_EQ(acct.live_bytes, 0);
	CHECK_EQ(acct.live_objects, 0);
	CHECK(acct.peak_bytes >= 3000);
	CHECK_EQ(acct.allocs, 2);
	CHECK(mm_balanced(&m));
}
