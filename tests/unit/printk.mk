UNIT_TESTS += printk
UNIT_SRCS_printk := lib/format.c tests/unit/test_printk.c
UNIT_CFLAGS_printk := -pthread
