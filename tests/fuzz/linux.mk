FUZZ_TARGETS += linux
FUZZ_SRCS_linux := $(filter-out loader/boot.c,$(wildcard loader/*.c)) lib/format.c tests/fuzz/fuzz_linux.c
