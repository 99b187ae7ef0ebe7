# bench/svm.mk - `make bench-svm`: what exits cost as the guest sees them
# (method and targets in docs/bench-svm.md, results in
# docs/bench-results.md).
#
# One ISO whose guest runs `bench exit` (guest/bench.c), booted three times
# with -smp 1 under TCG (never KVM: the numbers are TCG's instruction
# counts):
#   icount1, icount2  -icount shift=0,sleep=off, -m 1G: round trips in
#                     instructions (the TSC counts instructions) and idle
#                     exits over 1000 PIT ticks of virtual time; two runs so
#                     the script can show they are identical
#   realtime          no icount, -m 4G: idle exits over 1 s of real time,
#                     and the hypervisor's NPT line for a 4 GiB guest
# and a second ISO whose guest runs `smp bench exit`, booted
# SVMB_SMP_RUNS times with -smp 4 -m 1G in real time (MTTCG, no icount):
#   smp1..N           SIPI latency (host TSC counts, converted with the TSC
#                     rate the guest measures against the PIT) and every
#                     CPU's idle exits per LAPIC and PIT tick
# tools/bench-svm.py parses the serial logs and prints one table; it fails
# when a deterministic target (instruction counts, exit counts, the NPT
# size) or a round trip's budget is missed.
BENCH_RUNS += bench-svm
.PHONY: bench-svm

SVMB_DIR   := $(BUILD)/bench
SVMB_ISO   := $(SVMB_DIR)/svm-bench.iso
SVMB_QEMU_ANY := timeout 600 $(QEMU) -M q35 -accel tcg -cpu qemu64,+svm,+npt \
              -display none -no-reboot -monitor none \
              -device isa-debug-exit,iobase=0xf4,iosize=0x04
SVMB_QEMU  := $(SVMB_QEMU_ANY) -smp 1 -cdrom $(SVMB_ISO)
SVMB_ICOUNT := -icount shift=0,sleep=off
SVMB_SMP_ISO  := $(SVMB_DIR)/svm-bench-smp.iso
SVMB_SMP_RUNS := 1 2 3
SVMB_SMP_LOGS := $(foreach n,$(SVMB_SMP_RUNS),$(SVMB_DIR)/svm-smp$(n).log)
SVMB_QEMU_SMP := $(SVMB_QEMU_ANY) -smp 4 -cdrom $(SVMB_SMP_ISO)

$(SVMB_ISO): $(KERNEL) $(GUEST_ELF) iso/grub.cfg tools/mkiso.sh
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  ISO     $@ (guest: bench exit)")
	$(Q)TIMEOUT=0 GUEST_ARGS="bench exit" tools/mkiso.sh $@ iso/grub.cfg \
	  $(KERNEL) $(GUEST_ELF)

$(SVMB_SMP_ISO): $(KERNEL) $(GUEST_ELF) iso/grub.cfg tools/mkiso.sh
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  ISO     $@ (guest: smp bench exit)")
	$(Q)TIMEOUT=0 GUEST_ARGS="smp bench exit" tools/mkiso.sh $@ iso/grub.cfg \
	  $(KERNEL) $(GUEST_ELF)

# QEMU's status is (guest code << 1) | 1 through isa-debug-exit, so it is
# never 0: ignore it; the script judges the logs (it fails on missing lines,
# a timeout or crash included).
bench-svm: $(SVMB_ISO) $(SVMB_SMP_ISO)
	@echo "  QEMU    svm bench: 2 runs with -icount, 1 in real time (-m 4G), \
	$(words $(SVMB_SMP_RUNS)) with -smp 4"
	$(Q)rm -f $(SVMB_DIR)/svm-icount1.log $(SVMB_DIR)/svm-icount2.log \
	  $(SVMB_DIR)/svm-realtime.log $(SVMB_SMP_LOGS)
	$(Q)$(SVMB_QEMU) -m 1G $(SVMB_ICOUNT) \
	  -serial file:$(SVMB_DIR)/svm-icount1.log >/dev/null 2>&1 || true
	$(Q)$(SVMB_QEMU) -m 1G $(SVMB_ICOUNT) \
	  -serial file:$(SVMB_DIR)/svm-icount2.log >/dev/null 2>&1 || true
	$(Q)$(SVMB_QEMU) -m 4G \
	  -serial file:$(SVMB_DIR)/svm-realtime.log >/dev/null 2>&1 || true
	$(Q)for log in $(SVMB_SMP_LOGS); do \
	  $(SVMB_QEMU_SMP) -m 1G -serial file:$$log >/dev/null 2>&1 || true; done
	$(Q)$(PYTHON) tools/bench-svm.py \
	  --icount $(SVMB_DIR)/svm-icount1.log \
	  --icount $(SVMB_DIR)/svm-icount2.log \
	  --realtime $(SVMB_DIR)/svm-realtime.log \
	  $(foreach l,$(SVMB_SMP_LOGS),--smp $(l)) \
	  >$(BENCH_DIR)/bench-svm.txt 2>&1; st=$$?; \
	  cat $(BENCH_DIR)/bench-svm.txt; exit $$st
