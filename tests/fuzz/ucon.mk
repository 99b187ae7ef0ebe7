# libFuzzer target for the authenticated UDP console: the datagram parser
# and opener on raw input, the state machine on a stream of authentic
# requests built from the input, the key's text and the key scan.
FUZZ_TARGETS += ucon
FUZZ_SRCS_ucon := net/ucon_wire.c net/ucon_state.c net/ucon_key.c net/ucon_fmt.c \
                  lib/format.c lib/parse.c $(BEARSSL_HOST_SRCS) tests/fuzz/fuzz_ucon.c
$(BUILD)/fuzz/fuzz_ucon: FUZZFLAGS += $(BEARSSL_HOST_INC) -fno-sanitize=alignment
