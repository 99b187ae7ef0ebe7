# bench/linux.mk - `make bench-linux`: a Linux guest's boot time to init
# with and without the hypervisor (same kernel, initramfs and GRUB), VM
# exits during the boot, memory the guest loses (tools/bench-linux.py,
# docs/linux.md "Benchmark"). BENCH_LINUX_RUNS boots per configuration.
BENCH_RUNS += bench-linux
.PHONY: bench-linux
BENCH_LINUX_RUNS ?= 5

bench-linux: $(KERNEL) $(LINUX_KERNEL) $(LINUX_INITRD)
	@mkdir -p $(BENCH_DIR)
	$(Q)$(PYTHON) tools/bench-linux.py --runs $(BENCH_LINUX_RUNS) \
	  >$(BENCH_DIR)/bench-linux.txt 2>&1; st=$$?; \
	  cat $(BENCH_DIR)/bench-linux.txt; exit $$st
