UNIT_TESTS += loader
UNIT_SRCS_loader := $(wildcard loader/*.c) lib/format.c tests/unit/test_loader.c
