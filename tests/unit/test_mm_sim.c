/* tests/unit/test_mm_sim.c - the simulated pool behind tests/unit/test_mm*.c */
#include "test_mm.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

static void *sim_buf;
static uint64_t sim_size;

void mm_sim_setup(uint64_t size)
{
	mm_sim_setup_poison(size, HEAP_POISON_DEFAULT);
}

void mm_sim_setup_poison(uint64_t size, uint32_t poison_bytes)
{
	if (sim_buf)
		munmap(sim_buf, sim_size);
	sim_size = size;
	sim_buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sim_buf == MAP_FAILED) {
		perror("mm_sim_setup: mmap");
		abort();
	}
	madvise(sim_buf, size, MADV_HUGEPAGE);   /* fewer faults on poisoning */
	mm_direct_map_offset = (uint64_t)(uintptr_t)sim_buf - MM_SIM_BASE;
	mm_direct_map_size = MM_SIM_BASE + size;
	if (frame_init(PADDR(MM_SIM_BASE), size) != MM_OK) {
		fprintf(stderr, "mm_sim_setup: frame_init failed\n");
		abort();
	}
	heap_init(poison_bytes);
}
