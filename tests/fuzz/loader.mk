FUZZ_TARGETS += loader
FUZZ_SRCS_loader := $(filter-out loader/boot.c,$(wildcard loader/*.c)) lib/format.c tests/fuzz/fuzz_loader.c
