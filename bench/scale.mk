# bench/scale.mk - `make bench-scale`: the hypervisor's set-up time (TSC
# from its first instruction to the guest's, `hv: setup:`) at -smp 1, 16,
# 64 and 255, and the pool it needs per CPU (docs/memory.md, "Per CPU").
# Fails when the pool per CPU exceeds SMP_POOL_PER_CPU (smp/smp.h, read
# from there); the set-up time is wall clock under TCG: reported with its
# spread, never failed.
BENCH_RUNS += bench-scale
.PHONY: bench-scale

SCB_ISO := $(BUILD)/bench/scale.iso
SCB_BOUND_KIB = $(shell sed -n 's/^\#define SMP_POOL_PER_CPU (\([0-9]*\) \* KiB).*/\1/p' smp/smp.h)

$(SCB_ISO): $(KERNEL) $(GUEST_ELF) iso/grub.cfg tools/mkiso.sh
	@mkdir -p $(dir $@)
	$(Q)TIMEOUT=0 CMDLINE="" GUEST_ARGS="exit" \
	  tools/mkiso.sh $@ iso/grub.cfg $(KERNEL) $(GUEST_ELF)

bench-scale: $(SCB_ISO)
	@mkdir -p $(BENCH_DIR)
	$(Q)test -n "$(SCB_BOUND_KIB)" || { echo "bench-scale: SMP_POOL_PER_CPU not found in smp/smp.h"; exit 1; }
	$(Q)$(PYTHON) tools/bench-scale.py --bound-kib $(SCB_BOUND_KIB) $(SCB_ISO) \
	  >$(BENCH_DIR)/bench-scale.txt 2>&1; \
	  st=$$?; cat $(BENCH_DIR)/bench-scale.txt; exit $$st
