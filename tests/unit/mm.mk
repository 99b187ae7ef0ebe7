# tests/unit/mm.mk - host tests for mm/ (frame domain, heap domain, pool
# choice, and a 10^6-operation property test against a reference model).
UNIT_TESTS += mm
UNIT_SRCS_mm := mm/frame.c mm/frame_verify.c mm/heap.c mm/heap_cache.c mm/heap_check.c mm/stats.c mm/account.c mm/pool.c \
                tests/unit/test_mm_sim.c tests/unit/test_mm.c \
                tests/unit/test_mm_heap.c tests/unit/test_mm_prop.c \
                tests/unit/test_mm_pool.c tests/unit/test_mm_cache.c
