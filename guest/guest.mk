# guest/guest.mk - our guest OS, a separate freestanding Multiboot2 kernel.
# Included by the top Makefile, which defines $(BUILD), $(CC), $(LD), $(Q).
# Own flags: it links at 1 MiB physical, identity mapped, so the small code
# model fits (not the hypervisor's -mcmodel=kernel). It shares lib/ with the
# hypervisor, compiled again with these flags.

GUEST_ELF   := $(BUILD)/guest/guest.elf
GUEST_SRCS  := $(sort $(wildcard guest/*.c) $(wildcard guest/*.S)) \
               lib/string.c lib/format.c lib/parse.c
GUEST_OBJS  := $(patsubst %,$(BUILD)/guest/obj/%.o,$(basename $(GUEST_SRCS)))
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow \
               -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
               -Wvla -Wundef -ffreestanding -fno-builtin-printf -fno-pie \
               -mcmodel=small -mno-red-zone -mgeneral-regs-only -mno-sse \
               -mno-mmx -fno-omit-frame-pointer -fno-stack-protector \
               -fno-common -fno-strict-aliasing -fcf-protection=none \
               -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
               -I. -MMD -MP
GUEST_ASFLAGS := $(filter-out -std=gnu11,$(GUEST_CFLAGS)) -D__ASSEMBLY__
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 \
               -z noexecstack --build-id=none -T guest/guest.ld

guest: $(GUEST_ELF)

$(BUILD)/guest/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (guest)")
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guest/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $< (guest)")
	$(Q)$(CC) $(GUEST_ASFLAGS) -c $< -o $@

$(GUEST_ELF): $(GUEST_OBJS) guest/guest.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(GUEST_LDFLAGS) -o $@ $(GUEST_OBJS)
	$(Q)grub-file --is-x86-multiboot2 $@ || \
	  { echo "error: $@ is not a valid Multiboot2 image"; rm -f $@; exit 1; }

-include $(GUEST_OBJS:.o=.d)
