# bench/iommu.mk - `make bench-iommu`: what AMD-Vi costs (docs/iommu.md,
# "Benchmark"). One ISO whose guest runs `dmabench=5` (guest/dmabench.c:
# 3 rounds of 5 edu DMA round trips RAM -> device -> RAM), booted 3 times
# without and 3 times with -device amd-iommu, alternating (about 40 s).
# Reported: the guest's DMA throughput both ways and the ratio's spread,
# the hypervisor's set-up time both ways and its IOMMU step. Fails when a
# transfer is lost or corrupted, when QEMU's IOMMU did not translate every
# transfer or faulted one, or when the hypervisor counts a blocked DMA.
BENCH_RUNS += bench-iommu
.PHONY: bench-iommu

IOMB_ISO := $(BUILD)/bench/iommu-dmabench.iso

$(IOMB_ISO): $(KERNEL) $(GUEST_ELF) iso/grub.cfg tools/mkiso.sh
	@mkdir -p $(dir $@)
	$(Q)TIMEOUT=0 CMDLINE="" GUEST_ARGS="dmabench=5" \
	  tools/mkiso.sh $@ iso/grub.cfg $(KERNEL) $(GUEST_ELF)

bench-iommu: $(IOMB_ISO)
	@mkdir -p $(BENCH_DIR)
	$(Q)$(PYTHON) tools/bench-iommu.py $(IOMB_ISO) \
	  >$(BENCH_DIR)/bench-iommu.txt 2>&1; \
	  st=$$?; cat $(BENCH_DIR)/bench-iommu.txt; exit $$st
