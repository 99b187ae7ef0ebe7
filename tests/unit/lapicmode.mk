UNIT_TESTS += lapicmode
UNIT_SRCS_lapicmode := smp/lapicmode.c tests/unit/test_lapicmode.c
