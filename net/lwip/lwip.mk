# net/lwip/lwip.mk - the lwIP files the hypervisor builds (see lwipopts.h
# for what is on), and the flags of the port layer.
#
# lwIP's own files get the kernel's freestanding flags without our
# warning set (-w: its warnings are not ours to fix); our port files in
# net/lwip/ keep every warning as an error. Only objects under
# $(BUILD)/net/lwip and $(BUILD)/lwip see lwIP's headers.

LWIP_SRC_FILES := core/init.c core/def.c core/inet_chksum.c core/ip.c \
                  core/mem.c core/memp.c core/netif.c core/pbuf.c \
                  core/stats.c core/timeouts.c core/udp.c \
                  core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c \
                  core/ipv4/ip4.c core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
                  netif/ethernet.c
LWIP_OBJS      := $(patsubst %.c,$(BUILD)/lwip/%.o,$(LWIP_SRC_FILES))
LWIP_INC       := -Inet/lwip -Inet/lwip/shim -I$(LWIP_DIR)/src/include
LWIP_CFLAGS    := $(filter-out $(WARN),$(KCFLAGS)) -w $(LWIP_INC)

# The port layer (net/lwip/*.c, in KSRCS) compiles with lwIP's headers.
$(BUILD)/net/lwip/%.o: KCFLAGS += $(LWIP_INC)
$(patsubst %.c,$(BUILD)/%.o,$(wildcard net/lwip/*.c)): | $(LWIP_STAMP)

$(BUILD)/lwip/%.o: $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      lwip/$*.c")
	$(Q)$(CC) $(LWIP_CFLAGS) -c $(LWIP_DIR)/src/$*.c -o $@

-include $(wildcard $(LWIP_OBJS:.o=.d))
