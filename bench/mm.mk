# bench/mm.mk - `make bench-mm`: our heap against glibc/jemalloc/mimalloc/
# tcmalloc (dlopen'd from the Debian packages), frame rates, bookkeeping.
# Built -O2 without sanitizers: the configuration that ships, checks on.
# Fails when the frame bookkeeping exceeds its size target; the wall-clock
# ratios are flagged, not failed (docs/mm-bench.md).
BENCH_RUNS += bench-mm
.PHONY: bench-mm

MM_BENCH_SRCS := $(wildcard mm/*.c) bench/bench_mm.c tests/abort_stubs.c

$(BUILD)/bench/bench_mm: $(MM_BENCH_SRCS) $(wildcard mm/*.h) kernel/kernel.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	  -Wno-unused-parameter -DHOST_BUILD -I. -o $@ $(MM_BENCH_SRCS) -ldl

bench-mm: $(BUILD)/bench/bench_mm
	@mkdir -p $(BENCH_DIR)
	$(Q)$(BUILD)/bench/bench_mm >$(BENCH_DIR)/bench-mm.txt 2>&1; st=$$?; \
	  cat $(BENCH_DIR)/bench-mm.txt; exit $$st
