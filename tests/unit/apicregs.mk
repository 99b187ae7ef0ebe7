UNIT_TESTS += apicregs
UNIT_SRCS_apicregs := svm/apicregs.c tests/unit/test_apicregs.c
