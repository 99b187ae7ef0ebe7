/*
 * tests/unit/test_mm.c - the frame domain: layout, alignment, poison,
 * zeroing, exhaustion, coalescing, and every kind of wrong frame_free.
 */
#include "test.h"
#include "test_mm.h"

#include <stdlib.h>

#define POOL (64 * MiB)

static uint64_t free_bytes(void)
{
	struct frame_stats st;
	frame_get_stats(&st);
	return st.free_bytes;
}

TEST(frame_init_layout)
{
	struct frame_stats st;
	enum frame_tag tag;
	struct paddr blk;
	unsigned order;

	mm_sim_setup(POOL);
	frame_get_stats(&st);
	CHECK_EQ(st.pool_base, MM_SIM_BASE);
	CHECK_EQ(st.pool_size, POOL);
	CHECK_EQ(st.meta_bytes, POOL / FRAME_SIZE * 8);      /* 0.195 % */
	CHECK(st.meta_bytes * 1000 <= st.pool_size * 2);
	CHECK_EQ(st.free_bytes + st.meta_bytes, POOL);
	CHECK_EQ(st.used_bytes, 0);
	CHECK_EQ(st.tag[FRAME_TAG_MM_META].bytes, st.meta_bytes);
	/* Metadata is carved from the top, tagged, outside the free frames. */
	CHECK_EQ(frame_owner(PADDR(MM_SIM_BASE + POOL - 1), &tag, &blk, &order),
		 MM_OK);
	CHECK_EQ(tag, FRAME_TAG_MM_META);
	CHECK_EQ(frame_owner(PADDR(MM_SIM_BASE), &tag, &blk, &order), MM_OK);
	CHECK_EQ(tag, FRAME_TAG_FREE);
	CHECK_EQ(order, 13);                 /* 32 MiB, the largest aligned fit */
	CHECK(frame_verify());
}

TEST(frame_init_rejects)
{
	mm_sim_setup(POOL);
	CHECK_EQ(frame_init(PADDR(MM_SIM_BASE + 4096), 32 * MiB), MM_EINVAL);
	CHECK_EQ(frame_init(PADDR(MM_SIM_BASE), 4096), MM_EINVAL);
	CHECK_EQ(frame_init(PADDR(MM_SIM_BASE), 1ULL << 50), MM_EINVAL);
}

TEST(frame_odd_sized_pool)
{
	struct paddr p;

	/* Not a power of two, not 2 MiB multiple: maximal aligned blocks. */
	mm_sim_setup(37 * MiB + 12 * KiB + 100);
	CHECK(frame_verify());
	uint64_t fb = free_bytes();
	uint64_t got = 0;
	while (frame_alloc(0, FRAME_TAG_TEST, 0, &p) == MM_OK)
		got += FRAME_SIZE;
	CHECK_EQ(got, fb);
	CHECK(frame_verify());
}

TEST(frame_alloc_alignment_and_tags)
{
	struct paddr p[FRAME_MAX_ORDER + 1];
	enum frame_tag tag;
	struct paddr blk;
	unsigned order;

	mm_sim_setup(POOL);
	for (unsigned k = 0; k <= 12; k++) {
		CHECK_EQ(frame_alloc(k, FRAME_TAG_NPT, 0, &p[k]), MM_OK);
		CHECK(IS_ALIGNED(p[k].pa, FRAME_ORDER_BYTES(k)));
		CHECK(frame_pool_contains(p[k]));
		CHECK_EQ(frame_owner(PADDR(p[k].pa + FRAME_ORDER_BYTES(k) - 1),
				     &tag, &blk, &order), MM_OK);
		CHECK_EQ(tag, FRAME_TAG_NPT);
		CHECK_EQ(blk.pa, p[k].pa);
		CHECK_EQ(order, k);
		CHECK_EQ(frame_block_tag(p[k], k), FRAME_TAG_NPT);
		CHECK_EQ(frame_block_tag(p[k], k + 1), FRAME_TAG_NONE);
	}
	for (unsigned i = 0; i <= 12; i++)
		for (unsigned j = i + 1; j <= 12; j++)
			CHECK(p[i].pa + FRAME_ORDER_BYTES(i) <= p[j].pa ||
			      p[j].pa + FRAME_ORDER_BYTES(j) <= p[i].pa);
	CHECK_EQ(frame_alloc(FRAME_MAX_ORDER + 1, FRAME_TAG_NPT, 0, &blk),
		 MM_EINVAL);
	CHECK_EQ(frame_alloc(0, FRAME_TAG_FREE, 0, &blk), MM_EINVAL);
	CHECK_EQ(frame_alloc(0, FRAME_TAG_MM_META, 0, &blk), MM_EINVAL);
	for (unsigned k = 0; k <= 12; k++)
		frame_free(p[k], k, FRAME_TAG_NPT);
	CHECK(frame_verify());
	CHECK_EQ(free_bytes(), POOL - POOL / 512);
}

TEST(frame_zero_and_poison)
{
	struct paddr p;
	const uint8_t *b;

	mm_sim_setup(POOL);
	CHECK_EQ(frame_alloc(2, FRAME_TAG_VMCB, 0, &p), MM_OK);
	b = phys_to_virt(p);
	CHECK_EQ(b[0], FRAME_POISON);        /* fresh frames are poisoned */
	memset((void *)b, 0x11, 4 * FRAME_SIZE);
	frame_free(p, 2, FRAME_TAG_VMCB);
	for (unsigned i = 0; i < 4 * FRAME_SIZE; i++)
		CHECK_EQ(b[i], FRAME_POISON);
	CHECK_EQ(frame_alloc(2, FRAME_TAG_VMCB, FRAME_ZERO, &p), MM_OK);
	b = phys_to_virt(p);
	for (unsigned i = 0; i < 4 * FRAME_SIZE; i++)
		CHECK_EQ(b[i], 0);
	CHECK(virt_to_phys(b).pa == p.pa);
}

TEST(frame_exhaustion_and_coalescing)
{
	struct frame_stats st0, st;
	static struct paddr p[16384];
	unsigned n = 0;

	mm_sim_setup(POOL);
	frame_get_stats(&st0);
	while (frame_alloc(0, FRAME_TAG_STACK, 0, &p[n]) == MM_OK)
		n++;
	CHECK_EQ(n, (POOL - POOL / 512) / FRAME_SIZE);
	frame_get_stats(&st);
	CHECK_EQ(st.free_bytes, 0);
	CHECK_EQ(st.failed, 1);
	CHECK_EQ(st.tag[FRAME_TAG_STACK].failed, 1);
	CHECK_EQ(st.tag[FRAME_TAG_STACK].blocks, n);
	CHECK_EQ(st.peak_used_bytes, (uint64_t)n * FRAME_SIZE);
	/* Free in an interleaved order: everything must merge back. */
	for (unsigned i = 0; i < n; i += 2)
		frame_free(p[i], 0, FRAME_TAG_STACK);
	CHECK_EQ(frame_alloc(1, FRAME_TAG_STACK, 0, &p[0]), MM_ENOMEM);
	for (unsigned i = 1; i < n; i += 2)
		frame_free(p[i], 0, FRAME_TAG_STACK);
	frame_get_stats(&st);
	for (unsigned k = 0; k <= FRAME_MAX_ORDER; k++)
		CHECK_EQ(st.free_blocks[k], st0.free_blocks[k]);
	CHECK_EQ(st.tag[FRAME_TAG_STACK].blocks, 0);
	CHECK(frame_verify());
}

TEST(frame_order_18)
{
	struct paddr p, q;

	/* 1 GiB + 64 MiB: one 1 GiB block, the metadata sits above it. */
	mm_sim_setup(1 * GiB + 64 * MiB);
	CHECK_EQ(frame_alloc(FRAME_MAX_ORDER, FRAME_TAG_NPT, 0, &p), MM_OK);
	CHECK_EQ(p.pa, MM_SIM_BASE);
	CHECK_EQ(frame_alloc(FRAME_MAX_ORDER, FRAME_TAG_NPT, 0, &q), MM_ENOMEM);
	frame_free(p, FRAME_MAX_ORDER, FRAME_TAG_NPT);
	CHECK_EQ(frame_alloc(FRAME_MAX_ORDER, FRAME_TAG_NPT, 0, &p), MM_OK);
	frame_free(p, FRAME_MAX_ORDER, FRAME_TAG_NPT);
	mm_sim_setup(POOL);   /* give the big mapping back */
}

TEST(frame_use_after_free_detected)
{
	struct paddr a, b;

	mm_sim_setup(POOL);
	CHECK_EQ(frame_alloc(0, FRAME_TAG_NET, 0, &a), MM_OK);
	CHECK_EQ(frame_alloc(0, FRAME_TAG_NET, 0, &b), MM_OK);
	frame_free(a, 0, FRAME_TAG_NET);      /* buddy b is live: no merge */
	*(volatile uint8_t *)phys_to_virt(a) = 1;
	CHECK(!frame_verify());
	EXPECT_PANIC(frame_alloc(0, FRAME_TAG_NET, 0, &a), "written while free");
}

/* ---- misuse: every wrong frame_free panics with its message --------------- */

TEST(frame_free_null)
{
	mm_sim_setup(POOL);
	EXPECT_PANIC(frame_free(PADDR(0), 0, FRAME_TAG_VMCB),
		     "null address (caller 0x");
}

TEST(frame_free_outside_pool)
{
	mm_sim_setup(POOL);
	EXPECT_PANIC(frame_free(PADDR(0x1000), 0, FRAME_TAG_VMCB),
		     "outside the pool");
	EXPECT_PANIC(frame_free(PADDR(MM_SIM_BASE + POOL), 0, FRAME_TAG_VMCB),
		     "outside the pool");
	/* Starts inside, runs past the end. */
	EXPECT_PANIC(frame_free(PADDR(MM_SIM_BASE + POOL - FRAME_SIZE), 1,
				FRAME_TAG_VMCB), "outside the pool");
}

TEST(frame_free_misaligned)
{
	struct paddr p;

	mm_sim_setup(POOL);
	CHECK_EQ(frame_alloc(0, FRAME_TAG_VMCB, 0, &p), MM_OK);
	EXPECT_PANIC(frame_free(PADDR(p.pa + 8), 0, FRAME_TAG_VMCB),
		     "misaligned for order 0");
}

TEST(frame_free_interior)
{
	struct paddr p;

	mm_sim_setup(POOL);
	CHECK_EQ(frame_alloc(3, FRAME_TAG_MSRPM, 0, &p), MM_OK);
	EXPECT_PANIC(frame_free(PADDR(p.pa + 2 * FRAME_SIZE), 1, FRAME_TAG_MSRPM),
		     "is inside the msrpm block");
	CHECK(frame_verify());
}

TEST(frame_free_double)
{
	struct paddr p, q;

	mm_sim_setup(POOL);
	CHECK_EQ(frame_alloc(0, FRAME_TAG_IOPM, 0, &p), MM_OK);
	CHECK_EQ(frame_alloc(0, FRAME_TAG_IOPM, 0, &q), MM_OK);
	frame_free(p, 0, FRAME_TAG_IOPM);
	EXPECT_PANIC(frame_free(p, 0, FRAME_TAG_IOPM),
		     "double free");
	CHECK(strstr(test_panic_msg, "tag found free, tag expected iopm"));
	/* After merging, the address is inside a bigger free block. */
	frame_free(q, 0, FRAME_TAG_IOPM);
	EXPECT_PANIC(frame_free(q, 0, FRAME_TAG_IOPM), "tag found free");
	CHECK(frame_verify());
}

TEST(frame_free_wrong_order)
{
	struct paddr p;

	mm_sim_setup(POOL);
	CHECK_EQ(frame_alloc(2, FRAME_TAG_HSAVE, 0, &p), MM_OK);
	EXPECT_PANIC(frame_free(p, 1, FRAME_TAG_HSAVE),
		     "wrong order for");
	CHECK(strstr(test_panic_msg, "freed as order 1, allocated as order 2"));
	EXPECT_PANIC(frame_free(p, 3, FRAME_TAG_HSAVE), "allocated as order 2");
	frame_free(p, 2, FRAME_TAG_HSAVE);
	CHECK(frame_verify());
}

TEST(frame_free_foreign_tag)
{
	struct paddr p;

	mm_sim_setup(POOL);
	CHECK_EQ(frame_alloc(0, FRAME_TAG_VMCB, 0, &p), MM_OK);
	EXPECT_PANIC(frame_free(p, 0, FRAME_TAG_NPT),
		     "foreign tag");
	CHECK(strstr(test_panic_msg, "tag found vmcb, tag expected npt"));
	EXPECT_PANIC(frame_free(p, 0, FRAME_TAG_FREE), "invalid tag");
	frame_free(p, 0, FRAME_TAG_VMCB);
}

TEST(frame_free_names_caller)
{
	struct paddr p;
	char want[32];

	mm_sim_setup(POOL);
	CHECK_EQ(frame_alloc(0, FRAME_TAG_VMCB, 0, &p), MM_OK);
	EXPECT_PANIC(frame_free(p, 0, FRAME_TAG_NPT), "caller 0x");
	/* The caller is this function: within a few KiB of its entry. */
	const char *c = strstr(test_panic_msg, "caller 0x");
	unsigned long long addr = strtoull(c + 7, NULL, 16);
	snprintf(want, sizeof(want), "%p", (void *)test_frame_free_names_caller);
	CHECK(addr > (unsigned long long)(uintptr_t)test_frame_free_names_caller);
	CHECK(addr < (unsigned long long)(uintptr_t)test_frame_free_names_caller
		     + 4096);
}

/* A block the hardware still uses is pinned: freeing it early is a
 * premature free (the lesson of a peer hypervisor that released a
 * contiguous block while its owner still used it). */
TEST(frame_premature_free_of_pinned_block)
{
	struct frame_stats st;
	struct mm_mark m;
	struct paddr p;

	mm_sim_setup(POOL);
	mm_mark(&m);
	CHECK_EQ(frame_alloc(1, FRAME_TAG_MSRPM, 0, &p), MM_OK);
	frame_pin(p, 1, FRAME_TAG_MSRPM);
	frame_get_stats(&st);
	CHECK_EQ(st.tag[FRAME_TAG_MSRPM].pinned, 1);
	CHECK(frame_verify());
	EXPECT_PANIC(frame_free(p, 1, FRAME_TAG_MSRPM), "premature free");
	CHECK(strstr(test_panic_msg, "msrpm block is pinned"));
	CHECK(strstr(test_panic_msg, "caller 0x"));
	/* The refused free changed nothing. */
	frame_get_stats(&st);
	CHECK_EQ(st.tag[FRAME_TAG_MSRPM].blocks, 1);
	CHECK(frame_verify());
	frame_unpin(p, 1, FRAME_TAG_MSRPM);
	frame_free(p, 1, FRAME_TAG_MSRPM);
	frame_get_stats(&st);
	CHECK_EQ(st.tag[FRAME_TAG_MSRPM].pinned, 0);
	CHECK(frame_verify());
	CHECK(mm_balanced(&m));
}

TEST(frame_pin_misuse)
{
	struct paddr p, q;

	mm_sim_setup(POOL);
	CHECK_EQ(frame_alloc(0, FRAME_TAG_VMCB, 0, &p), MM_OK);
	CHECK_EQ(frame_alloc(2, FRAME_TAG_IOPM, 0, &q), MM_OK);
	frame_pin(p, 0, FRAME_TAG_VMCB);
	EXPECT_PANIC(frame_pin(p, 0, FRAME_TAG_VMCB), "already pinned");
	EXPECT_PANIC(frame_unpin(q, 2, FRAME_TAG_IOPM), "is not pinned");
	EXPECT_PANIC(frame_pin(q, 0, FRAME_TAG_IOPM), "given as order 0");
	EXPECT_PANIC(frame_pin(q, 2, FRAME_TAG_NPT), "foreign tag");
	CHECK(strstr(test_panic_msg, "frame_pin:"));
	EXPECT_PANIC(frame_pin(PADDR(0), 0, FRAME_TAG_VMCB),
		     "frame_pin: null address");
	EXPECT_PANIC(frame_pin(PADDR(q.pa + FRAME_SIZE), 0, FRAME_TAG_IOPM),
		     "is inside the iopm block");
	frame_unpin(p, 0, FRAME_TAG_VMCB);
	frame_free(p, 0, FRAME_TAG_VMCB);
	EXPECT_PANIC(frame_pin(p, 0, FRAME_TAG_VMCB), "block not allocated");
	EXPECT_PANIC(frame_unpin(p, 0, FRAME_TAG_VMCB), "frame_unpin:");
	/* A re-allocated block starts unpinned. */
	CHECK_EQ(frame_alloc(0, FRAME_TAG_VMCB, 0, &p), MM_OK);
	frame_free(p, 0, FRAME_TAG_VMCB);
	frame_free(q, 2, FRAME_TAG_IOPM);
	CHECK(frame_verify());
}

TEST(frame_tag_names)
{
	for (unsigned t = 0; t < FRAME_TAG_COUNT; t++)
		CHECK(strcmp(frame_tag_name(t), "invalid") != 0);
	CHECK_STR(frame_tag_name(FRAME_TAG_NONE), "invalid");
	CHECK_STR(frame_tag_name(FRAME_TAG_HEAP_ARENA), "heap-arena");
}
