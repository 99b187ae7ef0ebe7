# Host unit tests for decode/: the instruction decoder, effective
# addresses, MMIO emulation and guest page-table walks.
UNIT_TESTS += decode
UNIT_SRCS_decode := $(wildcard decode/*.c) tests/unit/test_decode.c \
                    tests/unit/test_decode_modrm.c \
                    tests/unit/test_decode_emul.c tests/unit/test_guestpt.c
