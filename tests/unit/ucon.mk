# tests/unit/ucon.mk - host tests for the authenticated UDP console: RFC
# 8439 vectors through our BearSSL build, the datagram (sealing, opening,
# every bit flip and truncation), replays, the reply cache, the rate
# limit, the key's text and the scan for its copies.
UNIT_TESTS += ucon
UNIT_SRCS_ucon := net/ucon_wire.c net/ucon_state.c net/ucon_key.c net/ucon_fmt.c \
                  lib/format.c lib/parse.c $(BEARSSL_HOST_SRCS) tests/unit/test_ucon.c
# BearSSL reads little-endian words through unaligned unions on x86
# (inner.h, br_dec32le): allowed there, so not a finding of ours.
UNIT_CFLAGS_ucon := $(BEARSSL_HOST_INC) -fno-sanitize=alignment

# The interoperability helper tests/host/ drives against Python's
# cryptography package (both directions).
UCON_INTEROP := $(BUILD)/unit/ucon_interop
HOST_HELPERS += $(UCON_INTEROP)
$(UCON_INTEROP): net/ucon_wire.c $(BEARSSL_HOST_SRCS) tests/unit/ucon_interop.c $(wildcard net/*.h crypto/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOSTCFLAGS) $(BEARSSL_HOST_INC) -fno-sanitize=alignment -o $@ net/ucon_wire.c lib/format.c \
	  $(BEARSSL_HOST_SRCS) tests/unit/ucon_interop.c
