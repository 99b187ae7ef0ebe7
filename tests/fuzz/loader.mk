FUZZ_TARGETS += loader
FUZZ_SRCS_loader := $(wildcard loader/*.c) lib/format.c tests/fuzz/fuzz_loader.c
