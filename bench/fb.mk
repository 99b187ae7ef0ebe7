# bench/fb.mk - `make bench-fb`: the cost of the log on the screen
# (docs/screen.md, "Cost"): cells the renderer draws against a full
# redraw per scroll (deterministic, fails over budget), ns per character
# on the host, and the hypervisor's boot with a framebuffer against the
# VGA text screen under QEMU (wall clock: reported with its spread).
BENCH_RUNS += bench-fb
.PHONY: bench-fb

BFB_BIN := $(BUILD)/bench/bench_fb

# The renderer as the hypervisor compiles it (-O2, no sanitizers).
$(BFB_BIN): bench/bench_fb.c fb/render.c fb/font.c fb/fb.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -O2 -DHOST_BUILD -I. -Wall -Wextra -Werror -o $@ $(filter %.c,$^)

bench-fb: $(BFB_BIN) $(KERNEL) $(GUEST_ELF)
	@mkdir -p $(BENCH_DIR)
	$(Q)$(PYTHON) tools/bench-fb.py $(BFB_BIN) \
	  >$(BENCH_DIR)/bench-fb.txt 2>&1; st=$$?; \
	  cat $(BENCH_DIR)/bench-fb.txt; exit $$st
