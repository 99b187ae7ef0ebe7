# bench/ucon.mk - `make bench-ucon`: the authenticated UDP console
# (docs/console-protocol.md, "Benchmark"): round trips of `version`
# sealed against plaintext (median, p99, the ratio with its spread over
# rounds), the cost of one forged datagram (natively, on this host's CPU,
# and as the hypervisor accounts it under TCG), and the guest's work rate
# during a bounded forged flood. Fails when a deterministic target is
# missed (every request answered, per-datagram overhead, the console
# answering through the flood); the wall-clock ratio is reported.
BENCH_RUNS += bench-ucon
.PHONY: bench-ucon

UCB_DIR  := $(BUILD)/bench
UCB_KEY  := $(UCB_DIR)/ucon-bench.key
UCB_PLAIN := $(UCB_DIR)/ucon-plain.iso
UCB_KEYED := $(UCB_DIR)/ucon-keyed.iso
UCB_WORK := $(UCB_DIR)/ucon-work.iso
UCB_TAGCOST := $(UCB_DIR)/ucon_tagcost

$(UCB_KEY):
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) tools/hvcon keygen $@ >/dev/null

$(UCB_PLAIN): $(KERNEL) $(GUEST_ELF) iso/grub.cfg tools/mkiso.sh
	@mkdir -p $(dir $@)
	$(Q)TIMEOUT=0 CMDLINE="net=00:05.0 console_key=none" GUEST_ARGS="spin" \
	  tools/mkiso.sh $@ iso/grub.cfg $(KERNEL) $(GUEST_ELF)

$(UCB_KEYED): $(KERNEL) $(GUEST_ELF) iso/grub.cfg tools/mkiso.sh $(UCB_KEY)
	@mkdir -p $(dir $@)
	$(Q)TIMEOUT=0 CMDLINE="net=00:05.0" GUEST_ARGS="spin" KEY_FILE=$(UCB_KEY) \
	  tools/mkiso.sh $@ iso/grub.cfg $(KERNEL) $(GUEST_ELF)

$(UCB_WORK): $(KERNEL) $(GUEST_ELF) iso/grub.cfg tools/mkiso.sh $(UCB_KEY)
	@mkdir -p $(dir $@)
	$(Q)TIMEOUT=0 CMDLINE="net=00:05.0" GUEST_ARGS="work" KEY_FILE=$(UCB_KEY) \
	  tools/mkiso.sh $@ iso/grub.cfg $(KERNEL) $(GUEST_ELF)

# The tag check as the hypervisor compiles it (-O2, no sanitizers).
$(UCB_TAGCOST): net/ucon_wire.c lib/format.c $(BEARSSL_HOST_SRCS) tests/unit/ucon_interop.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -O2 -DHOST_BUILD -I. $(BEARSSL_HOST_INC) -o $@ $(filter %.c,$^)

bench-ucon: $(UCB_PLAIN) $(UCB_KEYED) $(UCB_WORK) $(UCB_TAGCOST)
	@mkdir -p $(BENCH_DIR)
	$(Q)$(PYTHON) tools/bench-ucon.py --key $(UCB_KEY) --tagcost $(UCB_TAGCOST) \
	  $(UCB_PLAIN) $(UCB_KEYED) $(UCB_WORK) >$(BENCH_DIR)/bench-ucon.txt 2>&1; \
	  st=$$?; cat $(BENCH_DIR)/bench-ucon.txt; exit $$st
