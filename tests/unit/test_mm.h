/*
 * tests/unit/test_mm.h - a simulated pool for the mm/ host tests: physical
 * addresses from MM_SIM_BASE land in an mmap'd buffer through the direct
 * map offset, exactly as the kernel's direct map does.
 */
#ifndef TESTS_UNIT_TEST_MM_H
#define TESTS_UNIT_TEST_MM_H

#include "mm/mm.h"

#define MM_SIM_BASE 0x40000000ULL   /* 1 GiB: aligned for every order */

/* (Re)create a pool of `size` bytes at MM_SIM_BASE and reset both
 * domains. Aborts the test binary if the pool cannot be set up. */
void mm_sim_setup(uint64_t size);
/* The same with the heap's poisoning chosen (mm_sim_setup: the default). */
void mm_sim_setup_poison(uint64_t size, uint32_t poison_bytes);

#endif
