# Thin AMD hypervisor - top-level Makefile.
#
#   make            build the hypervisor, the guest and the ISO
#   make run        boot the ISO in QEMU (KVM when nested SVM is there, TCG otherwise);
#                   GUEST=linux: a Debian kernel and busybox initramfs as the guest
#   make test       host unit tests (ASan+UBSan) and QEMU boot tests
#   make help       every target and variable
#
# Everything is built out of tree in $(BUILD). V=1 prints full commands.

BUILD     ?= build
CROSS     ?= $(if $(shell command -v x86_64-elf-gcc 2>/dev/null),x86_64-elf-,)
CC        := $(CROSS)gcc
LD        := $(CROSS)ld
OBJCOPY   := $(CROSS)objcopy
HOSTCC    ?= gcc
FUZZCC    ?= clang
PYTHON    ?= /usr/bin/python3

# QEMU knobs for run/run-uefi/gdb.
SMP       ?= 4
MEM       ?= 2G
QEMU_EXTRA ?=
# The hypervisor takes the NIC at 00:05.0 (see QEMU_NET) and serves the
# authenticated UDP console with the key CONSOLE_KEY, made for the run
# and put on the ISO as the GRUB module 'console_key'
# (docs/console-protocol.md). CONSOLE_KEY= (empty): no key, no UDP console.
CMDLINE   ?= net=00:05.0
CONSOLE_KEY ?= $(BUILD)/console.key
# The video mode GRUB sets for the hypervisor's first menu entry
# (docs/screen.md): empty = VGA text under BIOS, GRUB's choice under UEFI;
# e.g. GFXPAYLOAD=1024x768x32 for the log on a framebuffer (see it with
# QEMU_EXTRA='-display gtk': the last -display wins).
GFXPAYLOAD ?=
# Host port the UDP console is forwarded to (127.0.0.1 only).
UDP_PORT  ?= 4444
QEMU      ?= qemu-system-x86_64
OVMF      ?= /usr/share/ovmf/OVMF.fd

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- freestanding flags, in one place -------------------------------------
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wno-unused-parameter -Wvla -Wundef
KCFLAGS   := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-builtin-printf \
             -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
             -fno-omit-frame-pointer -fno-stack-protector -fno-common \
             -fno-strict-aliasing -fcf-protection=none -mno-sse -mno-mmx \
             -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
             -I. -MMD -MP
KASFLAGS  := $(filter-out -std=gnu11,$(KCFLAGS)) -D__ASSEMBLY__
KLDFLAGS  := -nostdlib -static -no-pie -z max-page-size=0x1000 \
             -z noexecstack --build-id=none -T linker.ld

# ---- the hypervisor -------------------------------------------------------
KDIRS     := arch boot kernel init lib mm fb acpi smp svm hpet decode loader pci net net/lwip console iommu crypto crypto/bearssl
KSRCS     := $(sort $(foreach d,$(KDIRS),$(wildcard $(d)/*.c) $(wildcard $(d)/*.S)))
KOBJS     := $(patsubst %,$(BUILD)/%.o,$(basename $(KSRCS)))
KERNEL    := $(BUILD)/hv.elf
ISO       := $(BUILD)/hv.iso

.PHONY: all iso guest run run-uefi console console-udp gdb test test-unit test-host test-qemu test-linux test-scale fuzz bench \
        deps clean help FORCE
all: $(ISO)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

# Third-party code (fetched and pinned by third_party.mk) and lwIP.
include third_party.mk
include net/lwip/lwip.mk
include crypto/bearssl/bearssl.mk

$(KERNEL): $(KOBJS) $(LWIP_OBJS) $(BEARSSL_OBJS) linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(LWIP_OBJS) $(BEARSSL_OBJS)
	$(Q)grub-file --is-x86-multiboot2 $@ || \
	  { echo "error: $@ is not a valid Multiboot2 image"; rm -f $@; exit 1; }

-include $(KOBJS:.o=.d)

# ---- the guest (guest/ has its own rules) ---------------------------------
-include guest/guest.mk

# ---- a Linux guest (docs/linux.md) -------------------------------------------
# GUEST=linux: Debian's kernel (linux-image-amd64) and a busybox initramfs,
# fetched and built into $(LINUX_DIR) by tools/linux-guest.sh.
GUEST     ?= own
LINUX_DIR := $(BUILD)/linux
LINUX_KERNEL := $(LINUX_DIR)/vmlinuz
LINUX_INITRD := $(LINUX_DIR)/initrd.cpio.gz
LINUX_ARGS ?= console=ttyS0,115200
.PHONY: linux-guest
linux-guest $(LINUX_KERNEL) $(LINUX_INITRD): tools/linux-guest.sh tools/linux-init.sh
	$(Q)tools/linux-guest.sh $(LINUX_DIR)

ifeq ($(GUEST),linux)
GUEST_IMG := $(LINUX_KERNEL)
GUEST_ARGS ?= $(LINUX_ARGS)
ISO_ENV   := INITRD=$(LINUX_INITRD) GUEST_KIND=linux
ISO_DEPS  := $(LINUX_INITRD)
else ifeq ($(GUEST),own)
GUEST_IMG := $(GUEST_ELF)
ISO_ENV   :=
ISO_DEPS  :=
else
$(error GUEST is 'own' (guest/) or 'linux', not '$(GUEST)')
endif

# ---- ISO --------------------------------------------------------------------
# The command lines are baked into grub.cfg: a stamp file holding them makes
# the ISO rebuild when CMDLINE, GUEST or GUEST_ARGS change.
GUEST_ARGS ?= smp
ISO_CFG   := $(BUILD)/iso-config.txt
ISO_CFG_NOW := hv: $(CMDLINE) | guest $(GUEST): $(GUEST_ARGS) | key: $(CONSOLE_KEY) | video: $(GFXPAYLOAD)
$(ISO_CFG): FORCE
	@mkdir -p $(dir $@)
	@[ "$$(cat $@ 2>/dev/null)" = '$(ISO_CFG_NOW)' ] || echo '$(ISO_CFG_NOW)' > $@
FORCE:

iso: $(ISO)
$(ISO): $(KERNEL) $(GUEST_IMG) $(ISO_DEPS) iso/grub.cfg tools/mkiso.sh $(ISO_CFG) $(CONSOLE_KEY)
	@$(if $(Q),echo "  ISO     $@")
	$(Q)CMDLINE='$(CMDLINE)' GUEST_ARGS='$(GUEST_ARGS)' KEY_FILE='$(CONSOLE_KEY)' \
	  GFXPAYLOAD='$(GFXPAYLOAD)' $(ISO_ENV) \
	  tools/mkiso.sh $@ iso/grub.cfg $(KERNEL) $(GUEST_IMG)

# The console key of `make run`: made once, kept (mode 0600).
$(BUILD)/console.key:
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) tools/hvcon keygen $@ >/dev/null
	@echo "  KEY     $@ (the UDP console's key; hvcon --key-file $@)"

# ---- running --------------------------------------------------------------
# KVM only where kvm_amd says nested SVM works; TCG with SVM+NPT otherwise.
NESTED    := $(shell cat /sys/module/kvm_amd/parameters/nested 2>/dev/null)
ifneq ($(filter 1 Y,$(NESTED)),)
ACCEL     ?= -accel kvm -cpu host
else
ACCEL     ?= -accel tcg -cpu qemu64,+svm,+npt
endif
# COM1 (stdio): the log and the guest; COM2 (a Unix socket): the debug
# console, `make console` in another terminal.
CONSOLE_SOCK := $(BUILD)/console.sock
# Two NICs, both QEMU user-mode networking: the guest's (00:02.0) and the
# hypervisor's (00:05.0, net= above), whose UDP port 4444 is forwarded to
# 127.0.0.1:$(UDP_PORT) (`make console-udp`). NIC: their QEMU model,
# e1000e or virtio-net-pci (the hypervisor and Linux drive both).
NIC       ?= e1000e
QEMU_NET  := -nic user,model=$(NIC) \
             -netdev user,id=hvnet,hostfwd=udp:127.0.0.1:$(UDP_PORT)-:4444 \
             -device $(NIC),netdev=hvnet,addr=5
QEMU_ARGS := -M q35 $(ACCEL) -smp $(SMP) -m $(MEM) -serial mon:stdio \
             -serial unix:$(CONSOLE_SOCK),server=on,wait=off \
             -display none -no-reboot $(QEMU_NET) \
             -device isa-debug-exit,iobase=0xf4,iosize=0x04 $(QEMU_EXTRA)

run: deps
	$(Q)$(MAKE) --no-print-directory $(ISO)
	@echo "QEMU: $(ACCEL) -smp $(SMP) -m $(MEM) (quit: Ctrl-A X; debug console: make console)"
	@$(if $(CONSOLE_KEY),echo "UDP console: tools/hvcon --key-file $(CONSOLE_KEY) 127.0.0.1:$(UDP_PORT) [COMMAND] (or make console-udp)")
	-$(QEMU) $(QEMU_ARGS) -cdrom $(ISO)

run-uefi: deps
	$(Q)$(MAKE) --no-print-directory $(ISO)
	-$(QEMU) $(QEMU_ARGS) -bios $(OVMF) -cdrom $(ISO)

console:
	@/usr/bin/python3 tools/console.py $(CONSOLE_SOCK)

console-udp:
	@$(PYTHON) tools/hvcon --key-file $(CONSOLE_KEY) 127.0.0.1:$(UDP_PORT)

gdb: deps
	$(Q)$(MAKE) --no-print-directory $(ISO)
	@echo "QEMU waits for GDB on :1234; in another shell: gdb -x tools/gdbinit"
	-$(QEMU) $(QEMU_ARGS) -cdrom $(ISO) -s -S

# ---- tests ----------------------------------------------------------------
# Each tests/unit/NAME.mk adds NAME to UNIT_TESTS and sets UNIT_SRCS_NAME.
UNIT_TESTS :=
HOST_HELPERS :=
include $(sort $(wildcard tests/unit/*.mk))
HOSTCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
              -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer -DHOST_BUILD -I. -Itests/unit
UNIT_BINS  := $(foreach t,$(UNIT_TESTS),$(BUILD)/unit/test_$(t))

define unit_rule
$(BUILD)/unit/test_$(1): $$(UNIT_SRCS_$(1)) tests/unit/runner.c tests/unit/host_stubs.c $$(wildcard */*.h tests/unit/*.h)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  HOSTCC  $$@")
	$$(Q)$$(HOSTCC) $$(HOSTCFLAGS) $$(UNIT_CFLAGS_$(1)) -o $$@ $$(UNIT_SRCS_$(1)) tests/unit/runner.c tests/unit/host_stubs.c
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

test-unit: $(UNIT_BINS)
	$(Q)tools/run-unit.sh $(UNIT_BINS)

# Host tests in Python: the C code against independent implementations
# (tests/host/, helpers built from tests/unit/*.mk's HOST_HELPERS).
test-host: $(HOST_HELPERS)
	$(Q)BUILD=$(BUILD) $(PYTHON) -m pytest -q tests/host $(PYTEST_ARGS)

test-qemu: deps
	$(Q)$(MAKE) --no-print-directory $(KERNEL) $(GUEST_ELF) $(LINUX_KERNEL) $(LINUX_INITRD)
	$(Q)$(PYTHON) -m pytest -q tests/qemu $(PYTEST_ARGS)

# The Linux guest's whole matrix (-smp 1/4, SeaBIOS/OVMF, reboot): a Linux
# boot under TCG costs 1-3 minutes, so make test runs only the combined one.
test-linux: deps
	$(Q)$(MAKE) --no-print-directory $(KERNEL) $(LINUX_KERNEL) $(LINUX_INITRD)
	$(Q)HV_TEST_LINUX_MATRIX=1 $(PYTHON) -m pytest -q tests/qemu/test_linux.py $(PYTEST_ARGS)

# Hundreds of CPUs (-smp 128 and 255, a too-small hv_mem=): minutes under
# TCG, so not in make test (tests/qemu/test_scale.py, docs/design.md).
test-scale: deps
	$(Q)$(MAKE) --no-print-directory $(KERNEL) $(GUEST_ELF)
	$(Q)HV_TEST_SCALE=1 $(PYTHON) -m pytest -q tests/qemu/test_scale.py $(PYTEST_ARGS)

test: deps
	$(Q)$(MAKE) --no-print-directory test-unit
	$(Q)$(MAKE) --no-print-directory test-host
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)
	$(Q)$(MAKE) --no-print-directory test-qemu

# ---- fuzzing (libFuzzer, bounded) -----------------------------------------
# Each tests/fuzz/NAME.mk adds NAME to FUZZ_TARGETS and sets FUZZ_SRCS_NAME.
FUZZ_TARGETS :=
FUZZ_SECONDS ?= 30
# Seconds per fuzz target within make test (make fuzz uses FUZZ_SECONDS).
TEST_FUZZ_SECONDS ?= 15
include $(sort $(wildcard tests/fuzz/*.mk))
FUZZ_BINS := $(foreach t,$(FUZZ_TARGETS),$(BUILD)/fuzz/fuzz_$(t))
FUZZFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -DHOST_BUILD -DFUZZ_BUILD \
             -I. -Itests/unit -Wall -Werror -Wno-unused-parameter

define fuzz_rule
$(BUILD)/fuzz/fuzz_$(1): $$(FUZZ_SRCS_$(1)) tests/abort_stubs.c $$(wildcard */*.h)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  FUZZCC  $$@")
	$$(Q)$$(FUZZCC) $$(FUZZFLAGS) -o $$@ $$(FUZZ_SRCS_$(1)) tests/abort_stubs.c
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

fuzz: $(FUZZ_BINS)
	$(Q)tools/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

# ---- benchmarks -----------------------------------------------------------
# Each bench/NAME.mk adds a runner to BENCH_RUNS (a phony target) that
# prints its results, ends with `NAME: N passed, N failed, N flagged`,
# keeps that output in $(BENCH_DIR)/NAME.txt, and fails when a
# deterministic target is missed. `make bench` runs every runner (a failed
# one does not stop the others), writes $(BENCH_RESULTS) and fails when any
# runner failed (docs/bench-svm.md, docs/mm-bench.md).
BENCH_RUNS :=
BENCH_DIR := $(BUILD)/bench
BENCH_RESULTS ?= docs/bench-results.md
include $(sort $(wildcard bench/*.mk))
bench: deps
	@mkdir -p $(BENCH_DIR)
	$(Q)for r in $(BENCH_RUNS); do rm -f $(BENCH_DIR)/$$r.txt; \
	  $(MAKE) --no-print-directory $$r || true; done
	$(Q)$(PYTHON) tools/bench-report.py -o $(BENCH_RESULTS) \
	  $(foreach r,$(BENCH_RUNS),$(r)=$(BENCH_DIR)/$(r).txt)

# ---- dependencies -----------------------------------------------------------
deps:
	$(Q)tools/deps.sh

clean:
	rm -rf $(BUILD)

help:
	@sed -n '1,11p' Makefile
	@echo "targets: all iso guest linux-guest run run-uefi console console-udp gdb test test-unit test-host test-qemu test-linux test-scale fuzz bench deps third-party clean"
	@echo "variables: SMP=$(SMP) MEM=$(MEM) CMDLINE='$(CMDLINE)' GUEST=own|linux GUEST_ARGS='$(GUEST_ARGS)' GFXPAYLOAD= UDP_PORT=$(UDP_PORT) NIC=$(NIC) QEMU_EXTRA= V=1 CROSS= FUZZ_SECONDS="
