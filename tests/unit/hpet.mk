UNIT_TESTS += hpet
UNIT_SRCS_hpet := hpet/view.c tests/unit/test_hpet.c
