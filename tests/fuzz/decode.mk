# libFuzzer target for decode/: decoder, operand addresses, MMIO
# emulation and guest page-table walks on fuzzed input.
FUZZ_TARGETS += decode
FUZZ_SRCS_decode := $(wildcard decode/*.c) tests/fuzz/fuzz_decode.c
