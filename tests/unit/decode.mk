# Host unit tests for decode/: the instruction decoder, effective
# addresses, MMIO emulation, guest page-table walks and the instructions
# run after a configuration address write.
UNIT_TESTS += decode
UNIT_SRCS_decode := $(wildcard decode/*.c) tests/unit/test_decode.c \
                    tests/unit/test_decode_modrm.c \
                    tests/unit/test_decode_emul.c tests/unit/test_guestpt.c \
                    tests/unit/test_decode_follow.c
