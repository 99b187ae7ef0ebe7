UNIT_TESTS += nmisrc
UNIT_SRCS_nmisrc := smp/nmisrc.c tests/unit/test_nmisrc.c
