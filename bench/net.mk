# bench/net.mk - `make bench-net`: UDP console round trips (docs/net.md,
# "Benchmark"): 1000 `version` requests with the guest idle, 1000 with it
# spinning with interrupts off; median, p99, requests per second; the
# guest's work rate (guest option `work`) with and without a flood.
BENCH_RUNS += bench-net
.PHONY: bench-net

NETB_DIR := $(BUILD)/bench
NETB_ISO_IDLE := $(NETB_DIR)/net-idle.iso
NETB_ISO_SPIN := $(NETB_DIR)/net-spin.iso
NETB_ISO_WORK := $(NETB_DIR)/net-work.iso

$(NETB_ISO_IDLE): $(KERNEL) $(GUEST_ELF) iso/grub.cfg tools/mkiso.sh
	@mkdir -p $(dir $@)
	$(Q)TIMEOUT=0 CMDLINE="net=00:05.0 console_key=none" GUEST_ARGS="" \
	  tools/mkiso.sh $@ iso/grub.cfg $(KERNEL) $(GUEST_ELF)

$(NETB_ISO_SPIN): $(KERNEL) $(GUEST_ELF) iso/grub.cfg tools/mkiso.sh
	@mkdir -p $(dir $@)
	$(Q)TIMEOUT=0 CMDLINE="net=00:05.0 console_key=none" GUEST_ARGS="spin" \
	  tools/mkiso.sh $@ iso/grub.cfg $(KERNEL) $(GUEST_ELF)

$(NETB_ISO_WORK): $(KERNEL) $(GUEST_ELF) iso/grub.cfg tools/mkiso.sh
	@mkdir -p $(dir $@)
	$(Q)TIMEOUT=0 CMDLINE="net=00:05.0 console_key=none" GUEST_ARGS="work" \
	  tools/mkiso.sh $@ iso/grub.cfg $(KERNEL) $(GUEST_ELF)

bench-net: $(NETB_ISO_IDLE) $(NETB_ISO_SPIN) $(NETB_ISO_WORK)
	@mkdir -p $(BENCH_DIR)
	$(Q)$(PYTHON) tools/bench-net.py $(NETB_ISO_IDLE) $(NETB_ISO_SPIN) \
	  $(NETB_ISO_WORK) >$(BENCH_DIR)/bench-net.txt 2>&1; st=$$?; \
	  cat $(BENCH_DIR)/bench-net.txt; exit $$st
