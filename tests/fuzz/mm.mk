# tests/fuzz/mm.mk - libFuzzer target driving both mm/ allocators.
FUZZ_TARGETS += mm
FUZZ_SRCS_mm := mm/frame.c mm/frame_verify.c mm/heap.c mm/heap_cache.c mm/heap_check.c mm/stats.c mm/account.c mm/pool.c \
                tests/fuzz/fuzz_mm.c
