UNIT_TESTS += loader
UNIT_SRCS_loader := $(filter-out loader/boot.c,$(wildcard loader/*.c)) lib/format.c tests/unit/test_loader.c tests/unit/test_linux.c
